// served_turns_text splices stored item texts into their turns; it must serve exactly what
// served_turns (parse, adjust, rebuild) serves.
#include "views/served_history.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using nlohmann::json;
using spool::eventstore::HistoryTurnRow;

namespace {

// A stored turn row as the projection hook writes it: the turn dumped with "items":[].
HistoryTurnRow row(const std::string& id, const std::string& status, json error,
                   std::vector<json> items) {
  HistoryTurnRow r;
  r.turn_id = id;
  r.turn_json = json{{"id", id},
                     {"items", json::array()},
                     {"status", status},
                     {"error", std::move(error)},
                     {"startedAt", 1764000000},
                     {"completedAt", nullptr},
                     {"durationMs", nullptr}}
                    .dump();
  for (const auto& item : items) r.items.emplace_back(item.value("id", ""), item.dump());
  return r;
}

}  // namespace

TEST_CASE("served turns as text equal the parsed served turns", "[views]") {
  const json tricky_error = {{"message", R"(a string holding "items":[] and "status":"inProgress")"},
                             {"codexErrorInfo", {{"items", json::array()}}},
                             {"additionalDetails", nullptr}};
  std::vector<HistoryTurnRow> rows = {
      row("t1", "completed", nullptr,
          {json{{"id", "u1"}, {"type", "userMessage"}, {"content", {{{"type", "text"}, {"text", "\"items\":[]"}}}}},
           json{{"id", "a1"}, {"type", "agentMessage"}, {"text", "h\u00e9llo \u2603"}}}),
      row("t2", "inProgress", nullptr, {json{{"id", "a2"}, {"type", "agentMessage"}, {"text", "x"}}}),
      row("t3", "failed", tricky_error, {}),
      row("t4", "inProgress", nullptr, {json{{"id", "c4"}, {"type", "commandExecution"}}}),
  };
  for (const bool running : {false, true}) {
    INFO("running " << running);
    const json parsed = spool::views::served_turns(rows, running);
    const std::string text = spool::views::served_turns_text(rows, running);
    CHECK(json::parse(text) == parsed);
    // A turn that stopped being run is served as interrupted; the running last one is not.
    CHECK(parsed[1]["status"] == "interrupted");
    CHECK(parsed[3]["status"] == (running ? "inProgress" : "interrupted"));
    CHECK(parsed[0]["items"].size() == 2);
    CHECK(parsed[2]["error"]["codexErrorInfo"]["items"] == json::array());
  }
  CHECK(spool::views::served_turns_text({}, false) == "[]");
}

TEST_CASE("a stored turn without its items member is an error, not a wrong answer", "[views]") {
  HistoryTurnRow r;
  r.turn_id = "t1";
  r.turn_json = R"({"id":"t1","status":"completed"})";
  CHECK_THROWS_WITH(spool::views::served_turns_text({r}, false),
                    Catch::Contains("has no \"items\":[] member"));
}
