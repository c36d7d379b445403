// Wire-shape tests of the v2 thread, turn and item types (protocol/v2/common.h, items.h,
// thread.h, thread_methods.h, turn_methods.h): exact JSON of the key types, seed-era
// spellings, decode errors, and every thread/turn/item message of the real Codex
// transcripts (0.169.0 and 0.60.1) decoded into these types.
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
           {"onFailure", "on-failure"}, {"onRequest", "on-request"}, {"never", "never"}}) {
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
      R"(params.approvalPolicy: expected one of "untrusted", "on-failure", "on-request", "never"; got "sometimes")");
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

namespace {

// Decodes a message's params or result as T; on success, the value written back.
struct Outcome {
  bool ok = false;
  std::string error;
  json written;
};
using Decoder = std::function<Outcome(const json&)>;

template <class T>
Decoder decoder() {
  return [](const json& j) {
    auto r = decode_value<T>(j);
    if (!r.ok()) return Outcome{false, r.error().message(), nullptr};
    return Outcome{true, "", to_json_value(r.value())};
  };
}

const std::map<std::string, Decoder>& request_params() {
  static const std::map<std::string, Decoder> m = {
      {"thread/start", decoder<ThreadStartParams>()},
      {"thread/resume", decoder<ThreadResumeParams>()},
      {"thread/read", decoder<ThreadReadParams>()},
      {"thread/turns/list", decoder<ThreadTurnsListParams>()},
      {"thread/list", decoder<ThreadListParams>()},
      {"thread/archive", decoder<ThreadArchiveParams>()},
      {"thread/unarchive", decoder<ThreadUnarchiveParams>()},
      {"thread/name/set", decoder<ThreadSetNameParams>()},
      {"thread/delete", decoder<ThreadDeleteParams>()},
      {"thread/fork", decoder<ThreadForkParams>()},
      {"thread/revert", decoder<ThreadRevertParams>()},
      {"thread/loaded/list", decoder<ThreadLoadedListParams>()},
      {"thread/unsubscribe", decoder<ThreadUnsubscribeParams>()},
      {"turn/start", decoder<TurnStartParams>()},
      {"turn/interrupt", decoder<TurnInterruptParams>()},
  };
  return m;
}

const std::map<std::string, Decoder>& request_results() {
  static const std::map<std::string, Decoder> m = {
      {"thread/start", decoder<ThreadStartResponse>()},
      {"thread/resume", decoder<ThreadResumeResponse>()},
      {"thread/read", decoder<ThreadReadResponse>()},
      {"thread/turns/list", decoder<ThreadTurnsListResponse>()},
      {"thread/list", decoder<ThreadListResponse>()},
      {"thread/archive", decoder<ThreadArchiveResponse>()},
      {"thread/unarchive", decoder<ThreadUnarchiveResponse>()},
      {"thread/name/set", decoder<ThreadSetNameResponse>()},
      {"thread/delete", decoder<ThreadDeleteResponse>()},
      {"thread/fork", decoder<ThreadForkResponse>()},
      {"thread/revert", decoder<ThreadRevertResponse>()},
      {"thread/loaded/list", decoder<ThreadLoadedListResponse>()},
      {"thread/unsubscribe", decoder<ThreadUnsubscribeResponse>()},
      {"turn/start", decoder<TurnStartResponse>()},
      {"turn/interrupt", decoder<TurnInterruptResponse>()},
  };
  return m;
}

const std::map<std::string, Decoder>& notification_params() {
  static const std::map<std::string, Decoder> m = {
      {"thread/started", decoder<ThreadStartedNotification>()},
      {"thread/archived", decoder<ThreadArchivedNotification>()},
      {"thread/unarchived", decoder<ThreadUnarchivedNotification>()},
      {"thread/deleted", decoder<ThreadDeletedNotification>()},
      {"thread/name/updated", decoder<ThreadNameUpdatedNotification>()},
      {"thread/status/changed", decoder<ThreadStatusChangedNotification>()},
      {"thread/tokenUsage/updated", decoder<ThreadTokenUsageUpdatedNotification>()},
      {"thread/compacted", decoder<ContextCompactedNotification>()},
      {"turn/started", decoder<TurnStartedNotification>()},
      {"turn/completed", decoder<TurnCompletedNotification>()},
      {"item/started", decoder<ItemStartedNotification>()},
      {"item/completed", decoder<ItemCompletedNotification>()},
      {"item/agentMessage/delta", decoder<AgentMessageDeltaNotification>()},
      {"item/reasoning/summaryTextDelta", decoder<ReasoningSummaryTextDeltaNotification>()},
      {"item/reasoning/summaryPartAdded", decoder<ReasoningSummaryPartAddedNotification>()},
      {"item/reasoning/textDelta", decoder<ReasoningTextDeltaNotification>()},
      {"item/commandExecution/outputDelta", decoder<CommandExecutionOutputDeltaNotification>()},
      {"error", decoder<ErrorNotification>()},
      {"warning", decoder<WarningNotification>()},
      {"serverRequest/resolved", decoder<ServerRequestResolvedNotification>()},
  };
  return m;
}

// What Spool writes back must be what Codex wrote, field for field, for every field both
// have (a field Codex left out is null or its default in ours). Returns the first
// difference.
std::string first_difference(const json& ours, const json& theirs, const std::string& path) {
  if (ours.is_object() && theirs.is_object()) {
    for (auto it = ours.begin(); it != ours.end(); ++it) {
      const auto t = theirs.find(it.key());
      if (t == theirs.end()) continue;
      auto d = first_difference(*it, *t, path + "." + it.key());
      if (!d.empty()) return d;
    }
    return "";
  }
  if (ours.is_array() && theirs.is_array()) {
    if (ours.size() != theirs.size()) return path + ": array sizes differ";
    for (std::size_t i = 0; i < ours.size(); ++i) {
      auto d = first_difference(ours[i], theirs[i], path + "[" + std::to_string(i) + "]");
      if (!d.empty()) return d;
    }
    return "";
  }
  return ours == theirs ? "" : path + ": " + ours.dump() + " != " + theirs.dump();
}

struct TranscriptReport {
  int decoded = 0;                // messages of ours that decoded
  int rejected_as_codex_did = 0;  // requests Codex answered "Invalid request" that we reject too
  std::vector<std::string> failures;  // "<what>: <error>"
};

// Decodes every message of the transcript that belongs to these types. A request Codex
// rejected as an invalid request must fail to decode; everything else must decode and, when
// `compare_written`, write back what Codex wrote. Failures are reported as
// "<what>: <error>" for the caller to hold against its known seed-era differences.
TranscriptReport decode_transcript(const std::string& file, bool compare_written) {
  std::ifstream in(file);
  REQUIRE(in.good());
  TranscriptReport report;
  std::map<std::pair<std::string, std::string>, json> requests;  // (session, id) -> request
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    const json record = json::parse(line);
    if (!record.contains("msg")) continue;  // a raw (malformed) frame
    const json& msg = record["msg"];
    const std::string session = record["session"];
    const bool from_client = record["from"] == "client";
    const bool has_method = msg.contains("method") && msg["method"].is_string();
    const json empty = nullptr;
    const json& params = msg.contains("params") ? msg["params"] : empty;

    auto check = [&](const Decoder& decode, const json& value, const std::string& what,
                     bool must_fail) {
      const Outcome o = decode(value);
      if (must_fail) {
        if (o.ok)
          report.failures.push_back(what + ": decoded, but Codex rejected it");
        else
          ++report.rejected_as_codex_did;
        return;
      }
      if (!o.ok) {
        report.failures.push_back(what + ": " + o.error);
        return;
      }
      ++report.decoded;
      if (compare_written) {
        const std::string d = first_difference(o.written, value, what);
        if (!d.empty()) report.failures.push_back("written back differently: " + d);
      }
    };

    // The turns and items inside a message, on their own: a seed-era Thread or
    // notification that fails as a whole still shows whether these decode.
    auto check_parts = [&](const json& value, const std::string& what) {
      if (!value.is_object()) return;
      if (value.contains("item"))
        check(decoder<ThreadItem>(), value["item"], what + "#item", false);
      if (value.contains("turn")) check(decoder<Turn>(), value["turn"], what + "#turn", false);
      if (value.contains("thread") && value["thread"].contains("turns"))
        for (const json& t : value["thread"]["turns"])
          check(decoder<Turn>(), t, what + "#turn", false);
    };

    if (from_client && has_method && msg.contains("id")) {
      requests[{session, msg["id"].dump()}] = msg;
    } else if (!from_client && has_method && !msg.contains("id")) {
      const std::string method = msg["method"];
      const auto it = notification_params().find(method);
      if (it == notification_params().end()) continue;
      check(it->second, params, method, false);
      check_parts(params, method);
    } else if (!from_client && !has_method && msg.contains("id")) {
      const auto req = requests.find({session, msg["id"].dump()});
      if (req == requests.end()) continue;
      const std::string method = req->second["method"];
      const auto p = request_params().find(method);
      if (p == request_params().end()) continue;
      const json& req_params = req->second.contains("params") ? req->second["params"] : empty;
      const bool invalid = msg.contains("error") &&
                           msg["error"].value("message", "").rfind("Invalid request", 0) == 0;
      check(p->second, req_params, method + " params", invalid);
      if (msg.contains("result")) {
        check(request_results().at(method), msg["result"], method + " result", false);
        check_parts(msg["result"], method + " result");
      }
    }
  }
  CHECK(lines > 300);
  return report;
}

}  // namespace

TEST_CASE("every thread/turn/item message of Codex 0.169.0 decodes and writes back the same",
          "[protocol][v2]") {
  const auto report = decode_transcript(
      std::string(SPOOL_TEST_DATA) + "/codex-0.169.0/wire-transcript.jsonl", true);
  std::string failures;
  for (const auto& f : report.failures) failures += f + "\n";
  INFO(failures);
  CHECK(report.failures.empty());
  CHECK(report.decoded > 300);
  // thread/list and thread/resume with null params, thread/resume {}, turn/start without
  // input, thread/list limit "ten", turn/start with a bogus input type.
  CHECK(report.rejected_as_codex_did == 6);
}

// Codex 0.60.1 wrote a smaller Thread, Turn and notifications without threadId/turnId; the
// types follow 0.169.0, which Spool writes, so those messages do not decode. Each known
// difference is listed with its reason, and each must still occur (the list cannot rot).
TEST_CASE("Codex 0.60.1 messages decode but for the known seed-era differences", "[protocol][v2]") {
  const std::map<std::string, std::string> known = {
      // Thread had only id, preview, modelProvider, createdAt, path and turns (and the
      // thread/start and thread/resume results had no approvalsReviewer).
      {"thread/started: thread.sessionId: missing required field", "0.60.1 Thread"},
      {"thread/start result: thread.sessionId: missing required field", "0.60.1 Thread"},
      {"thread/resume result: thread.sessionId: missing required field", "0.60.1 Thread"},
      {"thread/list result: data[0].sessionId: missing required field", "0.60.1 Thread"},
      // Turn and item notifications had no threadId/turnId (nor startedAtMs/completedAtMs).
      {"turn/started: threadId: missing required field", "0.60.1 notification"},
      {"turn/completed: threadId: missing required field", "0.60.1 notification"},
      {"item/started: threadId: missing required field", "0.60.1 notification"},
      {"item/completed: threadId: missing required field", "0.60.1 notification"},
      {"item/agentMessage/delta: threadId: missing required field", "0.60.1 notification"},
      {"item/reasoning/summaryTextDelta: threadId: missing required field", "0.60.1 notification"},
      {"item/reasoning/summaryPartAdded: threadId: missing required field", "0.60.1 notification"},
      {"item/commandExecution/outputDelta: threadId: missing required field",
       "0.60.1 notification"},
  };
  const auto report = decode_transcript(
      std::string(SPOOL_TEST_DATA) + "/codex-0.60.1/wire-transcript.jsonl", false);
  std::set<std::string> hit;
  std::string unexpected;
  for (const auto& f : report.failures) {
    if (known.count(f)) {
      hit.insert(f);
    } else {
      unexpected += f + "\n";
    }
  }
  INFO("unexpected failures:\n" << unexpected);
  CHECK(unexpected.empty());
  for (const auto& [failure, reason] : known) {
    INFO(failure << " (" << reason << ")");
    CHECK(hit.count(failure) == 1);
  }
  CHECK(report.decoded > 120);
  CHECK(report.rejected_as_codex_did == 6);
}

// --- the declarations against the Codex 0.169.0 schema ------------------------------------

namespace {

// Checks every v2 type reachable from the thread/turn methods against the Codex definition
// of the same name (a union alternative: the oneOf entry of that title): each field exists
// there; it is optional exactly when Codex allows null, Defaulted exactly when Codex
// neither requires it nor allows null; Codex's required fields are all there; enum values
// are Codex's. Listed exceptions are the deliberate differences documented in the headers.
class SchemaConformance {
 public:
  explicit SchemaConformance(json codex)
      : codex_(std::move(codex)), v2_(codex_["definitions"]["v2"]) {}

  void walk(const TypeRef& r) {
    if (r.inner) walk(*r.inner);
    if (r.kind == TypeRef::Kind::Named) visit(r.named(), nullptr);
  }

  std::vector<std::string> problems;
  std::set<std::string> checked;

 private:
  static bool allows_null(const json& prop) {
    if (prop.is_boolean()) return prop.get<bool>();
    if (prop.contains("type")) {
      const json& t = prop["type"];
      return t == "null" || (t.is_array() && std::find(t.begin(), t.end(), "null") != t.end());
    }
    for (const char* k : {"anyOf", "oneOf"})
      if (prop.contains(k))
        for (const json& alt : prop[k])
          if (allows_null(alt)) return true;
    // No type, $ref or composition at all: any value.
    return !prop.contains("$ref") && !prop.contains("allOf") && !prop.contains("enum");
  }

  static void collect_enum(const json& def, std::set<std::string>& out) {
    if (def.contains("enum"))
      for (const json& v : def["enum"]) out.insert(v.get<std::string>());
    for (const char* k : {"anyOf", "oneOf"})
      if (def.contains(k))
        for (const json& alt : def[k]) collect_enum(alt, out);
  }

  const json* find_alternative(const json& union_def, const std::string& title) {
    for (const char* k : {"oneOf", "anyOf"})
      if (union_def.contains(k))
        for (const json& alt : union_def[k])
          if (alt.value("title", "") == title) return &alt;
    return nullptr;
  }

  void visit(const TypeDesc& d, const json* union_def) {
    if (d.ns != "v2" || d.kind == TypeDesc::Kind::Custom) return;
    if (!checked.insert(d.name).second) return;
    const json* def = v2_.contains(d.name) ? &v2_[d.name] : nullptr;
    if (!def && union_def) def = find_alternative(*union_def, d.name);
    if (!def) {
      problems.push_back(d.name + ": no Codex definition or union alternative of that name");
      return;
    }
    switch (d.kind) {
      case TypeDesc::Kind::Enum: {
        std::set<std::string> allowed;
        collect_enum(*def, allowed);
        for (const auto& v : d.enum_values)
          if (!allowed.count(v) && !exception(d.name + "=" + v))
            problems.push_back(d.name + ": value \"" + v + "\" is not Codex's");
        break;
      }
      case TypeDesc::Kind::Union:
        for (const auto& a : d.alternatives) visit(a.named(), def);
        break;
      case TypeDesc::Kind::Struct:
        check_struct(d, *def, union_def);
        for (const auto& f : d.fields) walk(f.type);
        break;
      case TypeDesc::Kind::Custom:
        break;
    }
  }

  void check_struct(const TypeDesc& d, const json& def, const json* union_def) {
    // Properties: the definition's, those of its anyOf branches (ImageUserInput's url), and
    // those the union declares for every alternative (ThreadItem's startedAtMs).
    json props = def.value("properties", json::object());
    if (def.contains("anyOf"))
      for (const json& branch : def["anyOf"])
        props.update(branch.value("properties", json::object()));
    if (union_def) props.update(union_def->value("properties", json::object()));
    const json required = def.value("required", json::array());
    auto is_required = [&](const std::string& n) {
      return std::find(required.begin(), required.end(), n) != required.end();
    };
    if (!d.tag.empty()) {
      const json tag_enum =
          props.contains("type") ? props["type"].value("enum", json::array()) : json::array();
      if (tag_enum != json::array({d.tag}))
        problems.push_back(d.name + ": tag \"" + d.tag + "\" is not Codex's");
    }
    std::set<std::string> ours;
    for (const auto& f : d.fields) {
      const std::string what = d.name + "." + f.name;
      ours.insert(f.name);
      if (!props.contains(f.name)) {
        problems.push_back(what + ": Codex has no such field");
        continue;
      }
      const bool nullable = allows_null(props[f.name]);
      const bool optional = f.type.kind == TypeRef::Kind::Nullable;
      const bool any = f.type.kind == TypeRef::Kind::Json;  // holds null itself
      if (optional != nullable && !any && !exception(what))
        problems.push_back(what +
                           (nullable ? ": Codex allows null" : ": Codex does not allow null"));
      if (!nullable && f.defaulted == is_required(f.name) && !exception(what))
        problems.push_back(what + (f.defaulted ? ": Codex requires it"
                                               : ": Codex does not require it (Defaulted)"));
    }
    for (const json& r : required) {
      const std::string n = r.get<std::string>();
      if (n != "type" && !ours.count(n))
        problems.push_back(d.name + "." + n + ": required by Codex, missing");
    }
  }

  static bool exception(const std::string& what) {
    static const std::set<std::string> known = {
        "AskForApproval=on-failure",  // seed-era extra, see common.h
        "ImageUserInput.url",         // Codex: url or fileId; Spool requires url
        "AudioUserInput.url",
    };
    return known.count(what) > 0;
  }

  json codex_;
  const json& v2_;
};

}  // namespace

TEST_CASE("the v2 thread/turn/item declarations match the Codex 0.169.0 definitions",
          "[protocol][v2]") {
  std::ifstream in(std::string(SPOOL_TEST_DATA) +
                   "/codex-schema/0.169.0/codex_app_server_protocol.schemas.json");
  REQUIRE(in.good());
  SchemaConformance c(json::parse(in));
  for (const TypeRef& r : {type_ref<ThreadStartParams>(),
                           type_ref<ThreadStartResponse>(),
                           type_ref<ThreadResumeParams>(),
                           type_ref<ThreadResumeResponse>(),
                           type_ref<ThreadReadParams>(),
                           type_ref<ThreadReadResponse>(),
                           type_ref<ThreadTurnsListParams>(),
                           type_ref<ThreadTurnsListResponse>(),
                           type_ref<ThreadListParams>(),
                           type_ref<ThreadListResponse>(),
                           type_ref<ThreadArchiveParams>(),
                           type_ref<ThreadArchiveResponse>(),
                           type_ref<ThreadUnarchiveParams>(),
                           type_ref<ThreadUnarchiveResponse>(),
                           type_ref<ThreadSetNameParams>(),
                           type_ref<ThreadSetNameResponse>(),
                           type_ref<ThreadDeleteParams>(),
                           type_ref<ThreadDeleteResponse>(),
                           type_ref<ThreadForkParams>(),
                           type_ref<ThreadForkResponse>(),
                           type_ref<ThreadRevertParams>(),
                           type_ref<ThreadRevertResponse>(),
                           type_ref<ThreadLoadedListParams>(),
                           type_ref<ThreadLoadedListResponse>(),
                           type_ref<ThreadUnsubscribeParams>(),
                           type_ref<ThreadUnsubscribeResponse>(),
                           type_ref<ThreadStartedNotification>(),
                           type_ref<ThreadArchivedNotification>(),
                           type_ref<ThreadUnarchivedNotification>(),
                           type_ref<ThreadDeletedNotification>(),
                           type_ref<ThreadNameUpdatedNotification>(),
                           type_ref<ThreadStatusChangedNotification>(),
                           type_ref<ThreadTokenUsageUpdatedNotification>(),
                           type_ref<ContextCompactedNotification>(),
                           type_ref<TurnStartParams>(),
                           type_ref<TurnStartResponse>(),
                           type_ref<TurnInterruptParams>(),
                           type_ref<TurnInterruptResponse>(),
                           type_ref<TurnStartedNotification>(),
                           type_ref<TurnCompletedNotification>(),
                           type_ref<ItemStartedNotification>(),
                           type_ref<ItemCompletedNotification>(),
                           type_ref<AgentMessageDeltaNotification>(),
                           type_ref<ReasoningSummaryTextDeltaNotification>(),
                           type_ref<ReasoningSummaryPartAddedNotification>(),
                           type_ref<ReasoningTextDeltaNotification>(),
                           type_ref<CommandExecutionOutputDeltaNotification>(),
                           type_ref<ErrorNotification>(),
                           type_ref<WarningNotification>(),
                           type_ref<ServerRequestResolvedNotification>()}) {
    c.walk(r);
  }
  std::string problems;
  for (const auto& p : c.problems) problems += p + "\n";
  INFO(problems);
  CHECK(c.problems.empty());
  CHECK(c.checked.size() > 100);
}
