// responses_request: the request body, compared with a golden JSON value.
#include "engine/responses_request.h"

#include <catch2/catch.hpp>

using namespace spool::engine;
using nlohmann::json;

TEST_CASE("the request body for a turn with history", "[engine][responses]") {
  ResponsesRequest r;
  r.model = "gpt-5";
  r.instructions = "You are a coding agent.";
  r.reasoning_effort = "medium";
  r.reasoning_summary = "auto";
  r.input = {
      UserMessageInput{"list the files"},
      ReasoningInput{json::parse(
          R"({"id":"rs_1","type":"reasoning","summary":[{"type":"summary_text","text":"Plan"}],"encrypted_content":"gAAA"})")},
      FunctionCallInput{"call_1", "shell", R"({"command":["ls"]})"},
      FunctionCallOutputInput{"call_1", "a.txt\nb.txt\n"},
      AssistantMessageInput{"Two files."},
      UserMessageInput{"thanks"},
  };
  json expected = json::parse(R"({
    "model": "gpt-5",
    "instructions": "You are a coding agent.",
    "input": [
      {"type":"message","role":"user","content":[{"type":"input_text","text":"list the files"}]},
      {"type":"reasoning","summary":[{"type":"summary_text","text":"Plan"}],"encrypted_content":"gAAA"},
      {"type":"function_call","call_id":"call_1","name":"shell","arguments":"{\"command\":[\"ls\"]}"},
      {"type":"function_call_output","call_id":"call_1","output":"a.txt\nb.txt\n"},
      {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Two files."}]},
      {"type":"message","role":"user","content":[{"type":"input_text","text":"thanks"}]}
    ],
    "tools": [{
      "type": "function",
      "name": "shell",
      "description": "Runs a shell command and returns its output.",
      "strict": false,
      "parameters": {
        "type": "object",
        "properties": {
          "command": {"type":"array","items":{"type":"string"},"description":"The command to execute, as an argv array."},
          "workdir": {"type":"string","description":"The working directory to run the command in."},
          "timeout_ms": {"type":"integer","description":"The timeout for the command in milliseconds."}
        },
        "required": ["command"],
        "additionalProperties": false
      }
    }],
    "tool_choice": "auto",
    "parallel_tool_calls": false,
    "reasoning": {"effort":"medium","summary":"auto"},
    "store": false,
    "stream": true,
    "include": ["reasoning.encrypted_content"]
  })");
  CHECK(responses_request(r) == expected);
}

TEST_CASE("reasoning is present only with the keys that are set", "[engine][responses]") {
  ResponsesRequest r;
  r.model = "m";
  CHECK_FALSE(responses_request(r).contains("reasoning"));
  CHECK(responses_request(r)["input"] == json::array());
  r.reasoning_effort = "high";
  CHECK(responses_request(r)["reasoning"] == json{{"effort", "high"}});
  r.reasoning_effort.reset();
  r.reasoning_summary = "detailed";
  CHECK(responses_request(r)["reasoning"] == json{{"summary", "detailed"}});
}
