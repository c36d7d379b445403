// The body of a Responses API request (`POST {base_url}/responses`): the model, the
// instructions, the conversation so far as Responses input items, the `shell` tool, and the
// fixed settings a streamed, stateless turn needs (store: false, stream: true, encrypted
// reasoning included so that it can be sent back next time).
//
// Only the body: headers, URL and authentication belong to the caller.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace spool::engine {

struct UserMessageInput {  // {role: user, content: [{type: input_text, text}]}
  std::string text;
};
struct AssistantMessageInput {  // {role: assistant, content: [{type: output_text, text}]}
  std::string text;
};
// A reasoning item the model produced earlier (ReasoningItem::raw), sent back as received
// except its "id": with store: false the server keeps no items, so ids must not be referred
// to (the encrypted_content carries the reasoning).
struct ReasoningInput {
  nlohmann::json item;
};
struct FunctionCallInput {  // {type: function_call, call_id, name, arguments}
  std::string call_id;
  std::string name;
  std::string arguments;  // JSON text, as the model sent it
};
struct FunctionCallOutputInput {  // {type: function_call_output, call_id, output}
  std::string call_id;
  std::string output;
};

using InputItem = std::variant<UserMessageInput, AssistantMessageInput, ReasoningInput,
                               FunctionCallInput, FunctionCallOutputInput>;

struct ResponsesRequest {
  std::string model;
  std::string instructions;
  std::vector<InputItem> input;
  std::optional<std::string> reasoning_effort;   // "minimal" | "low" | "medium" | "high" ...
  std::optional<std::string> reasoning_summary;  // "auto" | "concise" | "detailed" ...
};

// The `shell` function tool: {command: string[], workdir?: string, timeout_ms?: integer}.
nlohmann::json shell_tool();

// One input item as Responses JSON.
nlohmann::json input_item_json(const InputItem& item);

// The whole request body. `reasoning` is present only when effort or summary is set, with
// only the keys that are set.
nlohmann::json responses_request(const ResponsesRequest& request);

}  // namespace spool::engine
