// Unit tests of HistoryBuilder on synthetic event logs: turn boundaries (explicit, implicit,
// late completion, aborts, errors, rollbacks), incremental save/load equivalence (on these
// logs and on every fixture rollout, split at every position), and robustness to unknown
// or bad events. The items are tested in history_items_test.cpp.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "history_test_support.h"
#include "projections/history_builder.h"
#include "protocol/codec.h"

namespace {

using nlohmann::json;
using spool::projections::HistoryBuilder;
using spool::test::agent;
using spool::test::check_incremental;
using spool::test::complete;
using spool::test::Log;
using spool::test::reasoning;
using spool::test::started;
using spool::test::user;

}  // namespace

TEST_CASE("task_started opens an explicit turn that task_complete completes", "[projections]") {
  Log log;
  log.msg({{"type", "task_started"}, {"turn_id", "t1"}, {"started_at", 1795500999}})
      .msg(user("hi"))
      .msg(agent("hello"));
  json turns = log.turns();
  REQUIRE(turns.size() == 1);
  CHECK(turns[0]["id"] == "t1");
  CHECK(turns[0]["status"] == "inProgress");
  CHECK(turns[0]["startedAt"] == 1795500999);  // the event's own started_at
  CHECK(turns[0]["completedAt"].is_null());
  CHECK(turns[0]["items"].size() == 2);

  log.msg(complete("t1"));
  turns = log.turns();
  CHECK(turns[0]["status"] == "completed");
  CHECK(turns[0]["completedAt"] == 1795501000);  // from the event time (kT0 + 40 ms)
  CHECK(turns[0]["durationMs"] == 30);           // from the event times
  CHECK(turns[0]["itemsView"] == "full");

  Log timed;
  timed.msg(started("t1"))
      .msg({{"type", "task_complete"},
            {"turn_id", "t1"},
            {"completed_at", 1795509999},
            {"duration_ms", 1234}});
  CHECK(timed.turns()[0]["startedAt"] == 1795501000);  // from the event time
  CHECK(timed.turns()[0]["completedAt"] == 1795509999);
  CHECK(timed.turns()[0]["durationMs"] == 1234);
}

TEST_CASE("without task_started each user message opens an implicit turn", "[projections]") {
  Log log;
  log.add("session_meta", {{"id", "th"}, {"cwd", "/p"}})
      .add("response_item",
           {{"type", "message"},
            {"role", "user"},
            {"content", {{{"type", "input_text"}, {"text", "<environment_context>"}}}}})
      .add("response_item", {{"type", "message"},
                             {"role", "developer"},
                             {"content", {{{"type", "input_text"}, {"text", "rules"}}}}})
      .add("response_item", {{"type", "message"},
                             {"role", "user"},
                             {"content", {{{"type", "input_text"}, {"text", "one"}}}}})
      .msg(user("one"))
      .msg(agent("first answer"))
      .msg({{"type", "user_message"},
            {"message", "two"},
            {"images", {"https://x/a.png"}},
            {"local_images", {"/tmp/b.png"}}})
      .msg(agent("second answer"));
  const json turns = log.turns();
  REQUIRE(turns.size() == 2);
  CHECK(turns[0]["id"] == "turn-5");
  CHECK(turns[0]["status"] == "completed");
  CHECK(turns[0]["startedAt"] == 1795501000);
  CHECK(turns[0]["items"] == json::parse(R"([
    {"type":"userMessage","id":"item-5","content":[{"type":"text","text":"one"}],"clientId":null,
     "startedAtMs":1795501000050,"completedAtMs":1795501000050},
    {"type":"agentMessage","id":"item-6","text":"first answer","phase":null,
     "startedAtMs":1795501000060,"completedAtMs":1795501000060}])"));
  CHECK(turns[1]["id"] == "turn-7");
  CHECK(turns[1]["items"][0]["content"] == json::parse(R"([{"type":"text","text":"two"},
    {"type":"image","url":"https://x/a.png","detail":null},
    {"type":"localImage","path":"/tmp/b.png","detail":null}])"));
  // A rebuild gives the same ids.
  CHECK(log.turns() == turns);
}

TEST_CASE("a late task_complete completes its turn and the open turns before it", "[projections]") {
  Log log;
  log.msg(started("a")).msg(user("first")).msg(started("b")).msg(user("second"));
  CHECK(log.turns()[0]["status"] == "inProgress");  // superseded, not completed yet
  log.msg(complete("a")).msg(agent("still b"));
  json turns = log.turns();
  CHECK(turns[0]["status"] == "completed");
  CHECK(turns[1]["status"] == "inProgress");
  CHECK(turns[1]["items"].size() == 2);  // b stays current

  Log skipped;
  skipped.msg(started("a")).msg(started("b")).msg(complete("b"));
  turns = skipped.turns();
  CHECK(turns[0]["status"] == "completed");
  CHECK(turns[1]["status"] == "completed");

  Log unnamed;  // a task_complete without turn id completes the current turn
  unnamed.msg(started("a")).msg({{"type", "task_complete"}});
  CHECK(unnamed.turns()[0]["status"] == "completed");
}

TEST_CASE("turn_aborted interrupts the named or the current turn", "[projections]") {
  Log log;
  log.msg(started("a"))
      .msg(user("slow"))
      .msg({{"type", "turn_aborted"},
            {"turn_id", "a"},
            {"reason", "interrupted"},
            {"completed_at", 1795501002},
            {"duration_ms", 32}})
      .msg(agent("late words"));
  json turns = log.turns();
  CHECK(turns[0]["status"] == "interrupted");
  CHECK(turns[0]["completedAt"] == 1795501002);
  CHECK(turns[0]["durationMs"] == 32);
  CHECK(turns[0]["items"].size() == 2);  // the aborted turn is still the current one

  Log legacy;
  legacy.msg(user("slow"))
      .msg(reasoning("thinking"))
      .msg({{"type", "turn_aborted"}, {"reason", "replaced"}});
  turns = legacy.turns();
  CHECK(turns[0]["status"] == "interrupted");
  CHECK(turns[0]["durationMs"] == 20);

  Log earlier;
  earlier.msg(started("a"))
      .msg(started("b"))
      .msg({{"type", "turn_aborted"}, {"turn_id", "a"}, {"reason", "interrupted"}});
  turns = earlier.turns();
  CHECK(turns[0]["status"] == "interrupted");
  CHECK(turns[1]["status"] == "inProgress");
}

TEST_CASE("an error event fails the current turn with its error", "[projections]") {
  Log log;
  log.msg(started("a"))
      .msg(user("go"))
      .msg({{"type", "error"},
            {"message", "boom"},
            {"codex_error_info", "usage_limit_exceeded"},
            {"additional_details", "upstream said no"}})
      .msg(complete("a"));
  json turns = log.turns();
  CHECK(turns[0]["status"] == "failed");  // task_complete does not undo the failure
  CHECK(turns[0]["error"] == json::parse(R"({"message":"boom","codexErrorInfo":"usageLimitExceeded",
                                             "additionalDetails":"upstream said no"})"));

  Log not_failing;  // as Codex replays history: a failed rollback does not fail the turn
  not_failing.msg(started("a"))
      .msg({{"type", "error"}, {"message", "x"}, {"codex_error_info", "thread_rollback_failed"}});
  CHECK(not_failing.turns()[0]["status"] == "inProgress");

  Log outside;  // no current turn: nothing to fail, and no turn is made up
  outside.msg({{"type", "error"}, {"message", "x"}});
  CHECK(outside.turns().empty());

  Log completed_with_error;  // 0.169 records the failure on task_complete
  completed_with_error.msg(started("a"))
      .msg({{"type", "task_complete"},
            {"turn_id", "a"},
            {"error",
             {{"message", "stream gone"},
              {"codex_error_info",
               {{"response_stream_disconnected", {{"http_status_code", 502}}}}}}}});
  turns = completed_with_error.turns();
  CHECK(turns[0]["status"] == "failed");
  CHECK(turns[0]["error"]["message"] == "stream gone");
  CHECK(turns[0]["error"]["codexErrorInfo"] == "other");  // object forms are not modelled
}

TEST_CASE("thread_rolled_back drops the last turns from the view", "[projections]") {
  Log log;
  log.msg(started("a"))
      .msg(user("1"))
      .msg(complete("a"))
      .msg(started("b"))
      .msg(user("2"))
      .msg({{"type", "exec_command_begin"},
            {"call_id", "c1"},
            {"turn_id", "b"},
            {"command", {"ls"}},
            {"cwd", "/p"},
            {"parsed_cmd", json::array()},
            {"source", "agent"}})
      .msg(complete("b"))
      .msg(started("c"))
      .msg(user("3"))
      .msg(complete("c"));
  REQUIRE(log.turns().size() == 3);
  CHECK(log.turns()[1]["items"].size() == 2);  // the command started in b
  log.msg({{"type", "thread_rolled_back"}, {"num_turns", 2}});
  json turns = log.turns();
  REQUIRE(turns.size() == 1);
  CHECK(turns[0]["id"] == "a");
  // A late event for a rolled-back turn is ignored; later turns work as usual.
  log.msg({{"type", "exec_command_end"},
           {"call_id", "c1"},
           {"turn_id", "b"},
           {"command", {"ls"}},
           {"cwd", "/p"},
           {"parsed_cmd", json::array()},
           {"source", "agent"},
           {"stdout", ""},
           {"stderr", ""},
           {"aggregated_output", "x"},
           {"exit_code", 0},
           {"duration", {{"secs", 0}, {"nanos", 0}}},
           {"formatted_output", ""}})
      .msg(started("d"))
      .msg(user("4"))
      .msg(complete("d"));
  turns = log.turns();
  REQUIRE(turns.size() == 2);
  CHECK(turns[1]["id"] == "d");
  CHECK(turns[1]["items"].size() == 1);

  Log everything;
  everything.msg(user("1")).msg(user("2")).msg({{"type", "thread_rolled_back"}, {"num_turns", 9}});
  CHECK(everything.turns().empty());
}

TEST_CASE("unknown kinds and types are ignored, bad payloads skipped", "[projections]") {
  Log log;
  log.add("world_state", {{"full", true}})
      .add("spool", {{"type", "thread_archived"}})
      .add("mystery", {{"type", "user_message"}, {"message", "not an event_msg"}})
      .msg({{"type", "brand_new_event"}, {"x", 1}})
      .raw("event_msg", "{not json")
      .raw("event_msg", "[1,2,3]")
      .raw("event_msg", "")
      .msg({{"type", "task_started"}, {"turn_id", 42}})  // wrong type: taken as no turn id
      .msg({{"type", "user_message"}, {"message", 7}})   // wrong shape: skipped
      .msg({{"type", "task_complete"}, {"turn_id", "x"}, {"duration_ms", "long"}})
      .msg({{"type", "item_completed"}, {"item", "not an object"}})
      .msg({{"type", "item_completed"}, {"turn_id", "x"}, {"item", {{"type", "UserMessage"}}}})
      .msg({{"type", "thread_rolled_back"}, {"num_turns", -1}})
      .add("response_item", {{"type", "function_call"},
                             {"name", "shell"},
                             {"call_id", "c"},
                             {"arguments", "{broken"}})
      .add("response_item",
           {{"type", "function_call_output"}, {"call_id", "nobody"}, {"output", "x"}})
      .msg(user("still works"));
  HistoryBuilder b;
  for (const auto& e : log.events) REQUIRE_NOTHROW(b.apply(e.view()));
  const json turns = spool::protocol::to_json_value(b.turns());
  REQUIRE(turns.size() == 1);
  CHECK(turns[0]["id"] == "turn-8");
  CHECK(turns[0]["status"] == "inProgress");
  REQUIRE(turns[0]["items"].size() == 1);
  CHECK(turns[0]["items"][0]["content"][0]["text"] == "still works");
  check_incremental(log.events);
}

TEST_CASE("first_changed_turn() names the first turn a stored copy must rewrite", "[projections]") {
  Log log;
  log.msg(started("a")).msg(user("1")).msg(complete("a")).msg(started("b")).msg(user("2"));
  HistoryBuilder b = log.fold();
  CHECK(b.first_changed_turn() == std::size_t{0});
  b.forget_changes();
  CHECK_FALSE(b.first_changed_turn());
  Log more;
  more.msg(agent("into b"));
  b.apply(more.events[0].view());
  CHECK(b.first_changed_turn() == std::size_t{1});
  b.forget_changes();
  more.msg({{"type", "turn_aborted"}, {"turn_id", "a"}, {"reason", "interrupted"}});
  b.apply(more.events[1].view());
  CHECK(b.first_changed_turn() == std::size_t{0});  // a late event for an earlier turn
  b.forget_changes();
  more.msg({{"type", "thread_rolled_back"}, {"num_turns", 1}});
  b.apply(more.events[2].view());
  CHECK(b.first_changed_turn() == std::size_t{1});  // turn 1 is gone: drop it from the copy
  CHECK(b.turns(1).empty());
  CHECK(b.turns(0).size() == 1);
}

TEST_CASE("load() refuses state save() did not write", "[projections]") {
  CHECK_THROWS_AS(HistoryBuilder::load(json::object()), std::invalid_argument);
  CHECK_THROWS_AS(HistoryBuilder::load(json::parse(R"({"version":99})")), std::invalid_argument);
  json state = HistoryBuilder().save();
  state["turns"] = {{{"id", "t"}}};
  CHECK_THROWS_AS(HistoryBuilder::load(state), std::invalid_argument);
  CHECK(HistoryBuilder::load(HistoryBuilder().save()).turns().empty());
}

TEST_CASE("save()/load() then more events equals folding everything, on every fixture",
          "[projections]") {
  for (const char* version : {"codex-0.169.0", "codex-0.60.1"}) {
    const auto home = std::filesystem::path(SPOOL_TEST_DATA) / version / "codex_home";
    for (const auto& file : spool::test::rollout_files(home)) {
      INFO(file.string());
      check_incremental(spool::test::read_rollout(file));
    }
  }
}

TEST_CASE("save()/load() equivalence holds on the synthetic logs too", "[projections]") {
  Log log;
  log.msg(started("a"))
      .msg(user("hi"))
      .msg(reasoning("r1"))
      .msg(reasoning("r2"))
      .msg({{"type", "item_completed"},
            {"thread_id", "th"},
            {"turn_id", "a"},
            {"item",
             {{"type", "Reasoning"},
              {"id", "r"},
              {"summary_text", {"r1", "r2"}},
              {"raw_content", json::array()}}}})
      .msg({{"type", "exec_command_begin"},
            {"call_id", "c"},
            {"turn_id", "a"},
            {"command", {"ls"}},
            {"cwd", "/"},
            {"parsed_cmd", json::array()},
            {"source", "agent"}})
      .msg(complete("a"))
      .msg(started("b"))
      .msg(user("more"))
      .msg({{"type", "error"}, {"message", "e"}})
      .msg({{"type", "exec_command_end"},
            {"call_id", "c"},
            {"turn_id", "a"},
            {"command", {"ls"}},
            {"cwd", "/"},
            {"parsed_cmd", json::array()},
            {"source", "agent"},
            {"stdout", ""},
            {"stderr", ""},
            {"aggregated_output", ""},
            {"exit_code", 2},
            {"duration", {{"secs", 0}, {"nanos", 0}}},
            {"formatted_output", ""}})
      .msg({{"type", "thread_rolled_back"}, {"num_turns", 1}})
      .msg(user("legacy"))
      .msg({{"type", "item_completed"},
            {"turn_id", "z"},
            {"item", {{"type", "agentMessage"}, {"id", "v"}, {"text", "v2"}}}})
      .msg(agent("ignored now"));
  const json turns = log.turns();
  REQUIRE(turns.size() == 3);
  CHECK(turns[0]["items"][2]["status"] == "failed");  // the late end, in turn a
  CHECK(turns[0]["items"][1]["id"] == "r");
  CHECK(turns[1]["id"] == "turn-13");
  CHECK(turns[2]["id"] == "z");
  CHECK(turns[2]["items"].size() == 1);
  check_incremental(log.events);
}
