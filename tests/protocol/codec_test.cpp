// The codec's rules, on small types declared here (not the real protocol types).
#include <catch2/catch.hpp>

#include "protocol/codec.h"
#include "protocol/describe.h"
#include "protocol/jsonrpc.h"

namespace spool::protocol::codec_test {

enum class Mode { ReadOnly, WorkspaceWrite };
SPOOL_ENUM(Mode, "v2", Entry{Mode::ReadOnly, "read-only", {"readOnly"}},
           Entry{Mode::WorkspaceWrite, "workspace-write", {"workspaceWrite", "ww"}})

struct Text {
  std::string text;
};
SPOOL_TAGGED_STRUCT(Text, "v2", "text", text)
struct Image {
  std::string url;
};
SPOOL_TAGGED_STRUCT(Image, "v2", "image", url)
struct Input : std::variant<Text, Image> {
  using variant::variant;
};
SPOOL_UNION(Input, "v2")
struct Event : std::variant<Text, RawVariant> {
  using variant::variant;
};
SPOOL_OPEN_UNION(Event, "core")

struct Params {
  std::string threadId;
  Defaulted<bool> excludeTurns;
  std::optional<Mode> mode;
  std::vector<Input> input;
  std::optional<std::uint32_t> limit;
  std::map<std::string, std::int64_t> counts;
};
SPOOL_STRUCT(Params, "v2", threadId, excludeTurns, mode, input, limit, counts)

}  // namespace spool::protocol::codec_test

using namespace spool::protocol;
using namespace spool::protocol::codec_test;
using nlohmann::json;

namespace {
std::string decode_error(const char* text) {
  auto r = decode_value<Params>(json::parse(text));
  REQUIRE_FALSE(r.ok());
  return r.error().message("params");
}
}  // namespace

TEST_CASE("optional fields are written as null and read from null or missing", "[protocol]") {
  Params p;
  p.threadId = "t";
  const json j = to_json_value(p);
  CHECK(j == json::parse(
                 R"({"threadId":"t","excludeTurns":false,"mode":null,"input":[],"limit":null,"counts":{}})"));
  auto missing = decode_value<Params>(json::parse(R"({"threadId":"t","input":[],"counts":{}})"));
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->mode.has_value());
  auto nulls = decode_value<Params>(j);
  REQUIRE(nulls.ok());
  CHECK_FALSE(nulls->limit.has_value());
}

TEST_CASE("defaulted fields are always written, read from a missing field, never null",
          "[protocol]") {
  auto missing = decode_value<Params>(json::parse(R"({"threadId":"t","input":[],"counts":{}})"));
  REQUIRE(missing.ok());
  CHECK(missing->excludeTurns == false);
  auto set = decode_value<Params>(
      json::parse(R"({"threadId":"t","excludeTurns":true,"input":[],"counts":{}})"));
  REQUIRE(set.ok());
  CHECK(set->excludeTurns.value);
  CHECK(to_json_value(set.value())["excludeTurns"] == true);
  CHECK(decode_error(R"({"threadId":"t","excludeTurns":null,"input":[],"counts":{}})") ==
        "params.excludeTurns: expected a boolean, got null");
  const TypeDesc& d = describe<Params>();
  CHECK(d.fields[1].defaulted);
  CHECK(d.fields[1].type.kind == TypeRef::Kind::Bool);
  CHECK_FALSE(d.fields[0].defaulted);
}

TEST_CASE("unions are written and read by their type tag", "[protocol]") {
  Params p;
  p.threadId = "t";
  p.input = {Text{"hi"}, Image{"http://x"}};
  const json j = to_json_value(p);
  CHECK(j["input"] == json::parse(R"([{"type":"text","text":"hi"},{"type":"image","url":"http://x"}])"));
  auto back = decode_value<Params>(j);
  REQUIRE(back.ok());
  CHECK(to_json_value(back.value()) == j);
}

TEST_CASE("an open union keeps an unknown variant whole", "[protocol]") {
  const json unknown = json::parse(R"({"type":"from_the_future","x":[1,{"y":2}]})");
  auto e = decode_value<Event>(unknown);
  REQUIRE(e.ok());
  REQUIRE(std::holds_alternative<RawVariant>(e.value()));
  CHECK(std::get<RawVariant>(e.value()).type == "from_the_future");
  CHECK(to_json_value(e.value()) == unknown);
}

TEST_CASE("enum values decode from their older spellings and encode the current one",
          "[protocol]") {
  auto p = decode_value<Params>(json::parse(R"({"threadId":"t","mode":"ww","input":[],"counts":{}})"));
  REQUIRE(p.ok());
  CHECK(p->mode == Mode::WorkspaceWrite);
  CHECK(to_json_value(p.value())["mode"] == "workspace-write");
}

TEST_CASE("decode errors name the path and what was expected", "[protocol]") {
  CHECK(decode_error(R"({"threadId":1,"input":[],"counts":{}})") ==
        "params.threadId: expected a string, got 1");
  CHECK(decode_error(R"({"input":[],"counts":{}})") == "params.threadId: missing required field");
  CHECK(decode_error(R"({"threadId":"t","input":[{"type":"video"}],"counts":{}})") ==
        R"(params.input[0].type: expected one of "text", "image"; got "video")");
  CHECK(decode_error(R"({"threadId":"t","input":[{"type":"text"}],"counts":{}})") ==
        "params.input[0].text: missing required field");
  CHECK(decode_error(R"({"threadId":"t","input":[{"text":"x"}],"counts":{}})") ==
        "params.input[0].type: missing required field");
  CHECK(decode_error(R"({"threadId":"t","mode":"x","input":[],"counts":{}})") ==
        R"(params.mode: expected one of "read-only", "workspace-write"; got "x")");
  CHECK(decode_error(R"({"threadId":"t","limit":-1,"input":[],"counts":{}})") ==
        "params.limit: expected a non-negative integer, got -1");
  CHECK(decode_error(R"({"threadId":"t","limit":4294967296,"input":[],"counts":{}})") ==
        "params.limit: integer 4294967296 is out of range");
  CHECK(decode_error(R"({"threadId":"t","input":{},"counts":{}})") ==
        "params.input: expected an array, got an object");
  CHECK(decode_error(R"({"threadId":"t","input":[],"counts":{"a":"1"}})") ==
        R"(params.counts.a: expected an integer, got "1")");
  CHECK(decode_error(R"([])") == "params: expected an object, got an array");
  CHECK(decode_error(R"({"threadId":"t","input":[],"counts":{},"limit":1.5})") ==
        "params.limit: expected an integer, got 1.5");
}

TEST_CASE("unknown fields are ignored", "[protocol]") {
  auto p = decode_value<Params>(
      json::parse(R"({"threadId":"t","input":[],"counts":{},"futureField":{"a":1}})"));
  CHECK(p.ok());
}

TEST_CASE("request ids are strings or integers and echo back unchanged", "[protocol]") {
  for (const char* text : {R"("abc")", "42", "-7"}) {
    auto id = decode_value<RequestId>(json::parse(text));
    REQUIRE(id.ok());
    CHECK(to_json_value(id.value()) == json::parse(text));
  }
  auto bad = decode_value<RequestId>(json::parse("[1]"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message() == "expected a string or an integer, got an array");
  CHECK_FALSE(decode_value<RequestId>(json::parse("1.5")).ok());
}

TEST_CASE("descriptions mirror the declarations", "[protocol]") {
  const TypeDesc& d = describe<Params>();
  CHECK(d.name == "Params");
  CHECK(d.ns == "v2");
  REQUIRE(d.fields.size() == 6);
  CHECK(d.fields[2].name == "mode");
  CHECK(d.fields[2].type.kind == TypeRef::Kind::Nullable);
  CHECK(d.fields[4].type.inner->format == "uint32");
  const TypeDesc& input = d.fields[3].type.inner->named();
  CHECK(input.kind == TypeDesc::Kind::Union);
  REQUIRE(input.alternatives.size() == 2);
  CHECK(input.alternatives[1].named().tag == "image");
  CHECK(describe<Event>().open);
  CHECK(describe<Mode>().enum_values == std::vector<std::string>{"read-only", "workspace-write"});
}
