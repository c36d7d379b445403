// The OpenAI Responses API's streamed events, decoded from one server-sent event's JSON data
// into typed values (ResponsesEvent). Only what a turn needs is typed; every other event type
// decodes to UnknownEvent (providers add event types, which is never an error), and every
// output item type other than message / reasoning / function_call to OtherItem with its JSON.
//
// This file knows nothing of HTTP or of SSE framing (sse_parser.h) and nothing of the
// request side (responses_request.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

namespace spool::engine {

// --- Output items (response.output_item.added / .done) ---

// One content part of a message: `output_text` (text = its text), `refusal` (text = the
// refusal), anything else (text empty; see raw).
struct ContentPart {
  std::string type;
  std::string text;
  nlohmann::json raw;
};

struct MessageItem {
  std::string id;
  std::string role;  // "assistant" in practice
  std::vector<ContentPart> content;
  nlohmann::json raw;
};

struct ReasoningItem {
  std::string id;
  std::vector<std::string> summary;  // the `summary_text` parts, in order
  std::vector<std::string> content;  // the `reasoning_text` parts, in order (often absent)
  std::optional<std::string> encrypted_content;
  nlohmann::json raw;  // the item as received, for sending back (responses_request.h)
};

struct FunctionCallItem {
  std::string id;
  std::string call_id;
  std::string name;
  std::string arguments;  // a JSON document, as a string (the model's; not validated here)
  nlohmann::json raw;
};

// Any other item type (web_search_call, local_shell_call, custom_tool_call, ...).
struct OtherItem {
  std::string type;
  std::string id;  // "" when the item has none
  nlohmann::json raw;
};

using OutputItem = std::variant<MessageItem, ReasoningItem, FunctionCallItem, OtherItem>;

// --- Events ---

struct ResponseCreated {  // response.created
  std::string response_id;
};
struct ResponseInProgress {  // response.in_progress: nothing a turn needs
  std::string response_id;
};
struct OutputItemAdded {  // response.output_item.added
  std::int64_t output_index = 0;
  OutputItem item;
};
struct OutputItemDone {  // response.output_item.done
  std::int64_t output_index = 0;
  OutputItem item;
};
struct OutputTextDelta {  // response.output_text.delta
  std::string item_id;
  std::int64_t output_index = 0;   // 0 when absent
  std::int64_t content_index = 0;  // 0 when absent
  std::string delta;
};
struct ReasoningSummaryPartAdded {  // response.reasoning_summary_part.added
  std::string item_id;
  std::int64_t output_index = 0;  // 0 when absent
  std::int64_t summary_index = 0;
};
struct ReasoningSummaryTextDelta {  // response.reasoning_summary_text.delta
  std::string item_id;
  std::int64_t output_index = 0;  // 0 when absent
  std::int64_t summary_index = 0;
  std::string delta;
};
struct ReasoningTextDelta {  // response.reasoning_text.delta
  std::string item_id;
  std::int64_t output_index = 0;  // 0 when absent
  std::int64_t content_index = 0;
  std::string delta;
};

struct TokenUsage {
  std::int64_t input_tokens = 0;
  std::int64_t cached_input_tokens = 0;  // input_tokens_details.cached_tokens, 0 when absent
  std::int64_t output_tokens = 0;
  std::int64_t reasoning_output_tokens = 0;  // output_tokens_details.reasoning_tokens
  std::int64_t total_tokens = 0;
};

struct ResponseCompleted {  // response.completed
  std::string response_id;
  std::optional<TokenUsage> usage;  // absent when the provider sends none
};
struct ResponseFailed {     // response.failed
  std::string response_id;  // "" when absent
  std::string code;         // "" when absent or null
  std::string message;      // a generic text when the provider gives none
};
struct ErrorEvent {  // error
  std::string code;  // "" when absent or null
  std::string message;
  std::string param;  // "" when absent or null
};
struct UnknownEvent {  // any other type, e.g. response.content_part.added
  std::string type;
  nlohmann::json raw;
};

using ResponsesEvent =
    std::variant<ResponseCreated, ResponseInProgress, OutputItemAdded, OutputItemDone,
                 OutputTextDelta, ReasoningSummaryPartAdded, ReasoningSummaryTextDelta,
                 ReasoningTextDelta, ResponseCompleted, ResponseFailed, ErrorEvent, UnknownEvent>;

// Why one event could not be decoded.
struct EventDecodeError {
  std::string event_type;  // "" when not even the type could be read
  std::string field;       // dotted path of the missing/ill-typed field, "" for bad JSON
  std::string message;     // a readable sentence naming both
};

// Decodes one event's `data` (a JSON object). The type comes from the JSON's "type" member;
// `sse_event_type` (the SSE `event:` field) is used only when the JSON has none (then
// "message", the SSE default, counts as absent). Malformed JSON, a non-object, or a
// required field missing or of the wrong type is an EventDecodeError.
Result<ResponsesEvent, EventDecodeError> decode_responses_event(
    std::string_view data, std::string_view sse_event_type = {});

// Decodes one output item (the `item` of output_item.added/done). Exposed for the request
// side and for tests.
Result<OutputItem, EventDecodeError> decode_output_item(const nlohmann::json& item,
                                                        std::string_view event_type);

}  // namespace spool::engine
