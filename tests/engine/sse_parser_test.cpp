// SseParser against the rules of WHATWG HTML 9.2.6, "Interpreting an event stream".
#include "engine/sse_parser.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using spool::engine::SseEvent;
using spool::engine::SseParser;

namespace {

struct Collector {
  std::vector<SseEvent> events;
  std::vector<std::string> errors;
  SseParser parser;
  explicit Collector(std::size_t max = SseParser::kDefaultMaxEventBytes)
      : parser([this](const SseEvent& e) { events.push_back(e); },
               [this](const std::string& m) { errors.push_back(m); }, max) {}
};

std::vector<SseEvent> parse(std::string_view stream) {
  Collector c;
  c.parser.feed(stream);
  return c.events;
}

std::vector<SseEvent> parse_bytewise(std::string_view stream) {
  Collector c;
  for (char ch : stream) c.parser.feed(std::string_view(&ch, 1));
  return c.events;
}

}  // namespace

TEST_CASE("a blank line dispatches an event with the default type", "[engine][sse]") {
  auto events = parse("data: hello\n\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == "message");
  CHECK(events[0].data == "hello");
  CHECK(events[0].id == "");
}

TEST_CASE("the event field sets the type of one event only", "[engine][sse]") {
  auto events = parse("event: response.created\ndata: {}\n\ndata: x\n\n");
  REQUIRE(events.size() == 2);
  CHECK(events[0].type == "response.created");
  CHECK(events[1].type == "message");
}

TEST_CASE("multi-line data is joined with LF", "[engine][sse]") {
  auto events = parse("data: a\ndata:b\ndata\ndata:  c\n\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "a\nb\n\n c");  // one leading space stripped, not two
}

TEST_CASE("LF, CR and CRLF all end lines", "[engine][sse]") {
  for (std::string_view stream :
       {"data: x\n\n", "data: x\r\r", "data: x\r\n\r\n", "data: x\r\n\n"}) {
    auto events = parse(stream);
    REQUIRE(events.size() == 1);
    CHECK(events[0].data == "x");
  }
  auto mixed = parse("data: 1\rdata: 2\ndata: 3\r\n\r");
  REQUIRE(mixed.size() == 1);
  CHECK(mixed[0].data == "1\n2\n3");
}

TEST_CASE("a CR at the end of a chunk and an LF at the start of the next are one line end",
          "[engine][sse]") {
  Collector c;
  c.parser.feed("data: a\r");
  c.parser.feed("\ndata: b\r");
  c.parser.feed("\n\r");
  c.parser.feed("\n");
  REQUIRE(c.events.size() == 1);
  CHECK(c.events[0].data == "a\nb");
  // "\r" then "\r": two line ends, i.e. a blank line.
  Collector d;
  d.parser.feed("data: a\r");
  d.parser.feed("\r");
  REQUIRE(d.events.size() == 1);
}

TEST_CASE("comments are ignored", "[engine][sse]") {
  auto events = parse(": keep-alive\n:\ndata: x\n: inside\n\n: alone\n\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "x");
}

TEST_CASE("a field without a colon has an empty value", "[engine][sse]") {
  auto events = parse("data\n\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "");
  auto typed = parse("event\ndata: x\n\n");
  REQUIRE(typed.size() == 1);
  CHECK(typed[0].type == "message");  // an empty type buffer means the default
}

TEST_CASE("an event without data is not dispatched", "[engine][sse]") {
  auto events = parse("event: ping\n\nid: 7\n\n\n\ndata: x\n\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].type == "message");  // the type of the empty event does not carry over
  CHECK(events[0].id == "7");
}

TEST_CASE("the last event id carries over until changed; ids with NUL are ignored",
          "[engine][sse]") {
  Collector c;
  c.parser.feed("id: 1\ndata: a\n\ndata: b\n\n");
  static constexpr char kWithNul[] = "id: x\0y\ndata: c\n\nid\ndata: d\n\n";
  c.parser.feed(std::string_view(kWithNul, sizeof kWithNul - 1));
  REQUIRE(c.events.size() == 4);
  CHECK(c.events[0].id == "1");
  CHECK(c.events[1].id == "1");
  CHECK(c.events[2].id == "1");
  CHECK(c.events[3].id == "");
  CHECK(c.parser.last_event_id() == "");
}

TEST_CASE("retry takes only ASCII digits", "[engine][sse]") {
  Collector c;
  c.parser.feed("retry: 1500\n\n");
  CHECK(c.parser.retry_ms() == 1500);
  c.parser.feed("retry: 12a\nretry: -1\nretry:\n\n");
  CHECK(c.parser.retry_ms() == 1500);
  CHECK(c.events.empty());
}

TEST_CASE("unknown fields are ignored and field names are case-sensitive", "[engine][sse]") {
  auto events = parse("foo: bar\nData: no\ndata: yes\n\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "yes");
}

TEST_CASE("a BOM at stream start is stripped, even split across chunks", "[engine][sse]") {
  auto events = parse(
      "\xEF\xBB\xBF"
      "data: x\n\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "x");
  auto bytewise = parse_bytewise(
      "\xEF\xBB\xBF"
      "data: x\n\n");
  REQUIRE(bytewise.size() == 1);
  // Only one BOM, only at the start: a second one is part of the field name.
  auto twice = parse(
      "\xEF\xBB\xBF\xEF\xBB\xBF"
      "data: x\n\ndata: y\n\n");
  REQUIRE(twice.size() == 1);
  CHECK(twice[0].data == "y");
  // A prefix of a BOM that is not one is kept as stream bytes.
  auto partial = parse(
      "\xEF"
      "data: x\n\ndata: y\n\n");
  REQUIRE(partial.size() == 1);
  CHECK(partial[0].data == "y");
}

TEST_CASE("finish discards an incomplete event and an unterminated line", "[engine][sse]") {
  Collector c;
  c.parser.feed("data: done\n\ndata: half\n");
  c.parser.finish();
  c.parser.feed("data: tail");
  c.parser.finish();
  REQUIRE(c.events.size() == 1);
  CHECK(c.events[0].data == "done");
  c.parser.feed("data: next\n\n");  // a new stream after finish
  REQUIRE(c.events.size() == 2);
}

TEST_CASE("an event larger than the cap is an error, not unbounded memory", "[engine][sse]") {
  SECTION("many data lines") {
    Collector c(64);
    c.parser.feed("data: small\n\n");
    for (int i = 0; i < 10; ++i) c.parser.feed("data: 0123456789\n");
    CHECK(c.parser.failed());
    REQUIRE(c.errors.size() == 1);
    CHECK_FALSE(c.parser.feed("\n"));
    CHECK(c.events.size() == 1);
  }
  SECTION("one endless line") {
    Collector c(64);
    for (int i = 0; i < 10 && !c.parser.failed(); ++i) c.parser.feed("xxxxxxxxxxxxxxxxxxxx");
    CHECK(c.parser.failed());
    CHECK(c.errors.size() == 1);
    CHECK(c.parser.error().find("64") != std::string::npos);
  }
  SECTION("exactly at the cap is fine") {
    // The cap counts the event's data so far plus the raw bytes of the line being read.
    Collector c(13);
    c.parser.feed("data:12345678\n\n");  // a 13-byte line
    CHECK_FALSE(c.parser.failed());
    REQUIRE(c.events.size() == 1);
    Collector d(12);
    d.parser.feed("data:12345678\n\n");
    CHECK(d.parser.failed());
  }
}

TEST_CASE("a real Responses stream fed byte by byte equals the stream fed at once",
          "[engine][sse]") {
  const std::string stream =
      "event: response.created\r\n"
      "data: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\"}}\r\n\r\n"
      ": ping\n\n"
      "event: response.output_text.delta\n"
      "data: {\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\",\"delta\":\"Hel\"}\n\n"
      "event: response.output_text.delta\r"
      "data: {\"type\":\"response.output_text.delta\",\"item_id\":\"msg_1\",\"delta\":\"lo\"}\r\r"
      "event: response.completed\n"
      "data: {\"type\":\"response.completed\",\n"
      "data: \"response\":{\"id\":\"resp_1\"}}\n\n";
  auto whole = parse(stream);
  auto bytes = parse_bytewise(stream);
  REQUIRE(whole.size() == 4);
  REQUIRE(bytes.size() == 4);
  for (std::size_t i = 0; i < whole.size(); ++i) {
    CHECK(bytes[i].type == whole[i].type);
    CHECK(bytes[i].data == whole[i].data);
  }
  CHECK(whole[0].type == "response.created");
  CHECK(whole[2].data == R"({"type":"response.output_text.delta","item_id":"msg_1","delta":"lo"})");
  CHECK(whole[3].data == "{\"type\":\"response.completed\",\n\"response\":{\"id\":\"resp_1\"}}");
}
