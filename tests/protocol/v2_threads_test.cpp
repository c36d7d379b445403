// Wire-shape tests of the v2 thread, turn and item types (protocol/v2/common.h, items.h,
// thread.h, thread_methods.h, turn_methods.h): exact JSON of the key types, seed-era
// spellings and decode errors. v2_threads_codex_test.cpp checks them against Codex's data.
#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "protocol/codec.h"
#include "protocol/describe.h"
#include "protocol/v2/common.h"
#include "protocol/v2/items.h"
#include "protocol/v2/thread.h"
#include "protocol/v2/thread_methods.h"
#include "protocol/v2/turn_methods.h"
#include "support/wire_check.h"

using namespace spool::protocol;
using namespace spool::protocol::v2;
using nlohmann::json;
using spool::test::check_wire;
using spool::test::decode_error;
using spool::test::decode_ok;

namespace {

Thread sample_thread() {
  Thread t;
  t.id = "01a20c34-e7cb-79f0-b670-586e2dbb49af";
  t.sessionId = t.id;
  t.preview = "Second thread hello";
  t.modelProvider = "mock";
  t.model = "mock-model";
  t.createdAt = 1795501123;
  t.updatedAt = 1795501128;
  t.recencyAt = 1795501128;
  t.status = IdleThreadStatus{};
  t.path = "/home/dev/.codex/sessions/rollout.jsonl";
  t.cwd = "/home/dev/project";
  t.cliVersion = "0.1.0";
  t.originator = "peer-driver";
  t.source = SessionSource::Vscode;
  t.gitInfo = GitInfo{"abc123", "main", std::nullopt};
  return t;
}

}  // namespace

TEST_CASE("a Thread is written in Codex's shape", "[protocol][v2]") {
  check_wire(sample_thread(), R"({
    "id": "01a20c34-e7cb-79f0-b670-586e2dbb49af",
    "sessionId": "01a20c34-e7cb-79f0-b670-586e2dbb49af",
    "forkedFromId": null, "preview": "Second thread hello", "ephemeral": false,
    "projectId": null, "historyMode": "legacy", "modelProvider": "mock",
    "model": "mock-model", "reasoningEffort": null,
    "createdAt": 1795501123, "updatedAt": 1795501128, "recencyAt": 1795501128,
    "status": {"type": "idle"}, "path": "/home/dev/.codex/sessions/rollout.jsonl",
    "cwd": "/home/dev/project", "cliVersion": "0.1.0", "originator": "peer-driver",
    "source": "vscode", "gitInfo": {"sha": "abc123", "branch": "main", "originUrl": null},
    "name": null, "turns": []})");

  Thread active = sample_thread();
  active.status = ActiveThreadStatus{{ThreadActiveFlag::WaitingOnApproval}};
  CHECK(to_json_value(active)["status"] ==
        json::parse(R"({"type": "active", "activeFlags": ["waitingOnApproval"]})"));
  CHECK(to_json_value(ThreadStatus{SystemErrorThreadStatus{}}) ==
        json::parse(R"({"type":"systemError"})"));
  CHECK(to_json_value(ThreadStatus{NotLoadedThreadStatus{}}) ==
        json::parse(R"({"type":"notLoaded"})"));
}

TEST_CASE("a Turn carries its items, status, error and times", "[protocol][v2]") {
  Turn turn;
  turn.id = "turn-1";
  turn.items = {
      UserMessageThreadItem{"item-1", {TextUserInput{"Hello"}}, std::nullopt, 1000, 1000},
      AgentMessageThreadItem{"item-2", "Hi!", MessagePhase::FinalAnswer, 1001, 1002},
  };
  turn.status = TurnStatus::Failed;
  turn.error = TurnError{"stream failed", CodexErrorInfo::ServerOverloaded, std::nullopt};
  turn.startedAt = 1;
  turn.completedAt = 2;
  turn.durationMs = 1500;
  check_wire(turn, R"({
    "id": "turn-1",
    "items": [
      {"type": "userMessage", "id": "item-1", "content": [{"type": "text", "text": "Hello"}],
       "clientId": null, "startedAtMs": 1000, "completedAtMs": 1000},
      {"type": "agentMessage", "id": "item-2", "text": "Hi!", "phase": "final_answer",
       "startedAtMs": 1001, "completedAtMs": 1002}],
    "itemsView": "full", "status": "failed",
    "error": {"message": "stream failed", "codexErrorInfo": "serverOverloaded",
              "additionalDetails": null},
    "startedAt": 1, "completedAt": 2, "durationMs": 1500})");

  TurnStartResponse started;
  started.turn.id = "t";
  started.turn.itemsView = TurnItemsView::NotLoaded;
  check_wire(started, R"({"turn": {"id": "t", "items": [], "itemsView": "notLoaded",
    "status": "inProgress", "error": null, "startedAt": null, "completedAt": null,
    "durationMs": null}})");
}

TEST_CASE("every ThreadItem variant has Codex's tag and fields", "[protocol][v2]") {
  const std::vector<std::pair<ThreadItem, const char*>> cases = {
      {UserMessageThreadItem{"u",
                             {TextUserInput{"hi"}, LocalImageUserInput{"/a.png", std::nullopt}},
                             "client-1",
                             5,
                             std::nullopt},
       R"({"type":"userMessage","id":"u","content":[{"type":"text","text":"hi"},
          {"type":"localImage","path":"/a.png","detail":null}],"clientId":"client-1",
          "startedAtMs":5,"completedAtMs":null})"},
      {AgentMessageThreadItem{"a", "text", std::nullopt, std::nullopt, std::nullopt},
       R"({"type":"agentMessage","id":"a","text":"text","phase":null,"startedAtMs":null,
          "completedAtMs":null})"},
      {PlanThreadItem{"p", "1. do it", 1, 2},
       R"({"type":"plan","id":"p","text":"1. do it","startedAtMs":1,"completedAtMs":2})"},
      {ReasoningThreadItem{"r", std::vector<std::string>{"**Greeting**", "part 2"}, {}, 1, 2},
       R"({"type":"reasoning","id":"r","summary":["**Greeting**","part 2"],"content":[],
          "startedAtMs":1,"completedAtMs":2})"},
      {CommandExecutionThreadItem{
           "c",
           "bash -lc 'echo hi'",
           "/p",
           "83310",
           CommandExecutionSource::Agent,
           CommandExecutionStatus::Completed,
           {UnknownCommandAction{"echo hi"}, ReadCommandAction{"cat a", "a", "/p/a"}},
           "hi\n",
           0,
           109,
           1,
           2},
       R"({"type":"commandExecution","id":"c","command":"bash -lc 'echo hi'","cwd":"/p",
          "processId":"83310","source":"agent","status":"completed",
          "commandActions":[{"type":"unknown","command":"echo hi"},
                            {"type":"read","command":"cat a","name":"a","path":"/p/a"}],
          "aggregatedOutput":"hi\n","exitCode":0,"durationMs":109,"startedAtMs":1,
          "completedAtMs":2})"},
      {FileChangeThreadItem{
           "f",
           {FileUpdateChange{"/p/a", AddPatchChangeKind{}, "+x\n"},
            FileUpdateChange{"/p/b", UpdatePatchChangeKind{}, "@@ -1 +1 @@\n-a\n+b\n"}},
           PatchApplyStatus::Declined,
           1,
           2},
       R"({"type":"fileChange","id":"f","changes":[
          {"path":"/p/a","kind":{"type":"add"},"diff":"+x\n"},
          {"path":"/p/b","kind":{"type":"update"},"diff":"@@ -1 +1 @@\n-a\n+b\n"}],
          "status":"declined","startedAtMs":1,"completedAtMs":2})"},
      {McpToolCallThreadItem{
           "m", "docs", "search", McpToolCallStatus::Completed, json{{"q", "x"}},
           McpToolCallResult{{json{{"type", "text"}, {"text", "found"}}}, std::nullopt},
           std::nullopt, 12, 1, 2},
       R"({"type":"mcpToolCall","id":"m","server":"docs","tool":"search","status":"completed",
          "arguments":{"q":"x"},"result":{"content":[{"type":"text","text":"found"}],
          "structuredContent":null},"error":null,"durationMs":12,"startedAtMs":1,
          "completedAtMs":2})"},
      {WebSearchThreadItem{"w", "spool", SearchWebSearchAction{"spool", std::nullopt}, 1, 2},
       R"({"type":"webSearch","id":"w","query":"spool","action":{"type":"search","query":"spool",
          "queries":null},"startedAtMs":1,"completedAtMs":2})"},
      {ImageViewThreadItem{"i", "/p/a.png", 1, 2},
       R"({"type":"imageView","id":"i","path":"/p/a.png","startedAtMs":1,"completedAtMs":2})"},
      {EnteredReviewModeThreadItem{"e", "current changes", 1, 2},
       R"({"type":"enteredReviewMode","id":"e","review":"current changes","startedAtMs":1,
          "completedAtMs":2})"},
      {ExitedReviewModeThreadItem{"x", "looks good", 1, 2},
       R"({"type":"exitedReviewMode","id":"x","review":"looks good","startedAtMs":1,
          "completedAtMs":2})"},
      {ContextCompactionThreadItem{"k", 1, 2},
       R"({"type":"contextCompaction","id":"k","startedAtMs":1,"completedAtMs":2})"},
  };
  std::set<std::size_t> seen;
  for (const auto& [item, expected] : cases) {
    INFO(expected);
    check_wire(item, expected);
    seen.insert(item.index());
  }
  CHECK(seen.size() == std::variant_size_v<ThreadItem::variant>);

  // The item notifications wrap them with the ids and the lifecycle time.
  check_wire(ItemCompletedNotification{ContextCompactionThreadItem{"k", 1, 2}, "th", "tu", 2},
             R"({"item":{"type":"contextCompaction","id":"k","startedAtMs":1,"completedAtMs":2},
                 "threadId":"th","turnId":"tu","completedAtMs":2})");
}

TEST_CASE("fields Codex may leave out read as Codex's defaults", "[protocol][v2]") {
  // A seed-era turn and items: no itemsView, no source, no summary/content.
  const auto turn = decode_ok<Turn>(json::parse(R"({"id":"0","items":[
    {"type":"reasoning","id":"r"},
    {"type":"commandExecution","id":"c","command":"ls","cwd":"/","status":"completed",
     "commandActions":[]}],"status":"completed"})"));
  CHECK(turn.itemsView == TurnItemsView::Full);
  CHECK(std::get<ReasoningThreadItem>(turn.items[0]).summary.value.empty());
  CHECK(std::get<CommandExecutionThreadItem>(turn.items[1]).source == CommandExecutionSource::Agent);
  const json written = to_json_value(turn);
  CHECK(written["itemsView"] == "full");
  CHECK(written["items"][0]["summary"] == json::array());
  CHECK(written["items"][1]["source"] == "agent");

  const auto thread = decode_ok<ThreadResumeParams>(json::parse(R"({"threadId":"t"})"));
  CHECK_FALSE(thread.excludeTurns);
  CHECK(decode_ok<ThreadReadParams>(json::parse(R"({"threadId":"t","includeTurns":true})")).includeTurns);
  CHECK(decode_ok<TokenUsageBreakdown>(json::parse(R"({"totalTokens":3,"inputTokens":2,
    "cachedInputTokens":0,"outputTokens":1,"reasoningOutputTokens":0})"))
            .cacheWriteInputTokens == 0);
  CHECK(to_json_value(decode_ok<SandboxPolicy>(json::parse(R"({"type":"externalSandbox"})"))) ==
        json::parse(R"({"type":"externalSandbox","networkAccess":"restricted"})"));
  CHECK(to_json_value(decode_ok<SandboxPolicy>(json::parse(R"({"type":"workspaceWrite"})"))) ==
        json::parse(R"({"type":"workspaceWrite","writableRoots":[],"networkAccess":false,
                        "excludeTmpdirEnvVar":false,"excludeSlashTmp":false})"));
}

TEST_CASE("UserInput variants decode from what clients send", "[protocol][v2]") {
  const auto input = decode_ok<std::vector<UserInput>>(json::parse(R"([
    {"type":"text","text":"hi","text_elements":[]},
    {"type":"image","url":"https://x/a.png"},
    {"type":"localImage","path":"/a.png","detail":"high"},
    {"type":"audio","url":"https://x/a.wav"},
    {"type":"localAudio","path":"/a.wav"},
    {"type":"skill","name":"deploy","path":"/skills/deploy/SKILL.md"},
    {"type":"mention","name":"Docs","path":"app://docs"}])"));
  REQUIRE(input.size() == 7);
  CHECK(std::get<TextUserInput>(input[0]).text == "hi");
  CHECK(std::get<ImageUserInput>(input[1]).detail == std::nullopt);
  CHECK(std::get<LocalImageUserInput>(input[2]).detail == ImageDetail::High);
  CHECK(std::get<MentionUserInput>(input[6]).path == "app://docs");
  // text_elements is not modelled: accepted, never written.
  CHECK(to_json_value(input[0]) == json::parse(R"({"type":"text","text":"hi"})"));
}

TEST_CASE("thread params accept seed-era spellings and write the current ones", "[protocol][v2]") {
  // thread/list as 0.60.1 clients sent it, and with every 0.169.0 filter Spool models.
  const auto seed = decode_ok<ThreadListParams>(
      json::parse(R"({"limit":1,"cursor":"2026-11-24T06-18-16|id","modelProviders":[]})"));
  CHECK(seed.limit == 1u);
  CHECK(seed.cursor == "2026-11-24T06-18-16|id");
  CHECK(seed.modelProviders == std::vector<std::string>{});
  CHECK_FALSE(seed.sortKey.has_value());
  CHECK_FALSE(seed.archived.has_value());

  const auto full = decode_ok<ThreadListParams>(json::parse(R"({
    "sortKey":"updated_at","sortDirection":"asc","sourceKinds":["vscode","appServer"],
    "archived":true,"cwd":"/home/dev/project","searchTerm":"hello"})"));
  CHECK(full.sortKey == ThreadSortKey::UpdatedAt);
  CHECK(full.sortDirection == SortDirection::Asc);
  CHECK(full.sourceKinds ==
        std::vector<ThreadSourceKind>{ThreadSourceKind::Vscode, ThreadSourceKind::AppServer});
  REQUIRE(full.cwd.has_value());
  CHECK(full.cwd->paths == std::vector<std::string>{"/home/dev/project"});
  CHECK(to_json_value(full)["cwd"] == "/home/dev/project");  // kept in the form it came
  const auto many = decode_ok<ThreadListParams>(json::parse(R"({"cwd":["/a","/b"]})"));
  CHECK(to_json_value(many)["cwd"] == json::parse(R"(["/a","/b"])"));
  check_wire(ThreadListParams{}, R"({"cursor":null,"limit":null,"sortKey":null,
    "sortDirection":null,"modelProviders":null,"sourceKinds":null,"archived":null,"cwd":null,
    "searchTerm":null})");

  // thread/start as 0.60.1 wrote approval and sandbox; written back in 0.169.0 spelling.
  const auto start = decode_ok<ThreadStartParams>(
      json::parse(R"({"cwd":"/p","approvalPolicy":"unlessTrusted","sandbox":"dangerFullAccess"})"));
  CHECK(start.approvalPolicy == AskForApproval::Untrusted);
  CHECK(start.sandbox == SandboxMode::DangerFullAccess);
  const json written = to_json_value(start);
  CHECK(written["approvalPolicy"] == "untrusted");
  CHECK(written["sandbox"] == "danger-full-access");
  for (const auto& [seed_spelling, current] : std::vector<std::pair<std::string, std::string>>{
           {"onFailure", "on-request"}, {"on-failure", "on-request"}, {"onRequest", "on-request"},
           {"never", "never"}}) {
    CHECK(to_json_value(decode_ok<AskForApproval>(seed_spelling)) == current);
  }
  for (const auto& [seed_spelling, current] : std::vector<std::pair<std::string, std::string>>{
           {"readOnly", "read-only"}, {"workspaceWrite", "workspace-write"}}) {
    CHECK(to_json_value(decode_ok<SandboxMode>(seed_spelling)) == current);
  }
  CHECK(to_json_value(decode_ok<SessionSource>("mcp")) == "appServer");

  // The sandbox in effect, as the responses write it.
  check_wire(SandboxPolicy{WorkspaceWriteSandboxPolicy{std::vector<std::string>{"/tmp/out"}, true,
                                                       false, false}},
             R"({"type":"workspaceWrite","writableRoots":["/tmp/out"],"networkAccess":true,
                 "excludeTmpdirEnvVar":false,"excludeSlashTmp":false})");
  check_wire(SandboxPolicy{DangerFullAccessSandboxPolicy{}}, R"({"type":"dangerFullAccess"})");
}

TEST_CASE("v2 decode errors name the path and what was expected", "[protocol][v2]") {
  CHECK(
      decode_error<TurnStartParams>(R"({"threadId":"t","input":[{"type":"bogus","text":"x"}]})") ==
      R"(params.input[0].type: expected one of "text", "image", "localImage", "audio", "localAudio", "skill", "mention"; got "bogus")");
  CHECK(decode_error<TurnStartParams>(R"({"threadId":"t"})") ==
        "params.input: missing required field");
  CHECK(decode_error<ThreadListParams>(R"({"limit":"ten"})") ==
        R"(params.limit: expected an integer, got "ten")");
  CHECK(
      decode_error<ThreadListParams>(R"({"sortKey":"createdAt"})") ==
      R"(params.sortKey: expected one of "created_at", "updated_at", "recency_at"; got "createdAt")");
  CHECK(decode_error<ThreadListParams>(R"({"cwd":["/a",1]})") ==
        "params.cwd: expected a string or an array of strings, got an array");
  CHECK(
      decode_error<ThreadStartParams>(R"({"approvalPolicy":"sometimes"})") ==
      R"(params.approvalPolicy: expected one of "untrusted", "on-request", "never"; got "sometimes")");
  CHECK(decode_error<ThreadResumeParams>(R"({})") == "params.threadId: missing required field");
  CHECK(
      decode_error<ItemCompletedNotification>(
          R"({"item":{"type":"commandExecution","id":"c","command":"x","cwd":"/","source":"agent",
                "status":"running","commandActions":[]},"threadId":"t","turnId":"u","completedAtMs":1})") ==
      R"(params.item.status: expected one of "inProgress", "completed", "failed", "declined"; got "running")");
  CHECK(decode_error<ThreadStatusChangedNotification>(
            R"({"threadId":"t","status":{"type":"active"}})") ==
        "params.status.activeFlags: missing required field");
}

// --- the real Codex transcripts ------------------------------------------------------------
