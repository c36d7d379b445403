#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <vector>

#include "base/time.h"
#include "projections/thread_summary.h"

using namespace spool::projections;
using nlohmann::json;

namespace {

struct Event {
  std::int64_t seq;
  std::int64_t ts_ms;
  std::string kind;
  std::optional<std::string> type;
  std::string payload;
  EventView view() const {
    EventView v{seq, ts_ms, kind, std::nullopt, std::nullopt, payload};
    if (type) v.type = *type;
    return v;
  }
};

Event event_msg(std::int64_t seq, const json& payload) {
  return {seq, 1000 * seq, "event_msg", payload.value("type", ""), payload.dump()};
}

Event line(std::int64_t seq, const std::string& kind, const json& payload) {
  std::optional<std::string> type;
  if (payload.contains("type") && payload["type"].is_string()) type = payload["type"];
  return {seq, 1000 * seq, kind, type, payload.dump()};
}

ThreadSummary fold(const std::string& id, const std::vector<Event>& events) {
  ThreadSummaryFold f(id);
  for (const auto& e : events) f.apply(e.view());
  return f.summary();
}

const json kMeta = {{"id", "t1"}, {"timestamp", "2026-01-02T03:04:05.678Z"}, {"cwd", "/w"},
                    {"originator", "codex_cli_rs"}, {"cli_version", "0.60.1"}, {"source", "vscode"},
                    {"model_provider", "openai"},
                    {"git", {{"commit_hash", "abc"}, {"branch", "main"}}}};

}  // namespace

TEST_CASE("preview is the first user message, after the editor's request marker", "[projections]") {
  CHECK(preview_of("fix the build", false) == "fix the build");
  CHECK(preview_of("<context>files...</context>\n## My request for Codex:\n  fix the build \n", false) ==
        "fix the build");
  CHECK(preview_of("", true) == "[Image]");
  CHECK(preview_of("  ", false) == "");
  const std::string long_text(20000, 'x');
  CHECK(preview_of(long_text, false) == long_text);  // never truncated
}

TEST_CASE("the summary comes from session_meta, turn_context, user messages and renames",
          "[projections]") {
  const auto s = fold("t1", {line(1, "session_meta", kMeta),
                             line(2, "turn_context", {{"model", "gpt-5"}, {"effort", "high"},
                                                      {"approval_policy", "on-request"},
                                                      {"sandbox_policy", {{"type", "read-only"}}}}),
                             event_msg(3, {{"type", "user_message"}, {"message", "first"}}),
                             event_msg(4, {{"type", "user_message"}, {"message", "second"}}),
                             line(5, "turn_context", {{"model", "gpt-5-mini"}, {"effort", nullptr}}),
                             event_msg(6, {{"type", "thread_name_updated"}, {"thread_name", "Build fix"}})});
  CHECK(s.created_at_ms == spool::parse_rfc3339_ms("2026-01-02T03:04:05.678Z"));
  CHECK(s.preview == "first");
  CHECK(s.model_provider == "openai");
  CHECK(s.cwd == "/w");
  CHECK(s.source == "vscode");
  CHECK(s.cli_version == "0.60.1");
  CHECK(s.git_info == json({{"commit_hash", "abc"}, {"branch", "main"}}));
  CHECK(s.model == "gpt-5-mini");  // the latest turn_context wins
  CHECK_FALSE(s.reasoning_effort.has_value());
  CHECK(s.approval_policy == json("on-request"));
  CHECK(s.name == "Build fix");
}

TEST_CASE("0.169 user messages come as item_completed; images alone preview as [Image]",
          "[projections]") {
  const json item = {{"type", "item_completed"},
                     {"item", {{"type", "UserMessage"}, {"id", "u1"},
                               {"content", json::array({{{"type", "text"}, {"text", "hello"}}})}}}};
  CHECK(fold("t1", {line(1, "session_meta", kMeta), event_msg(2, item)}).preview == "hello");
  const json v2_item = {{"type", "item_completed"},
                        {"item", {{"type", "userMessage"}, {"id", "u1"},
                                  {"content", json::array({{{"type", "localImage"}, {"path", "/a.png"}}})}}}};
  CHECK(fold("t1", {event_msg(1, v2_item)}).preview == "[Image]");
  const json images = {{"type", "user_message"}, {"message", ""}, {"images", json::array({"data:"})}};
  CHECK(fold("t1", {event_msg(1, images)}).preview == "[Image]");
  const json agent = {{"type", "item_completed"}, {"item", {{"type", "AgentMessage"}, {"id", "a"}}}};
  const auto none = fold("t1", {event_msg(1, agent)});
  CHECK(none.preview.empty());
  CHECK_FALSE(none.has_user_message);
}

TEST_CASE("a fork's copy of its parent's session_meta does not change the thread",
          "[projections]") {
  json parent = kMeta;
  parent["id"] = "parent";
  parent["timestamp"] = "2020-01-01T00:00:00.000Z";
  parent["model_provider"] = "other";
  json fork = kMeta;
  fork["forked_from_id"] = "parent";
  const auto s = fold("t1", {line(1, "session_meta", fork), line(2, "session_meta", parent)});
  CHECK(s.forked_from_id == "parent");
  CHECK(s.model_provider == "openai");
  CHECK(s.created_at_ms == spool::parse_rfc3339_ms("2026-01-02T03:04:05.678Z"));
}

TEST_CASE("bad payloads and unknown kinds are skipped", "[projections]") {
  ThreadSummaryFold f("t1");
  f.apply(Event{1, 1, "event_msg", std::string("user_message"), "{not json"}.view());
  f.apply(Event{2, 2, "world_state", std::nullopt, "{}"}.view());
  f.apply(Event{3, 3, "event_msg", std::string("user_message"), R"({"message":7})"}.view());
  CHECK(f.summary().preview.empty());
}

TEST_CASE("folding in pieces through save/load equals folding at once, on every fixture",
          "[projections]") {
  for (const char* dir : {"/codex-0.169.0/codex_home", "/codex-0.60.1/codex_home"}) {
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(std::string(SPOOL_TEST_DATA) + dir)) {
      if (!entry.is_regular_file()) continue;
      std::vector<Event> events;
      std::ifstream in(entry.path());
      std::int64_t seq = 0;
      for (std::string l; std::getline(in, l);) {
        const json j = json::parse(l);
        events.push_back(line(++seq, j["type"], j["payload"]));
      }
      const std::string id = json::parse(events.front().payload)["id"];
      const json whole = [&] {
        ThreadSummaryFold f(id);
        for (const auto& e : events) f.apply(e.view());
        return f.save();
      }();
      CHECK_FALSE(json::parse(events.front().payload)["id"].get<std::string>().empty());
      for (std::size_t split = 0; split <= events.size(); ++split) {
        ThreadSummaryFold first(id);
        for (std::size_t i = 0; i < split; ++i) first.apply(events[i].view());
        auto second = ThreadSummaryFold::load(id, json::parse(first.save().dump()));
        for (std::size_t i = split; i < events.size(); ++i) second.apply(events[i].view());
        INFO(entry.path().string() << " split at " << split);
        CHECK(second.save() == whole);
      }
    }
  }
}
