// decode_responses_event on literal samples of every event type the model client reads.
#include "engine/responses_events.h"

#include <catch2/catch.hpp>

using namespace spool::engine;

namespace {

template <typename T>
T decode_as(std::string_view data) {
  auto r = decode_responses_event(data);
  if (!r.ok()) FAIL(r.error().message);
  REQUIRE(std::holds_alternative<T>(*r));
  return std::get<T>(std::move(r).value());
}

EventDecodeError decode_error(std::string_view data, std::string_view sse_type = {}) {
  auto r = decode_responses_event(data, sse_type);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

}  // namespace

TEST_CASE("response.created and response.in_progress", "[engine][responses]") {
  CHECK(
      decode_as<ResponseCreated>(
          R"({"type":"response.created","sequence_number":0,"response":{"id":"resp_1","status":"in_progress"}})")
          .response_id == "resp_1");
  CHECK(
      decode_as<ResponseInProgress>(R"({"type":"response.in_progress","response":{"id":"resp_1"}})")
          .response_id == "resp_1");
}

TEST_CASE("output_item.added and .done with a message", "[engine][responses]") {
  auto added = decode_as<OutputItemAdded>(
      R"({"type":"response.output_item.added","output_index":1,"item":{"id":"msg_1","type":"message","status":"in_progress","role":"assistant","content":[]}})");
  CHECK(added.output_index == 1);
  auto& m = std::get<MessageItem>(added.item);
  CHECK(m.id == "msg_1");
  CHECK(m.role == "assistant");
  CHECK(m.content.empty());

  auto done = decode_as<OutputItemDone>(
      R"({"type":"response.output_item.done","output_index":1,"item":{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"output_text","text":"Hello","annotations":[]},{"type":"refusal","refusal":"no"}]}})");
  auto& dm = std::get<MessageItem>(done.item);
  REQUIRE(dm.content.size() == 2);
  CHECK(dm.content[0].type == "output_text");
  CHECK(dm.content[0].text == "Hello");
  CHECK(dm.content[1].type == "refusal");
  CHECK(dm.content[1].text == "no");
}

TEST_CASE("output_item.done with reasoning", "[engine][responses]") {
  auto done =
      decode_as<OutputItemDone>(R"({"type":"response.output_item.done","output_index":0,"item":{
      "id":"rs_1","type":"reasoning",
      "summary":[{"type":"summary_text","text":"**Plan**"},{"type":"summary_text","text":"Then"}],
      "content":[{"type":"reasoning_text","text":"raw thought"}],
      "encrypted_content":"gAAAA"}})");
  auto& r = std::get<ReasoningItem>(done.item);
  CHECK(r.id == "rs_1");
  CHECK(r.summary == std::vector<std::string>{"**Plan**", "Then"});
  CHECK(r.content == std::vector<std::string>{"raw thought"});
  CHECK(r.encrypted_content == "gAAAA");
  CHECK(r.raw["encrypted_content"] == "gAAAA");

  auto bare = decode_as<OutputItemAdded>(
      R"({"type":"response.output_item.added","output_index":0,"item":{"id":"rs_2","type":"reasoning","summary":[]}})");
  auto& b = std::get<ReasoningItem>(bare.item);
  CHECK(b.summary.empty());
  CHECK(b.content.empty());
  CHECK_FALSE(b.encrypted_content);
}

TEST_CASE("output_item.done with a function call", "[engine][responses]") {
  auto done =
      decode_as<OutputItemDone>(R"({"type":"response.output_item.done","output_index":2,"item":{
      "id":"fc_1","type":"function_call","status":"completed","call_id":"call_1","name":"shell",
      "arguments":"{\"command\":[\"ls\",\"-la\"]}"}})");
  auto& f = std::get<FunctionCallItem>(done.item);
  CHECK(f.call_id == "call_1");
  CHECK(f.name == "shell");
  CHECK(f.arguments == R"({"command":["ls","-la"]})");
}

TEST_CASE("other item types are kept as raw JSON", "[engine][responses]") {
  auto done = decode_as<OutputItemDone>(
      R"({"type":"response.output_item.done","output_index":0,"item":{"id":"ws_1","type":"web_search_call","status":"completed"}})");
  auto& o = std::get<OtherItem>(done.item);
  CHECK(o.type == "web_search_call");
  CHECK(o.id == "ws_1");
  CHECK(o.raw["status"] == "completed");
}

TEST_CASE("the delta events", "[engine][responses]") {
  auto text = decode_as<OutputTextDelta>(
      R"({"type":"response.output_text.delta","item_id":"msg_1","output_index":1,"content_index":0,"delta":"Hel"})");
  CHECK(text.item_id == "msg_1");
  CHECK(text.output_index == 1);
  CHECK(text.content_index == 0);
  CHECK(text.delta == "Hel");

  auto part = decode_as<ReasoningSummaryPartAdded>(
      R"({"type":"response.reasoning_summary_part.added","item_id":"rs_1","output_index":0,"summary_index":1,"part":{"type":"summary_text","text":""}})");
  CHECK(part.item_id == "rs_1");
  CHECK(part.summary_index == 1);

  auto summary = decode_as<ReasoningSummaryTextDelta>(
      R"({"type":"response.reasoning_summary_text.delta","item_id":"rs_1","output_index":0,"summary_index":1,"delta":"**Pl"})");
  CHECK(summary.summary_index == 1);
  CHECK(summary.delta == "**Pl");

  auto reasoning = decode_as<ReasoningTextDelta>(
      R"({"type":"response.reasoning_text.delta","item_id":"rs_1","output_index":0,"content_index":0,"delta":"hmm"})");
  CHECK(reasoning.content_index == 0);
  CHECK(reasoning.delta == "hmm");
}

TEST_CASE("response.completed with and without usage", "[engine][responses]") {
  auto c = decode_as<ResponseCompleted>(R"({"type":"response.completed","response":{"id":"resp_1",
      "usage":{"input_tokens":100,"input_tokens_details":{"cached_tokens":40},"output_tokens":20,
               "output_tokens_details":{"reasoning_tokens":8},"total_tokens":120}}})");
  CHECK(c.response_id == "resp_1");
  REQUIRE(c.usage);
  CHECK(c.usage->input_tokens == 100);
  CHECK(c.usage->cached_input_tokens == 40);
  CHECK(c.usage->output_tokens == 20);
  CHECK(c.usage->reasoning_output_tokens == 8);
  CHECK(c.usage->total_tokens == 120);

  auto bare = decode_as<ResponseCompleted>(
      R"({"type":"response.completed","response":{"id":"resp_2","usage":null}})");
  CHECK_FALSE(bare.usage);
}

TEST_CASE("response.failed and error", "[engine][responses]") {
  auto f = decode_as<ResponseFailed>(
      R"({"type":"response.failed","response":{"id":"resp_1","status":"failed","error":{"code":"server_error","message":"The model crashed"}}})");
  CHECK(f.response_id == "resp_1");
  CHECK(f.code == "server_error");
  CHECK(f.message == "The model crashed");
  auto bare = decode_as<ResponseFailed>(R"({"type":"response.failed","response":{"error":null}})");
  CHECK(bare.code == "");
  CHECK_FALSE(bare.message.empty());

  auto e = decode_as<ErrorEvent>(
      R"({"type":"error","code":"rate_limit_exceeded","message":"Slow down","param":null,"sequence_number":3})");
  CHECK(e.code == "rate_limit_exceeded");
  CHECK(e.message == "Slow down");
  CHECK(e.param == "");
}

TEST_CASE("an unknown event type is a value, not an error", "[engine][responses]") {
  auto u = decode_as<UnknownEvent>(
      R"({"type":"response.content_part.added","item_id":"msg_1","part":{"type":"output_text"}})");
  CHECK(u.type == "response.content_part.added");
  CHECK(u.raw["item_id"] == "msg_1");
}

TEST_CASE("the SSE event name is the type only when the JSON has none", "[engine][responses]") {
  auto r = decode_responses_event(R"({"item_id":"m","delta":"x"})", "response.output_text.delta");
  REQUIRE(r.ok());
  CHECK(std::holds_alternative<OutputTextDelta>(*r));
  auto json_wins = decode_responses_event(R"({"type":"error","message":"m"})", "response.created");
  REQUIRE(json_wins.ok());
  CHECK(std::holds_alternative<ErrorEvent>(*json_wins));
  CHECK(decode_error(R"({"delta":"x"})", "message").field == "type");
}

TEST_CASE("malformed events are decode errors naming the type and field", "[engine][responses]") {
  SECTION("bad JSON") {
    auto e = decode_error("{not json", "response.output_text.delta");
    CHECK(e.event_type == "response.output_text.delta");
    CHECK(e.field == "");
    CHECK(e.message.find("not valid JSON") != std::string::npos);
  }
  SECTION("not an object") { CHECK(decode_error("[1,2]").field == ""); }
  SECTION("missing delta") {
    auto e = decode_error(R"({"type":"response.output_text.delta","item_id":"m"})");
    CHECK(e.event_type == "response.output_text.delta");
    CHECK(e.field == "delta");
    CHECK(e.message == "response.output_text.delta: missing field 'delta'");
  }
  SECTION("wrong type") {
    auto e = decode_error(
        R"({"type":"response.reasoning_summary_text.delta","item_id":"r","summary_index":"1","delta":"x"})");
    CHECK(e.field == "summary_index");
  }
  SECTION("function call without arguments") {
    auto e = decode_error(
        R"({"type":"response.output_item.done","output_index":0,"item":{"type":"function_call","call_id":"c","name":"shell"}})");
    CHECK(e.event_type == "response.output_item.done");
    CHECK(e.field == "item.arguments");
  }
  SECTION("item missing") {
    CHECK(decode_error(R"({"type":"response.output_item.added"})").field == "item");
  }
  SECTION("completed without a response id") {
    CHECK(decode_error(R"({"type":"response.completed","response":{}})").field == "response.id");
  }
  SECTION("usage with a missing count") {
    auto e = decode_error(
        R"({"type":"response.completed","response":{"id":"r","usage":{"input_tokens":1,"total_tokens":1}}})");
    CHECK(e.field == "response.usage.output_tokens");
  }
  SECTION("error without a message") {
    CHECK(decode_error(R"({"type":"error","code":"x"})").field == "message");
  }
  SECTION("type not a string") { CHECK(decode_error(R"({"type":3})").field == "type"); }
}
