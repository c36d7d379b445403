// Codex's core types (protocol/core/): every line of the Codex 0.60.1 and 0.169.0 fixture
// rollout files decodes and encodes back to what it came as (for every modelled field), and
// the wire shapes of a few variants are pinned.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "protocol/core/rollout.h"

using namespace spool::protocol;
using namespace spool::protocol::core;
using nlohmann::json;

namespace {

const std::string kData = SPOOL_TEST_DATA;

struct Line {
  std::string where;  // "file:line"
  json value;
};

// Every line of every rollout file under codex-<version>/codex_home, files sorted.
std::vector<Line> rollout_lines(const std::string& version) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(kData + "/codex-" + version + "/codex_home")) {
    if (e.is_regular_file() && e.path().extension() == ".jsonl") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Line> out;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string text;
    for (int n = 1; std::getline(in, text); ++n) {
      if (text.empty()) continue;
      out.push_back({f.filename().string() + ":" + std::to_string(n), json::parse(text)});
    }
  }
  return out;
}

// Whether `encoded` holds only what `original` holds: every non-null value of `encoded` is
// in `original` at the same place (objects recursively, arrays element by element, scalars
// equal), and a null in `encoded` stands for a field `original` lacks or has as null (a
// null where `original` has a value would be a value lost in decoding). Says why not.
bool covers(const json& encoded, const json& original, const std::string& at, std::string* why) {
  if (encoded.is_object()) {
    if (!original.is_object()) {
      *why = at + ": an object where the original has " + original.dump();
      return false;
    }
    for (auto it = encoded.begin(); it != encoded.end(); ++it) {
      const std::string here = at + "." + it.key();
      const auto o = original.find(it.key());
      if (it->is_null()) {
        if (o != original.end() && !o->is_null()) {
          *why = here + ": null where the original has " + o->dump();
          return false;
        }
        continue;
      }
      if (o == original.end()) {
        *why = here + ": " + it->dump() + " is not in the original";
        return false;
      }
      if (!covers(*it, *o, here, why)) return false;
    }
    return true;
  }
  if (encoded.is_array()) {
    if (!original.is_array() || original.size() != encoded.size()) {
      *why = at + ": " + encoded.dump() + " where the original has " + original.dump();
      return false;
    }
    for (std::size_t i = 0; i < encoded.size(); ++i) {
      if (!covers(encoded[i], original[i], at + "[" + std::to_string(i) + "]", why)) return false;
    }
    return true;
  }
  if (encoded != original) {
    *why = at + ": " + encoded.dump() + " where the original has " + original.dump();
    return false;
  }
  return true;
}

// The "type" tags a union declares (its RawVariant alternative excluded).
template <class U>
std::set<std::string> declared_tags() {
  std::set<std::string> tags;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          using Alt = std::variant_alternative_t<I, typename U::variant>;
          if constexpr (ReflectedStruct<Alt>) tags.emplace(meta_of<Alt>().tag);
        }(),
        ...);
  }(std::make_index_sequence<std::variant_size_v<typename U::variant>>{});
  return tags;
}

// Every value that fell through to RawVariant anywhere in `v`, as "Union:type".
template <class T>
void collect_raw(const T& v, std::vector<std::string>& out) {
  if constexpr (detail::IsOptional<T>::value) {
    if (v) collect_raw(*v, out);
  } else if constexpr (detail::IsVector<T>::value) {
    for (const auto& e : v) collect_raw(e, out);
  } else if constexpr (detail::IsStringMap<T>::value) {
    for (const auto& [_, e] : v) collect_raw(e, out);
  } else if constexpr (ReflectedUnion<T>) {
    std::visit(
        [&](const auto& alt) {
          if constexpr (std::is_same_v<std::decay_t<decltype(alt)>, RawVariant>) {
            out.push_back(std::string(meta_of<T>().name) + ":" + alt.type);
          } else {
            collect_raw(alt, out);
          }
        },
        static_cast<const typename T::variant&>(v));
  } else if constexpr (ReflectedStruct<T>) {
    std::apply([&](const auto&... f) { (collect_raw(v.*(f.member), out), ...); }, meta_of<T>().fields);
  }
}

std::string tag_of(const json& payload) {
  return payload.is_object() && payload.contains("type") && payload["type"].is_string()
             ? payload["type"].get<std::string>()
             : std::string("-");
}

struct Counts {
  std::map<std::string, int> kinds;        // "event_msg": 31
  std::map<std::string, int> types;        // "event_msg/token_count": 16
  std::map<std::string, int> raw;          // "EventMsg:thread_settings_applied": 3
};

// Decodes and re-encodes every line; returns the counts.
Counts check_era(const std::string& version) {
  Counts c;
  const auto lines = rollout_lines(version);
  REQUIRE_FALSE(lines.empty());
  for (const auto& line : lines) {
    INFO(line.where << ": " << line.value.dump().substr(0, 400));
    auto decoded = decode_rollout_line(line.value);
    if (!decoded.ok()) FAIL_CHECK(decoded.error().message());
    if (!decoded.ok()) continue;
    const RolloutLine& l = decoded.value();
    const std::string kind(l.type());
    CHECK(kind == line.value["type"].get<std::string>());
    ++c.kinds[kind];
    const json& payload = line.value["payload"];
    if (kind == "event_msg" || kind == "response_item") ++c.types[kind + "/" + tag_of(payload)];

    std::vector<std::string> raw;
    std::visit([&](const auto& p) { collect_raw(p, raw); }, l.payload);
    for (const auto& r : raw) ++c.raw[r];

    const json encoded = to_json_value(l);
    std::string why;
    const bool covered = covers(encoded, line.value, "line", &why);
    INFO(why);
    CHECK(covered);
    // Unknown kinds keep their payload whole.
    if (std::holds_alternative<UnknownRolloutItem>(l.payload)) CHECK(encoded["payload"] == payload);
  }
  return c;
}

// The tags of the event_msg and response_item types this file's brief asks to model.
const std::set<std::string> kModelledEvents = {
    "user_message", "agent_message", "agent_message_delta", "agent_reasoning",
    "agent_reasoning_delta", "agent_reasoning_raw_content", "agent_reasoning_raw_content_delta",
    "agent_reasoning_section_break", "token_count", "task_started", "task_complete",
    "turn_aborted", "error", "warning", "stream_error", "exec_command_begin",
    "exec_command_output_delta", "exec_command_end", "exec_approval_request", "patch_apply_begin",
    "patch_apply_end", "mcp_tool_call_begin", "mcp_tool_call_end", "web_search_begin",
    "web_search_end", "view_image_tool_call", "entered_review_mode", "exited_review_mode",
    "context_compacted", "thread_rolled_back", "thread_name_updated", "item_started",
    "item_completed", "plan_update", "turn_diff"};
const std::set<std::string> kModelledResponseItems = {
    "message", "reasoning", "function_call", "function_call_output", "local_shell_call",
    "custom_tool_call", "custom_tool_call_output", "web_search_call"};

json encode_event(const char* text) { return to_json_value(decode_value<EventMsg>(json::parse(text)).value()); }

}  // namespace

TEST_CASE("the coverage check fails when a value is lost or changed", "[protocol][core]") {
  std::string why;
  const json original = json::parse(R"({"a":1,"b":[{"c":"x"}],"d":null})");
  CHECK(covers(json::parse(R"({"a":1,"b":[{"c":"x"}],"d":null,"e":null})"), original, "v", &why));
  CHECK_FALSE(covers(json::parse(R"({"a":2})"), original, "v", &why));
  CHECK(why == "v.a: 2 where the original has 1");
  CHECK_FALSE(covers(json::parse(R"({"a":null})"), original, "v", &why));
  CHECK_FALSE(covers(json::parse(R"({"b":[]})"), original, "v", &why));
  CHECK_FALSE(covers(json::parse(R"({"b":[{"c":"x","z":1}]})"), original, "v", &why));
  CHECK(why == "v.b[0].z: 1 is not in the original");
  CHECK(covers(json::parse("40.0"), json::parse("40"), "v", &why));  // numbers compare by value
}

TEST_CASE("every line of the Codex 0.60.1 rollout fixtures decodes and encodes back",
          "[protocol][core]") {
  const Counts c = check_era("0.60.1");
  CHECK(c.kinds == std::map<std::string, int>{
                       {"event_msg", 40}, {"response_item", 27}, {"session_meta", 4},
                       {"turn_context", 10}});
  CHECK(c.types == std::map<std::string, int>{{"event_msg/agent_message", 6},
                                              {"event_msg/agent_reasoning", 9},
                                              {"event_msg/token_count", 16},
                                              {"event_msg/turn_aborted", 1},
                                              {"event_msg/user_message", 8},
                                              {"response_item/function_call", 2},
                                              {"response_item/function_call_output", 2},
                                              {"response_item/message", 17},
                                              {"response_item/reasoning", 6}});
  CHECK(c.raw.empty());  // nothing fell through to RawVariant, at any depth
}

TEST_CASE("every line of the Codex 0.169.0 rollout fixtures decodes and encodes back",
          "[protocol][core]") {
  const Counts c = check_era("0.169.0");
  CHECK(c.kinds == std::map<std::string, int>{{"event_msg", 54},
                                              {"response_item", 33},
                                              {"session_meta", 4},
                                              {"token_usage_record", 8},
                                              {"turn_context", 9},
                                              {"world_state", 3}});
  CHECK(c.types == std::map<std::string, int>{{"event_msg/item_completed", 23},
                                              {"event_msg/task_complete", 8},
                                              {"event_msg/task_started", 9},
                                              {"event_msg/thread_settings_applied", 3},
                                              {"event_msg/token_count", 10},
                                              {"event_msg/turn_aborted", 1},
                                              {"response_item/function_call", 2},
                                              {"response_item/function_call_output", 2},
                                              {"response_item/message", 22},
                                              {"response_item/reasoning", 7}});
  // Only the one event type Spool deliberately does not model is kept raw; every item of
  // item_completed (UserMessage, AgentMessage, Reasoning, CommandExecution) and everything
  // inside them is typed.
  CHECK(c.raw == std::map<std::string, int>{{"EventMsg:thread_settings_applied", 3}});
}

TEST_CASE("the event and response item types to model are all declared", "[protocol][core]") {
  const auto events = declared_tags<EventMsg>();
  for (const auto& t : kModelledEvents) {
    INFO(t);
    CHECK(events.count(t) == 1);
  }
  CHECK(events.size() == kModelledEvents.size());
  const auto items = declared_tags<ResponseItem>();
  for (const auto& t : kModelledResponseItems) {
    INFO(t);
    CHECK(items.count(t) == 1);
  }
  CHECK(items.size() == kModelledResponseItems.size());
  CHECK(declared_tags<TurnItem>() ==
        std::set<std::string>{"UserMessage", "AgentMessage", "Reasoning", "WebSearch",
                              "CommandExecution"});
}

TEST_CASE("the events Codex 0.60.1 sent as codex/event notifications decode and encode back",
          "[protocol][core]") {
  // The 0.60.1 wire transcript carries EventMsg payloads that rollout files do not: command
  // runs, approvals, deltas, section breaks, errors, item_started/item_completed.
  std::ifstream in(kData + "/codex-0.60.1/wire-transcript.jsonl");
  std::map<std::string, int> types;
  std::map<std::string, int> raw;
  std::string text;
  while (std::getline(in, text)) {
    const json entry = json::parse(text);
    if (!entry.contains("msg")) continue;  // a raw (malformed) message the client sent
    const json& msg = entry["msg"];
    if (!msg.is_object() || !msg.contains("method") ||
        !msg["method"].get<std::string>().starts_with("codex/event/"))
      continue;
    const json& event = msg["params"]["msg"];
    INFO(event.dump().substr(0, 400));
    auto decoded = decode_value<EventMsg>(event);
    if (!decoded.ok()) FAIL_CHECK(decoded.error().message());
    if (!decoded.ok()) continue;
    ++types[tag_of(event)];
    std::vector<std::string> r;
    collect_raw(decoded.value(), r);
    for (const auto& x : r) ++raw[x];
    std::string why;
    const bool covered = covers(to_json_value(decoded.value()), event, "event", &why);
    INFO(why);
    CHECK(covered);
  }
  CHECK(types.size() == 20);
  CHECK(types["exec_command_end"] == 2);
  CHECK(types["item_completed"] == 20);
  // Kept raw: the three types Spool does not model, nothing else.
  CHECK(raw == std::map<std::string, int>{{"EventMsg:agent_message_content_delta", 18},
                                          {"EventMsg:mcp_startup_complete", 7},
                                          {"EventMsg:reasoning_content_delta", 18}});
}

TEST_CASE("user_message and exec_command_end have Codex's shapes", "[protocol][core]") {
  // As 0.60.1 writes it; the newer optional fields are written as null.
  CHECK(encode_event(R"({"type":"user_message","message":"Hello","images":[]})") ==
        json::parse(R"({"type":"user_message","message":"Hello","images":[],
                        "local_images":null,"text_elements":null})"));
  UserMessageEventMsg built;
  built.message = "Hi";
  CHECK(to_json_value(EventMsg(built)) ==
        json::parse(R"({"type":"user_message","message":"Hi","images":null,"local_images":null,
                        "text_elements":null})"));

  const char* end = R"({"type":"exec_command_end","call_id":"call_1","turn_id":"1",
      "command":["bash","-lc","echo hi"],"cwd":"/p","parsed_cmd":[{"type":"unknown","cmd":"echo hi"}],
      "source":"agent","stdout":"hi\n","stderr":"","aggregated_output":"hi\n","exit_code":0,
      "duration":{"secs":0,"nanos":109395701},"formatted_output":"hi\n"})";
  auto e = decode_value<EventMsg>(json::parse(end));
  REQUIRE(e.ok());
  REQUIRE(std::holds_alternative<ExecCommandEndEventMsg>(e.value()));
  const auto& ev = std::get<ExecCommandEndEventMsg>(e.value());
  CHECK(ev.duration.nanos == 109395701);
  CHECK(ev.source == ExecCommandSource::Agent);
  REQUIRE(ev.parsed_cmd.size() == 1);
  CHECK(std::get<UnknownParsedCommand>(ev.parsed_cmd[0]).cmd == "echo hi");
  json expected = json::parse(end);
  expected["process_id"] = nullptr;
  expected["interaction_input"] = nullptr;
  CHECK(to_json_value(e.value()) == expected);
}

TEST_CASE("message and function_call_output response items have Codex's shapes",
          "[protocol][core]") {
  // 0.60.1: no id, no status.
  const json user = json::parse(
      R"({"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]})");
  auto m = decode_value<ResponseItem>(user);
  REQUIRE(m.ok());
  CHECK(std::get<InputTextContentItem>(std::get<MessageResponseItem>(m.value()).content[0]).text == "hi");
  CHECK(to_json_value(m.value()) ==
        json::parse(R"({"type":"message","id":null,"role":"user","status":null,
                        "content":[{"type":"input_text","text":"hi"}]})"));
  // 0.169: id, status and annotations; the passthrough metadata is dropped.
  auto a = decode_value<ResponseItem>(json::parse(
      R"({"type":"message","status":"completed","id":"msg_1","role":"assistant",
          "content":[{"type":"output_text","text":"Hello","annotations":[]}],
          "internal_chat_message_metadata_passthrough":{"turn_id":"t"}})"));
  REQUIRE(a.ok());
  CHECK(to_json_value(a.value()) ==
        json::parse(R"({"type":"message","id":"msg_1","role":"assistant","status":"completed",
                        "content":[{"type":"output_text","text":"Hello","annotations":[]}]})"));

  // function_call_output: a string (both eras) ...
  const json text_output = json::parse(
      R"({"type":"function_call_output","call_id":"call_1","output":"exec command rejected by user"})");
  auto t = decode_value<ResponseItem>(text_output);
  REQUIRE(t.ok());
  const auto& out = std::get<FunctionCallOutputResponseItem>(t.value()).output;
  CHECK(out.content == "exec command rejected by user");
  CHECK_FALSE(out.content_items.has_value());
  json expected = text_output;
  expected["id"] = nullptr;
  CHECK(to_json_value(t.value()) == expected);
  // ... or an array of content items, kept as an array.
  const json items_output = json::parse(
      R"({"type":"function_call_output","id":"fco_1","call_id":"call_2",
          "output":[{"type":"input_text","text":"a"},{"type":"input_image","image_url":"data:x"}]})");
  auto i = decode_value<ResponseItem>(items_output);
  REQUIRE(i.ok());
  const auto& items = std::get<FunctionCallOutputResponseItem>(i.value()).output;
  REQUIRE(items.content_items.has_value());
  CHECK(items.content_items->size() == 2);
  CHECK(std::get<InputImageFunctionCallOutputContentItem>((*items.content_items)[1]).image_url == "data:x");
  CHECK(to_json_value(i.value()) == items_output);
  // Neither a string nor an array: an error.
  auto bad = decode_value<ResponseItem>(
      json::parse(R"({"type":"function_call_output","call_id":"c","output":{"content":"x"}})"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message() ==
        "output: expected a string or an array of content items, got an object");
}

TEST_CASE("session_meta lines of both eras have Codex's shapes", "[protocol][core]") {
  const json old_line = json::parse(
      R"({"timestamp":"2026-11-24T06:18:13.473Z","type":"session_meta","payload":{"id":"01a2","timestamp":"2026-11-24T06:18:13.412Z","cwd":"/home/dev/project","originator":"codex_cli_rs","cli_version":"0.60.1","instructions":null,"source":"vscode","model_provider":"mock"}})");
  auto o = decode_rollout_line(old_line);
  REQUIRE(o.ok());
  CHECK(o->type() == "session_meta");
  CHECK(std::get<SessionMeta>(o->payload).cli_version == "0.60.1");
  CHECK(to_json_value(o.value()) == json::parse(R"({
      "timestamp":"2026-11-24T06:18:13.473Z","ordinal":null,"type":"session_meta","metadata":null,
      "payload":{"id":"01a2","session_id":null,"forked_from_id":null,
                 "timestamp":"2026-11-24T06:18:13.412Z","cwd":"/home/dev/project",
                 "originator":"codex_cli_rs","cli_version":"0.60.1","instructions":null,
                 "source":"vscode","model_provider":"mock","base_instructions":null,
                 "runtime_workspace_roots":null,"git":null}})"));

  const json new_line = json::parse(
      R"({"timestamp":"2026-11-24T06:18:48.291Z","ordinal":0,"type":"session_meta","payload":{"account_scoped":true,"session_id":"01a2","id":"01a2","timestamp":"2026-11-24T06:18:45.733Z","cwd":"/home/dev/project","runtime_workspace_roots":["/home/dev/project"],"originator":"peer-driver","cli_version":"0.169.0","source":"vscode","model_provider":"mock","base_instructions":{"text":"[instructions omitted]","provenance":{"type":"model","model":"mock-model"}},"history_mode":"paginated","context_window":{"window_id":"01a2"},"git":{"commit_hash":"abc","branch":"main"},"forked_from_id":"01a1"}})");
  auto n = decode_rollout_line(new_line);
  REQUIRE(n.ok());
  const auto& meta = std::get<SessionMeta>(n->payload);
  CHECK(meta.git->branch == "main");
  CHECK_FALSE(meta.git->repository_url.has_value());
  CHECK(to_json_value(n.value()) == json::parse(R"({
      "timestamp":"2026-11-24T06:18:48.291Z","ordinal":0,"type":"session_meta","metadata":null,
      "payload":{"id":"01a2","session_id":"01a2","forked_from_id":"01a1",
                 "timestamp":"2026-11-24T06:18:45.733Z","cwd":"/home/dev/project",
                 "originator":"peer-driver","cli_version":"0.169.0","instructions":null,
                 "source":"vscode","model_provider":"mock",
                 "base_instructions":{"text":"[instructions omitted]","provenance":{"type":"model","model":"mock-model"}},
                 "runtime_workspace_roots":["/home/dev/project"],
                 "git":{"commit_hash":"abc","branch":"main","repository_url":null}}})"));
}

TEST_CASE("an unknown event_msg type and an unknown rollout kind round-trip unchanged",
          "[protocol][core]") {
  const json event_line = json::parse(
      R"({"timestamp":"2026-11-24T06:18:41.855Z","ordinal":6,"type":"event_msg",
          "payload":{"type":"from_the_future","x":[1,{"y":2}],"n":null},"metadata":{"m":1}})");
  auto e = decode_rollout_line(event_line);
  REQUIRE(e.ok());
  const auto& ev = std::get<EventMsg>(e->payload);
  REQUIRE(std::holds_alternative<RawVariant>(ev));
  CHECK(std::get<RawVariant>(ev).type == "from_the_future");
  CHECK(to_json_value(e.value()) == event_line);

  const json kind_line = json::parse(
      R"({"timestamp":"2026-11-24T06:18:41.882Z","ordinal":13,"type":"token_usage_record",
          "payload":{"thread_id":"t","usage":{"input_tokens":5269}},"metadata":null})");
  auto k = decode_rollout_line(kind_line);
  REQUIRE(k.ok());
  CHECK(k->type() == "token_usage_record");
  CHECK(std::get<UnknownRolloutItem>(k->payload).payload == kind_line["payload"]);
  CHECK(to_json_value(k.value()) == kind_line);
  // A 0.60.1-era line (no ordinal, no metadata) comes back with those two as null.
  json no_ordinal = kind_line;
  no_ordinal.erase("ordinal");
  no_ordinal.erase("metadata");
  json back = to_json_value(decode_rollout_line(no_ordinal).value());
  CHECK(back["ordinal"].is_null());
  back.erase("ordinal");
  back.erase("metadata");
  CHECK(back == no_ordinal);
}

TEST_CASE("rollout line decode errors name the path from the line's root", "[protocol][core]") {
  auto error_of = [](const char* text) {
    auto r = decode_rollout_line(json::parse(text));
    REQUIRE_FALSE(r.ok());
    return r.error().message();
  };
  CHECK(error_of(R"({"timestamp":"t","type":"session_meta","payload":{"id":"x","timestamp":"t","originator":"o","cli_version":"v","source":"cli"}})") ==
        "payload.cwd: missing required field");
  CHECK(error_of(R"({"timestamp":"t","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":"1"}}}})") ==
        R"(payload.info.total_token_usage.input_tokens: expected an integer, got "1")");
  CHECK(error_of(R"({"timestamp":"t","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text"}]}})") ==
        "payload.content[0].text: missing required field");
  CHECK(error_of(R"({"timestamp":"t","type":"event_msg","payload":{"type":"turn_aborted","reason":"bored"}})") ==
        R"(payload.reason: expected one of "interrupted", "replaced", "review_ended"; got "bored")");
  CHECK(error_of(R"({"timestamp":5,"type":"event_msg","payload":{}})") ==
        "timestamp: expected a string, got 5");
  CHECK(error_of(R"({"timestamp":"t","type":"world_state"})") == "payload: missing required field");
  CHECK(error_of(R"({"timestamp":"t","payload":{}})") == "type: missing required field");
  CHECK(error_of(R"([1])") == "expected an object, got an array");

  // from_json (json::get) throws the same error, path included.
  try {
    (void)json::parse(R"({"timestamp":"t","type":"compacted","payload":{}})").get<RolloutLine>();
    FAIL("no exception");
  } catch (const DecodeException& e) {
    CHECK(e.error().path == "payload.message");
    CHECK(std::string(e.what()) == "payload.message: missing required field");
  }
}

TEST_CASE("turn_context, compacted and item_completed decode to their types", "[protocol][core]") {
  auto tc = decode_rollout_line(json::parse(
      R"({"timestamp":"t","type":"turn_context","payload":{"cwd":"/p","approval_policy":{"granular":{"rules":true}},"sandbox_policy":{"type":"danger-full-access"},"model":"m","effort":"high","summary":"auto"}})"));
  REQUIRE(tc.ok());
  const auto& ctx = std::get<TurnContext>(tc->payload);
  CHECK(ctx.approval_policy["granular"]["rules"] == true);
  CHECK(ctx.effort == "high");

  auto compacted = decode_rollout_line(json::parse(
      R"({"timestamp":"t","type":"compacted","payload":{"message":"summary","replacement_history":[{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]},{"type":"ghost_snapshot","ghost_commit":{"id":"g"}}]}})"));
  REQUIRE(compacted.ok());
  const auto& c = std::get<CompactedItem>(compacted->payload);
  REQUIRE(c.replacement_history.has_value());
  CHECK(std::holds_alternative<MessageResponseItem>((*c.replacement_history)[0]));
  CHECK(std::get<RawVariant>((*c.replacement_history)[1]).type == "ghost_snapshot");

  auto item = decode_value<EventMsg>(json::parse(
      R"({"type":"item_completed","thread_id":"th","turn_id":"tu","item":{"type":"CommandExecution","id":"call_1","process_id":"83310","command":["/bin/bash","-lc","echo hi"],"cwd":"file:///p","parsed_cmd":[{"type":"unknown","cmd":"echo hi"}],"source":"unified_exec_startup","status":"completed","aggregated_output":"hi\n","exit_code":0,"duration":{"secs":0,"nanos":11157}},"started_at_ms":1,"completed_at_ms":2})"));
  REQUIRE(item.ok());
  const auto& run = std::get<CommandExecutionTurnItem>(std::get<ItemCompletedEventMsg>(item.value()).item);
  CHECK(run.source == ExecCommandSource::UnifiedExecStartup);
  CHECK(run.exit_code == 0);
  CHECK(run.aggregated_output == "hi\n");

  auto mcp = decode_value<EventMsg>(json::parse(
      R"({"type":"mcp_tool_call_end","call_id":"c","invocation":{"server":"s","tool":"t","arguments":{"a":1}},"duration":{"secs":1,"nanos":0},"result":{"Err":"boom"}})"));
  REQUIRE(mcp.ok());
  CHECK(std::get<McpToolCallEndEventMsg>(mcp.value()).result.err == "boom");
  CHECK(to_json_value(mcp.value())["result"] == json::parse(R"({"Err":"boom"})"));
}
