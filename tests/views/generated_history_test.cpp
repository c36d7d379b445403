// Generated histories through the store: every item kind, aborts, errors, rollbacks, late
// tool completions and v2 items, appended one event at a time and interleaved across
// threads. The stored history must equal the pure fold of each thread's events, and a
// rebuild must give it again.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "projections/history_builder.h"
#include "protocol/codec.h"
#include "support/store_fixtures.h"
#include "support/stored_history.h"
#include "views/attach.h"
#include "views/served_history.h"

using namespace spool;
using nlohmann::json;
using spool::test::stored_history;

namespace {

struct Line {
  std::string kind;
  json payload;
};

json started(const std::string& t) { return {{"type", "task_started"}, {"turn_id", t}}; }
json complete(const std::string& t) { return {{"type", "task_complete"}, {"turn_id", t}}; }
json user(const std::string& text) {
  return {{"type", "user_message"}, {"message", text}, {"images", json::array()}};
}
json agent(const std::string& text) { return {{"type", "agent_message"}, {"message", text}}; }

// A thread's log; `variant` changes ids and texts so threads differ.
std::vector<Line> generated_log(int variant) {
  const std::string v = std::to_string(variant);
  const std::string a = "a" + v, b = "b" + v, c = "c" + v, d = "d" + v;
  return {
      {"session_meta", {{"id", "thread-" + v}, {"timestamp", "2026-01-01T00:00:00.000Z"},
                        {"cwd", "/w" + v}, {"originator", "t"}, {"cli_version", "0"},
                        {"source", "cli"}, {"model_provider", "openai"}}},
      {"turn_context", {{"cwd", "/w" + v}, {"model", "m"}, {"approval_policy", "never"},
                        {"sandbox_policy", {{"type", "read-only"}}}, {"summary", "auto"}}},
      {"event_msg", started(a)},
      {"event_msg", user("hello " + v)},
      {"event_msg", {{"type", "agent_reasoning"}, {"text", "think " + v}}},
      {"event_msg", {{"type", "agent_reasoning"}, {"text", "more"}}},
      {"event_msg", {{"type", "exec_command_begin"}, {"call_id", "call-" + v}, {"turn_id", a},
                     {"command", {"ls", "-l"}}, {"cwd", "/w"}, {"parsed_cmd", json::array()},
                     {"source", "agent"}}},
      {"event_msg", {{"type", "patch_apply_begin"}, {"call_id", "p" + v}, {"turn_id", a},
                     {"auto_approved", true},
                     {"changes", {{"/w/f.txt", {{"type", "add"}, {"content", "x\n"}}}}}}},
      {"event_msg", {{"type", "patch_apply_end"}, {"call_id", "p" + v}, {"turn_id", a},
                     {"stdout", ""}, {"stderr", ""}, {"success", true}}},
      {"event_msg", {{"type", "web_search_end"}, {"call_id", "w" + v}, {"query", "q" + v},
                     {"action", {{"type", "search"}, {"query", "q" + v}}}}},
      {"event_msg", {{"type", "view_image_tool_call"}, {"call_id", "i" + v}, {"path", "/i.png"}}},
      {"event_msg", agent("answer " + v)},
      {"event_msg", complete(a)},
      // The command started in turn a completes late, during turn b.
      {"event_msg", started(b)},
      {"event_msg", user("second")},
      {"event_msg", {{"type", "exec_command_end"}, {"call_id", "call-" + v}, {"turn_id", a},
                     {"stdout", "out"}, {"stderr", ""}, {"aggregated_output", "out"},
                     {"exit_code", 0}, {"duration", {{"secs", 0}, {"nanos", 5000000}}},
                     {"formatted_output", "out"}}},
      {"event_msg", {{"type", "error"}, {"message", "boom " + v}}},
      {"event_msg", started(c)},
      {"event_msg", user("third")},
      {"event_msg", {{"type", "mcp_tool_call_begin"}, {"call_id", "m" + v},
                     {"invocation", {{"server", "s"}, {"tool", "t"}, {"arguments", {{"q", 1}}}}}}},
      {"event_msg", {{"type", "turn_aborted"}, {"turn_id", c}, {"reason", "interrupted"}}},
      {"event_msg", {{"type", "entered_review_mode"}, {"user_facing_hint", "changes"}}},
      {"event_msg", {{"type", "exited_review_mode"}, {"review_output", nullptr}}},
      {"event_msg", {{"type", "context_compacted"}}},
      {"compacted", {{"message", "summary"}}},
      {"event_msg", started(d)},
      {"event_msg", user("to be rolled back")},
      {"event_msg", complete(d)},
      {"event_msg", {{"type", "thread_rolled_back"}, {"num_turns", 1}}},
      // Spool's own v2 items from here on: the history as streamed.
      {"event_msg", started("e" + v)},
      {"event_msg", {{"type", "item_started"}, {"turn_id", "e" + v},
                     {"item", {{"type", "agentMessage"}, {"id", "v2-" + v}, {"text", ""}}}}},
      {"event_msg", {{"type", "item_completed"}, {"turn_id", "e" + v},
                     {"item", {{"type", "agentMessage"}, {"id", "v2-" + v}, {"text", "final"}}}}},
      {"event_msg", complete("e" + v)},
      {"world_state", {{"full", true}}},
  };
}

eventstore::NewEvent new_event(const Line& l, std::int64_t ts) {
  eventstore::NewEvent e;
  e.kind = l.kind;
  if (l.payload.contains("type") && l.payload["type"].is_string()) e.type = l.payload["type"];
  if (l.payload.contains("turn_id") && l.payload["turn_id"].is_string()) e.turn_id = l.payload["turn_id"];
  e.payload = l.payload.dump();
  e.ts_ms = ts;
  return e;
}

}  // namespace

TEST_CASE("generated histories interleaved across threads equal the pure fold and a rebuild",
          "[views]") {
  constexpr int kThreads = 4;
  test::TempDir dir;
  auto store = test::open_store(dir.file("spool.db"));
  views::attach_projections(*store);
  std::vector<std::vector<Line>> logs;
  for (int t = 0; t < kThreads; ++t) logs.push_back(generated_log(t));

  std::map<std::string, projections::HistoryBuilder> folds;
  std::int64_t ts = 1795501000000;
  for (std::size_t i = 0; i < logs[0].size(); ++i) {
    for (int t = 0; t < kThreads; ++t) {
      const std::string id = "thread-" + std::to_string(t);
      const auto e = new_event(logs[static_cast<std::size_t>(t)][i], ts += 7);
      auto r = store->append(id, static_cast<std::int64_t>(i), std::vector<eventstore::NewEvent>{e});
      REQUIRE(r.ok());
      projections::EventView v{r->last_seq, ts, e.kind, std::nullopt, std::nullopt, e.payload};
      if (e.type) v.type = *e.type;
      if (e.turn_id) v.turn_id = *e.turn_id;
      folds[id].apply(v);
    }
  }
  std::map<std::string, json> live;
  for (auto& [id, fold] : folds) {
    INFO(id);
    live[id] = stored_history(*store, id);
    CHECK(live[id] == protocol::to_json_value(fold.turns()));
    // Every kind the log holds made it into the history.
    std::set<std::string> kinds;
    std::set<std::string> statuses;
    for (const auto& t : live[id]) {
      statuses.insert(t["status"].get<std::string>());
      for (const auto& item : t["items"]) kinds.insert(item["type"].get<std::string>());
    }
    CHECK(kinds == std::set<std::string>{"userMessage", "reasoning", "commandExecution",
                                         "fileChange", "webSearch", "imageView", "agentMessage",
                                         "mcpToolCall", "enteredReviewMode", "exitedReviewMode",
                                         "contextCompaction"});
    CHECK(statuses == std::set<std::string>{"completed", "failed", "interrupted"});
    CHECK(live[id].size() == 4);  // turn d was rolled back
  }
  REQUIRE(store->rebuild_projections().ok());
  for (const auto& [id, history] : live) {
    INFO(id);
    CHECK(stored_history(*store, id) == history);
  }
}

TEST_CASE("a turn left inProgress is served as interrupted unless its thread runs", "[views]") {
  std::vector<eventstore::HistoryTurnRow> rows = {
      {"t1", R"({"id":"t1","status":"inProgress","items":[]})", {}},
      {"t2", R"({"id":"t2","status":"inProgress","items":[]})",
       {{"i1", R"({"type":"agentMessage","id":"i1","text":"x"})"}}}};
  const json idle = views::served_turns(rows, false);
  CHECK(idle[0]["status"] == "interrupted");
  CHECK(idle[1]["status"] == "interrupted");
  CHECK(idle[1]["items"][0]["id"] == "i1");
  const json running = views::served_turns(rows, true);
  CHECK(running[0]["status"] == "interrupted");  // only the last turn can still be running
  CHECK(running[1]["status"] == "inProgress");
}
