// Unit tests of HistoryBuilder's items on synthetic event logs: tool items attaching to the
// turn their event names (late completions too), the reasoning merge rule, a legacy event
// and a core item counting once, the v2 exact path, tool calls recorded only as response
// items, and every other item kind.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "history_test_support.h"

namespace {

using nlohmann::json;
using spool::test::agent;
using spool::test::complete;
using spool::test::Log;
using spool::test::reasoning;
using spool::test::started;
using spool::test::user;

}  // namespace

TEST_CASE("a tool item attaches to the turn its event names, even when it completes late",
          "[projections]") {
  const json begin = {{"type", "exec_command_begin"},
                      {"call_id", "c1"},
                      {"turn_id", "a"},
                      {"command", {"/bin/bash", "-lc", "sleep 1; echo done"}},
                      {"cwd", "/p"},
                      {"parsed_cmd", {{{"type", "unknown"}, {"cmd", "sleep 1; echo done"}}}},
                      {"source", "unified_exec_startup"},
                      {"process_id", "77"}};
  json end = begin;
  end["type"] = "exec_command_end";
  end.update({{"stdout", "done\n"},
              {"stderr", ""},
              {"aggregated_output", "done\n"},
              {"exit_code", 0},
              {"duration", {{"secs", 1}, {"nanos", 500000000}}},
              {"formatted_output", "done"}});
  Log log;
  log.msg(started("a"))
      .msg(user("run it"))
      .msg(begin)
      .msg(complete("a"))
      .msg(started("b"))
      .msg(user("next"))
      .msg(end);
  const json turns = log.turns();
  REQUIRE(turns.size() == 2);
  REQUIRE(turns[0]["items"].size() == 2);
  CHECK(turns[0]["items"][1] == json::parse(R"({"type":"commandExecution","id":"c1",
    "command":"/bin/bash -lc 'sleep 1; echo done'","cwd":"/p","processId":"77",
    "source":"unifiedExecStartup","status":"completed",
    "commandActions":[{"type":"unknown","command":"sleep 1; echo done"}],
    "aggregatedOutput":"done\n","exitCode":0,"durationMs":1500,
    "startedAtMs":1795501000030,"completedAtMs":1795501000070})"));
  CHECK(turns[1]["items"].size() == 1);

  Log end_only;  // no begin recorded (Codex's limited policy): the end alone makes the item
  end_only.msg(started("a")).msg(complete("a")).msg(started("b")).msg(end);
  CHECK(end_only.turns()[0]["items"].size() == 1);
  CHECK(end_only.turns()[0]["items"][0]["startedAtMs"] == 1795501000040 - 1500);

  json declined = end;  // as 0.60.1 ends a command the user declined
  declined.update({{"stdout", ""},
                   {"stderr", "exec command rejected by user"},
                   {"aggregated_output", "exec command rejected by user"},
                   {"exit_code", -1},
                   {"duration", {{"secs", 0}, {"nanos", 0}}}});
  Log refused;
  refused.msg(user("run it")).msg(begin).msg(declined);
  const json item = refused.turns()[0]["items"][1];
  CHECK(item["status"] == "declined");
  CHECK(item["exitCode"].is_null());
  CHECK(item["aggregatedOutput"].is_null());
  CHECK(item["durationMs"].is_null());
}

TEST_CASE("consecutive legacy reasoning merges; core reasoning items stay apart by id",
          "[projections]") {
  Log legacy;
  legacy.msg(user("q"))
      .msg(reasoning("part one"))
      .msg(reasoning("part two"))
      .msg({{"type", "agent_reasoning_raw_content"}, {"text", "raw"}})
      .msg(agent("answer"))
      .msg(reasoning("after the answer"));
  json items = legacy.turns()[0]["items"];
  REQUIRE(items.size() == 4);
  CHECK(items[1]["summary"] == json({"part one", "part two"}));
  CHECK(items[1]["content"] == json({"raw"}));
  CHECK(items[1]["startedAtMs"] == 1795501000020);
  CHECK(items[1]["completedAtMs"] == 1795501000040);
  CHECK(items[3]["summary"] == json({"after the answer"}));

  Log core;
  core.msg(started("a"))
      .msg({{"type", "item_completed"},
            {"thread_id", "th"},
            {"turn_id", "a"},
            {"item",
             {{"type", "Reasoning"},
              {"id", "rs_1"},
              {"summary_text", {"x"}},
              {"raw_content", json::array()}}},
            {"started_at_ms", 5},
            {"completed_at_ms", 6}})
      .msg({{"type", "item_completed"},
            {"thread_id", "th"},
            {"turn_id", "a"},
            {"item",
             {{"type", "Reasoning"},
              {"id", "rs_2"},
              {"summary_text", {"y", "z"}},
              {"raw_content", json::array()}}}});
  items = core.turns()[0]["items"];
  REQUIRE(items.size() == 2);
  CHECK(items[0] == json::parse(R"({"type":"reasoning","id":"rs_1","summary":["x"],"content":[],
                                    "startedAtMs":5,"completedAtMs":6})"));
  CHECK(items[1]["id"] == "rs_2");
  CHECK(items[1]["summary"] == json({"y", "z"}));
}

TEST_CASE("a legacy event and a core item for the same message count once", "[projections]") {
  const json core_user = {
      {"type", "item_completed"},
      {"thread_id", "th"},
      {"turn_id", "a"},
      {"item",
       {{"type", "UserMessage"}, {"id", "u1"}, {"content", {{{"type", "text"}, {"text", "hi"}}}}}}};
  const json core_agent = {{"type", "item_completed"},
                           {"thread_id", "th"},
                           {"turn_id", "a"},
                           {"item",
                            {{"type", "AgentMessage"},
                             {"id", "m1"},
                             {"content", {{{"type", "Text"}, {"text", "hello"}}}}}}};
  const json core_reasoning = {{"type", "item_completed"},
                               {"thread_id", "th"},
                               {"turn_id", "a"},
                               {"item",
                                {{"type", "Reasoning"},
                                 {"id", "r1"},
                                 {"summary_text", {"s1", "s2"}},
                                 {"raw_content", json::array()}}}};
  Log core_first;
  core_first.msg(started("a"))
      .msg(core_user)
      .msg(user("hi"))
      .msg(core_reasoning)
      .msg(reasoning("s1"))
      .msg(reasoning("s2"))
      .msg(core_agent)
      .msg(agent("hello"));
  Log legacy_first;
  legacy_first.msg(started("a"))
      .msg(user("hi"))
      .msg(core_user)
      .msg(reasoning("s1"))
      .msg(reasoning("s2"))
      .msg(core_reasoning)
      .msg(agent("hello"))
      .msg(core_agent);
  for (const Log* log : {&core_first, &legacy_first}) {
    const json items = log->turns()[0]["items"];
    REQUIRE(items.size() == 3);
    CHECK(items[0]["id"] == "u1");
    CHECK(items[1]["id"] == "r1");
    CHECK(items[1]["summary"] == json({"s1", "s2"}));
    CHECK(items[2]["id"] == "m1");
  }
}

TEST_CASE("v2 item events are the history exactly as streamed", "[projections]") {
  const auto v2_event = [](const char* type, const char* item) {
    return json{{"type", type}, {"turn_id", "a"}, {"item", json::parse(item)}};
  };
  Log log;
  log.msg(started("a"))
      .msg(user("typed before the items"))  // a legacy event in the same turn: dropped
      .msg(v2_event(
          "item_started",
          R"({"type":"userMessage","id":"u","content":[{"type":"text","text":"hi"}],"startedAtMs":1})"))
      .msg(v2_event(
          "item_completed",
          R"({"type":"userMessage","id":"u","content":[{"type":"text","text":"hi"}],"startedAtMs":1,"completedAtMs":2})"))
      .msg(v2_event(
          "item_started",
          R"({"type":"commandExecution","id":"c","command":"rm -rf /","cwd":"/","status":"inProgress","commandActions":[],"startedAtMs":3})"))
      .msg(
          v2_event("item_started", R"({"type":"agentMessage","id":"m","text":"","startedAtMs":4})"))
      .msg(v2_event(
          "item_completed",
          R"({"type":"commandExecution","id":"c","command":"rm -rf /","cwd":"/","status":"declined","commandActions":[],"startedAtMs":3,"completedAtMs":5})"))
      .msg(v2_event(
          "item_completed",
          R"({"type":"agentMessage","id":"m","text":"I will not.","startedAtMs":4,"completedAtMs":6})"))
      .msg(v2_event(
          "item_started",
          R"({"type":"agentMessage","id":"m","text":"","startedAtMs":4})"))  // late: ignored
      .msg(agent("I will not."))  // legacy events after v2 items: ignored
      .msg({{"type", "exec_command_begin"},
            {"call_id", "other"},
            {"turn_id", "a"},
            {"command", {"ls"}},
            {"cwd", "/"},
            {"parsed_cmd", json::array()},
            {"source", "agent"}})
      .msg(
          v2_event("item_completed", R"({"type":"hookPrompt","id":"h"})"))  // not modelled: skipped
      .msg(complete("a"));
  const json items = log.turns()[0]["items"];
  CHECK(items == json::parse(R"([
    {"type":"userMessage","id":"u","content":[{"type":"text","text":"hi"}],"clientId":null,"startedAtMs":1,"completedAtMs":2},
    {"type":"commandExecution","id":"c","command":"rm -rf /","cwd":"/","processId":null,"source":"agent",
     "status":"declined","commandActions":[],"aggregatedOutput":null,"exitCode":null,"durationMs":null,
     "startedAtMs":3,"completedAtMs":5},
    {"type":"agentMessage","id":"m","text":"I will not.","phase":null,"startedAtMs":4,"completedAtMs":6}])"));
  CHECK(log.turns()[0]["status"] == "completed");

  Log unknown_turn;  // a v2 item naming a turn not seen yet: the turn gets that id
  unknown_turn.msg({{"type", "item_completed"},
                    {"turnId", "t9"},
                    {"item", {{"type", "agentMessage"}, {"id", "m"}, {"text", "x"}}}});
  CHECK(unknown_turn.turns()[0]["id"] == "t9");
}

TEST_CASE("tool calls recorded only as response items become items", "[projections]") {
  Log log;
  log.add("turn_context", {{"cwd", "/work"},
                           {"approval_policy", "never"},
                           {"sandbox_policy", json::object()},
                           {"model", "m"},
                           {"summary", "auto"}})
      .msg(user("go"))
      .add("response_item", {{"type", "function_call"},
                             {"name", "exec_command"},
                             {"call_id", "c1"},
                             {"arguments", R"({"cmd":"touch x"})"}})
      .add("response_item", {{"type", "function_call_output"},
                             {"call_id", "c1"},
                             {"output",
                              "exec_command failed: CreateProcess { message: "
                              "\"Rejected(\\\"rejected by user\\\")\" }"}})
      .add("response_item", {{"type", "function_call"},
                             {"name", "shell"},
                             {"call_id", "c2"},
                             {"arguments", R"({"command":["bash","-lc","false"],"workdir":"/w"})"}})
      .add("response_item",
           {{"type", "function_call_output"},
            {"call_id", "c2"},
            {"output", R"({"output":"","metadata":{"exit_code":1,"duration_seconds":0.25}})"}})
      .add("response_item", {{"type", "function_call"},
                             {"name", "exec_command"},
                             {"call_id", "c3"},
                             {"arguments", R"({"cmd":"echo hi"})"}})
      .add("response_item",
           {{"type", "function_call_output"},
            {"call_id", "c3"},
            {"output",
             "Chunk ID: 1\nWall time: 0.0 seconds\nProcess exited with code 0\nOutput:\nhi\n"}})
      .add("response_item",
           {{"type", "custom_tool_call"},
            {"name", "apply_patch"},
            {"call_id", "p1"},
            {"input",
             "*** Begin Patch\n*** Add File: a.txt\n+hello\n*** Update File: /abs/b.txt\n*** Move "
             "to: c.txt\n@@\n-x\n+y\n*** Delete File: d.txt\n*** End Patch"}})
      .add(
          "response_item",
          {{"type", "custom_tool_call_output"},
           {"call_id", "p1"},
           {"output",
            R"({"output":"Success. Updated the following files:\nA a.txt\n","metadata":{"exit_code":0}})"}})
      .add("response_item", {{"type", "function_call"},
                             {"name", "update_plan"},
                             {"call_id", "u1"},
                             {"arguments", R"({"plan":[]})"}});
  const json items = log.turns()[0]["items"];
  REQUIRE(items.size() == 5);
  CHECK(items[1]["command"] == "/bin/bash -lc 'touch x'");
  CHECK(items[1]["cwd"] == "/work");
  CHECK(items[1]["status"] == "declined");
  CHECK(items[1]["exitCode"].is_null());
  CHECK(items[1]["commandActions"] == json::parse(R"([{"type":"unknown","command":"touch x"}])"));
  CHECK(items[1]["startedAtMs"] == log.ts(3));
  CHECK(items[1]["completedAtMs"] == log.ts(4));
  CHECK(items[2]["command"] == "bash -lc false");
  CHECK(items[2]["cwd"] == "/w");
  CHECK(items[2]["status"] == "failed");
  CHECK(items[2]["exitCode"] == 1);
  CHECK(items[2]["durationMs"] == 250);
  CHECK(items[3]["status"] == "completed");
  CHECK(items[3]["aggregatedOutput"] == "hi\n");
  CHECK(items[3]["exitCode"] == 0);
  CHECK(items[4] == json::parse(R"({"type":"fileChange","id":"p1","changes":[
      {"path":"/work/a.txt","kind":{"type":"add"},"diff":"hello\n"},
      {"path":"/abs/b.txt","kind":{"type":"update"},"diff":"@@\n-x\n+y\n\n\nMoved to: /work/c.txt"},
      {"path":"/work/d.txt","kind":{"type":"delete"},"diff":""}],
    "status":"completed","startedAtMs":1795501000090,"completedAtMs":1795501000100})"));
}

TEST_CASE("every other item kind comes from its events", "[projections]") {
  Log log;
  log.msg(started("a"))
      .msg({{"type", "patch_apply_begin"},
            {"call_id", "p"},
            {"turn_id", "a"},
            {"auto_approved", true},
            {"changes",
             {{"/p/f.txt",
               {{"type", "update"},
                {"unified_diff", "@@ -1 +1 @@\n-a\n+b\n"},
                {"move_path", nullptr}}}}}})
      .msg({{"type", "patch_apply_end"},
            {"call_id", "p"},
            {"turn_id", "a"},
            {"stdout", ""},
            {"stderr", ""},
            {"success", true}})
      .msg({{"type", "mcp_tool_call_begin"},
            {"call_id", "m"},
            {"invocation", {{"server", "s"}, {"tool", "t"}, {"arguments", {{"q", 1}}}}}})
      .msg({{"type", "mcp_tool_call_end"},
            {"call_id", "m"},
            {"invocation", {{"server", "s"}, {"tool", "t"}, {"arguments", {{"q", 1}}}}},
            {"duration", {{"secs", 0}, {"nanos", 7000000}}},
            {"result",
             {{"Ok", {{"content", {{{"type", "text"}, {"text", "r"}}}}, {"isError", false}}}}}})
      .msg({{"type", "web_search_begin"}, {"call_id", "w"}})
      .msg({{"type", "web_search_end"},
            {"call_id", "w"},
            {"query", "cats"},
            {"action", {{"type", "search"}, {"query", "cats"}}}})
      .msg({{"type", "view_image_tool_call"}, {"call_id", "v"}, {"path", "/p/i.png"}})
      .msg({{"type", "entered_review_mode"}, {"user_facing_hint", "current changes"}})
      .msg({{"type", "exited_review_mode"}, {"review_output", nullptr}})
      .msg({{"type", "context_compacted"}})
      .add("compacted", {{"message", "summary"}})
      .msg({{"type", "item_completed"},
            {"thread_id", "th"},
            {"turn_id", "a"},
            {"item", {{"type", "Plan"}, {"id", "plan-1"}, {"text", "1. do it"}}}})
      .msg(complete("a"));
  const json items = log.turns()[0]["items"];
  std::vector<std::string> types;
  for (const auto& i : items) types.push_back(i["type"]);
  CHECK(types == std::vector<std::string>{"fileChange", "mcpToolCall", "webSearch", "imageView",
                                          "enteredReviewMode", "exitedReviewMode",
                                          "contextCompaction", "plan"});
  CHECK(items[0]["status"] == "completed");
  CHECK(items[0]["changes"][0]["diff"] == "@@ -1 +1 @@\n-a\n+b\n");
  CHECK(items[1]["status"] == "completed");
  CHECK(items[1]["durationMs"] == 7);
  CHECK(items[1]["result"]["content"][0]["text"] == "r");
  CHECK(items[2]["query"] == "cats");
  CHECK(items[2]["action"] == json::parse(R"({"type":"search","query":"cats","queries":null})"));
  CHECK(items[3]["path"] == "/p/i.png");
  CHECK(items[4]["review"] == "current changes");
  CHECK(items[5]["review"] == "Reviewer failed to output a response.");
  CHECK(items[6]["id"] == "item-11");
  CHECK(items[7]["text"] == "1. do it");
}
