// See responses_request.h.
#include "engine/responses_request.h"

#include <type_traits>

namespace spool::engine {

using nlohmann::json;

json shell_tool() {
  return json{
      {"type", "function"},
      {"name", "shell"},
      {"description", "Runs a shell command and returns its output."},
      {"strict", false},
      {"parameters",
       {{"type", "object"},
        {"properties",
         {{"command",
           {{"type", "array"},
            {"items", {{"type", "string"}}},
            {"description", "The command to execute, as an argv array."}}},
          {"workdir",
           {{"type", "string"}, {"description", "The working directory to run the command in."}}},
          {"timeout_ms",
           {{"type", "integer"},
            {"description", "The timeout for the command in milliseconds."}}}}},
        {"required", json::array({"command"})},
        {"additionalProperties", false}}}};
}

json input_item_json(const InputItem& item) {
  return std::visit(
      [](const auto& i) -> json {
        using T = std::decay_t<decltype(i)>;
        if constexpr (std::is_same_v<T, UserMessageInput>) {
          return json{{"type", "message"},
                      {"role", "user"},
                      {"content", json::array({{{"type", "input_text"}, {"text", i.text}}})}};
        } else if constexpr (std::is_same_v<T, AssistantMessageInput>) {
          return json{{"type", "message"},
                      {"role", "assistant"},
                      {"content", json::array({{{"type", "output_text"}, {"text", i.text}}})}};
        } else if constexpr (std::is_same_v<T, ReasoningInput>) {
          json out = i.item;
          if (out.is_object()) {
            out.erase("id");
            if (!out.contains("type")) out["type"] = "reasoning";
          }
          return out;
        } else if constexpr (std::is_same_v<T, FunctionCallInput>) {
          return json{{"type", "function_call"},
                      {"call_id", i.call_id},
                      {"name", i.name},
                      {"arguments", i.arguments}};
        } else {
          static_assert(std::is_same_v<T, FunctionCallOutputInput>);
          return json{
              {"type", "function_call_output"}, {"call_id", i.call_id}, {"output", i.output}};
        }
      },
      item);
}

json responses_request(const ResponsesRequest& request) {
  json input = json::array();
  for (const InputItem& item : request.input) input.push_back(input_item_json(item));

  json body{{"model", request.model},
            {"instructions", request.instructions},
            {"input", std::move(input)},
            {"tools", json::array({shell_tool()})},
            {"tool_choice", "auto"},
            {"parallel_tool_calls", false},
            {"store", false},
            {"stream", true},
            {"include", json::array({"reasoning.encrypted_content"})}};
  if (request.reasoning_effort || request.reasoning_summary) {
    json reasoning = json::object();
    if (request.reasoning_effort) reasoning["effort"] = *request.reasoning_effort;
    if (request.reasoning_summary) reasoning["summary"] = *request.reasoning_summary;
    body["reasoning"] = std::move(reasoning);
  }
  return body;
}

}  // namespace spool::engine
