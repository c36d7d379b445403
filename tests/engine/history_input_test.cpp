// history_input: stored v2 turns (decoded from their wire JSON) as Responses input, compared
// as Responses JSON; every function_call has exactly one output right after it.
#include "engine/history_input.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "engine/tools/shell_call.h"

using namespace spool::engine;
using nlohmann::json;
namespace v2 = spool::protocol::v2;

namespace {

std::vector<v2::Turn> turns_from(const char* text) {
  return json::parse(text).get<std::vector<v2::Turn>>();
}

json input_json(const std::vector<InputItem>& items) {
  json out = json::array();
  for (const InputItem& item : items) out.push_back(input_item_json(item));
  return out;
}

json user(const std::string& text) {
  return {{"type", "message"},
          {"role", "user"},
          {"content", json::array({{{"type", "input_text"}, {"text", text}}})}};
}
json assistant(const std::string& text) {
  return {{"type", "message"},
          {"role", "assistant"},
          {"content", json::array({{{"type", "output_text"}, {"text", text}}})}};
}
json call(const std::string& id, const json& argv) {
  return {{"type", "function_call"},
          {"call_id", id},
          {"name", "shell"},
          {"arguments", json{{"command", argv}}.dump()}};
}
json output(const std::string& id, const std::string& text) {
  return {{"type", "function_call_output"}, {"call_id", id}, {"output", text}};
}

// One turn holding one commandExecution item with the given fields over the defaults.
std::vector<v2::Turn> one_command(const json& fields) {
  json item = {{"type", "commandExecution"},
               {"id", "call_1"},
               {"command", "ls"},
               {"cwd", "/w"},
               {"status", "completed"},
               {"commandActions", json::array()},
               {"aggregatedOutput", nullptr},
               {"exitCode", nullptr},
               {"durationMs", nullptr},
               {"processId", nullptr},
               {"startedAtMs", nullptr},
               {"completedAtMs", nullptr}};
  item.update(fields);
  json turn = {{"id", "t1"}, {"items", json::array({item})}, {"status", "completed"}};
  return json::array({turn}).get<std::vector<v2::Turn>>();
}

}  // namespace

TEST_CASE("history input: a stored thread as Responses input", "[engine][history]") {
  const auto turns = turns_from(R"([
    {"id": "t1", "status": "completed", "items": [
      {"type": "userMessage", "id": "u1", "content": [
        {"type": "text", "text": "list the files"},
        {"type": "image", "url": "https://x/cat.png"},
        {"type": "localImage", "path": "/tmp/shot.png"},
        {"type": "mention", "name": "lib", "path": "/w/lib"}]},
      {"type": "reasoning", "id": "r1", "summary": ["Plan"], "content": []},
      {"type": "agentMessage", "id": "a1", "text": "Looking.", "phase": "commentary"},
      {"type": "commandExecution", "id": "call_1", "command": "ls -la", "cwd": "/w",
       "status": "completed", "commandActions": [], "aggregatedOutput": "a.txt\n",
       "exitCode": 0, "durationMs": 120},
      {"type": "commandExecution", "id": "call_2", "command": "bash -lc 'cat a.txt | wc -l'",
       "cwd": "/w", "status": "failed", "commandActions": [], "aggregatedOutput": "boom",
       "exitCode": 2, "durationMs": 1540},
      {"type": "agentMessage", "id": "a2", "text": "One file.", "phase": "final_answer"}]},
    {"id": "t2", "status": "interrupted", "items": [
      {"type": "userMessage", "id": "u2", "content": [{"type": "text", "text": "delete it"}]},
      {"type": "commandExecution", "id": "call_3", "command": "rm a.txt", "cwd": "/w",
       "status": "declined", "commandActions": []},
      {"type": "commandExecution", "id": "call_4", "command": "touch b", "cwd": "/w",
       "status": "failed", "commandActions": [],
       "aggregatedOutput": "sandbox is read-only and `touch b` may write"},
      {"type": "commandExecution", "id": "call_5", "command": "sleep 100", "cwd": "/w",
       "status": "inProgress", "commandActions": []}]}
  ])");

  const json expected = json::array({
      user("list the files\n[image: https://x/cat.png]\n[image: /tmp/shot.png]"),
      assistant("Looking."),
      call("call_1", {"ls", "-la"}),
      output("call_1", "Exit code: 0\nWall time: 0.1 seconds\nOutput:\na.txt\n"),
      call("call_2", {"bash", "-lc", "cat a.txt | wc -l"}),
      output("call_2", "Exit code: 2\nWall time: 1.5 seconds\nOutput:\nboom"),
      assistant("One file."),
      user("delete it"),
      call("call_3", {"rm", "a.txt"}),
      output("call_3", std::string(kDeclinedOutput)),
      call("call_4", {"touch", "b"}),
      output("call_4", "Command not run: sandbox is read-only and `touch b` may write"),
      call("call_5", {"sleep", "100"}),
      output("call_5", std::string(kAbortedOutput)),
  });
  CHECK(input_json(history_input(turns)) == expected);
}

TEST_CASE("history input: the command's argv", "[engine][history]") {
  struct Case {
    std::string command;
    json argv;
  };
  const Case cases[] = {
      // shell_join's form splits back exactly, operators quoted inside.
      {shell_join({"sh", "-c", "echo hi > out.txt"}), {"sh", "-c", "echo hi > out.txt"}},
      {shell_join({"echo", "it's", "", "a\nb", "é"}), {"echo", "it's", "", "a\nb", "é"}},
      {"git status", {"git", "status"}},
      // Unquoted operators or expansions: what ran was a script.
      {"ls && pwd", {"bash", "-lc", "ls && pwd"}},
      {"cat a | wc -l", {"bash", "-lc", "cat a | wc -l"}},
      {"echo $HOME", {"bash", "-lc", "echo $HOME"}},
      {"ls *.txt", {"bash", "-lc", "ls *.txt"}},
      // Does not split.
      {"echo 'unterminated", {"bash", "-lc", "echo 'unterminated"}},
      {"", {"bash", "-lc", ""}},
      {"   ", {"bash", "-lc", "   "}},
  };
  for (const Case& c : cases) {
    INFO(c.command);
    const auto items =
        history_input(one_command({{"command", c.command}, {"exitCode", 0}, {"durationMs", 1}}));
    REQUIRE(items.size() == 2);
    const auto* fc = std::get_if<FunctionCallInput>(&items[0]);
    REQUIRE(fc != nullptr);
    CHECK(fc->name == "shell");
    CHECK(json::parse(fc->arguments) == json{{"command", c.argv}});
  }
}

TEST_CASE("history input: the command's output by status", "[engine][history]") {
  struct Case {
    const char* name;
    json fields;
    std::string expected;
  };
  const Case cases[] = {
      {"completed",
       {{"exitCode", 0}, {"durationMs", 2049}, {"aggregatedOutput", "ok"}},
       "Exit code: 0\nWall time: 2.0 seconds\nOutput:\nok"},
      {"completed without exit code or duration",
       {{"aggregatedOutput", "ok"}},
       "Exit code: 0\nWall time: 0.0 seconds\nOutput:\nok"},
      {"completed without output",
       {{"exitCode", 0}, {"durationMs", 10}},
       "Exit code: 0\nWall time: 0.0 seconds\nOutput:\n"},
      {"failed with exit code",
       {{"status", "failed"},
        {"exitCode", 124},
        {"durationMs", 10000},
        {"aggregatedOutput", "x\ncommand timed out after 10000 ms"}},
       "Exit code: 124\nWall time: 10.0 seconds\nOutput:\nx\ncommand timed out after 10000 ms"},
      {"failed without exit code",
       {{"status", "failed"}, {"aggregatedOutput", "spawn: ENOENT"}},
       "Command not run: spawn: ENOENT"},
      {"failed without exit code or output", {{"status", "failed"}}, "Command not run: it failed"},
      {"failed with empty output",
       {{"status", "failed"}, {"aggregatedOutput", ""}},
       "Command not run: it failed"},
      {"declined",
       {{"status", "declined"}, {"aggregatedOutput", "ignored"}},
       std::string(kDeclinedOutput)},
      {"in progress",
       {{"status", "inProgress"}, {"aggregatedOutput", "partial"}},
       std::string(kAbortedOutput)},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const auto items = history_input(one_command(c.fields));
    REQUIRE(items.size() == 2);
    const auto* fc = std::get_if<FunctionCallInput>(&items[0]);
    const auto* out = std::get_if<FunctionCallOutputInput>(&items[1]);
    REQUIRE(fc != nullptr);
    REQUIRE(out != nullptr);
    CHECK(fc->call_id == "call_1");
    CHECK(out->call_id == "call_1");
    CHECK(out->output == c.expected);
  }
}

TEST_CASE("history input: what is left out", "[engine][history]") {
  const auto turns = turns_from(R"([
    {"id": "t1", "status": "completed", "items": [
      {"type": "userMessage", "id": "u1", "content": []},
      {"type": "userMessage", "id": "u2", "content": [{"type": "audio", "url": "https://x/a.mp3"},
                                                       {"type": "skill", "name": "s", "path": "/s"}]},
      {"type": "reasoning", "id": "r1", "summary": ["Plan"], "content": ["raw"]},
      {"type": "agentMessage", "id": "a1", "text": ""},
      {"type": "plan", "id": "p1", "text": "1. do it"},
      {"type": "fileChange", "id": "f1", "changes": [], "status": "completed"},
      {"type": "webSearch", "id": "w1", "query": "q"},
      {"type": "contextCompaction", "id": "c1"},
      {"type": "userMessage", "id": "u3", "content": [{"type": "text", "text": ""},
                                                       {"type": "text", "text": "kept"},
                                                       {"type": "text", "text": ""},
                                                       {"type": "text", "text": "too"}]}]},
    {"id": "t2", "status": "completed", "items": []}
  ])");
  // Empty text parts are left out of the join too.
  CHECK(input_json(history_input(turns)) == json::array({user("kept\ntoo")}));
  CHECK(history_input({}).empty());
}

TEST_CASE("history input: every function_call is followed by exactly its output",
          "[engine][history]") {
  json items = json::array();
  const char* statuses[] = {"completed", "failed", "declined", "inProgress"};
  for (int i = 0; i < 12; ++i) {
    items.push_back({{"type", "commandExecution"},
                     {"id", "call_" + std::to_string(i)},
                     {"command", "echo " + std::to_string(i)},
                     {"cwd", "/w"},
                     {"status", statuses[i % 4]},
                     {"commandActions", json::array()},
                     {"exitCode", i % 3 == 0 ? json(1) : json(nullptr)}});
    if (i % 5 == 0) {
      items.push_back(
          {{"type", "agentMessage"}, {"id", "msg_" + std::to_string(i)}, {"text", "x"}});
    }
  }
  const json turns = json::array({{{"id", "t"}, {"status", "completed"}, {"items", items}}});
  const auto input = history_input(turns.get<std::vector<v2::Turn>>());

  std::set<std::string> seen;
  std::size_t calls = 0;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (const auto* fc = std::get_if<FunctionCallInput>(&input[i])) {
      ++calls;
      CHECK(seen.insert(fc->call_id).second);
      REQUIRE(i + 1 < input.size());
      const auto* out = std::get_if<FunctionCallOutputInput>(&input[i + 1]);
      REQUIRE(out != nullptr);
      CHECK(out->call_id == fc->call_id);
    } else if (const auto* out = std::get_if<FunctionCallOutputInput>(&input[i])) {
      REQUIRE(i > 0);
      const auto* fc_before = std::get_if<FunctionCallInput>(&input[i - 1]);
      REQUIRE(fc_before != nullptr);
      CHECK(fc_before->call_id == out->call_id);
    }
  }
  CHECK(calls == 12);
  CHECK(input.size() == 12 * 2 + 3);
}
