// The projections kept in the database: live-maintained rows (list and history) equal
// rebuilt ones and do not depend on how events were batched, previews match what the
// Codex CLI listed for the same threads, updated times never tie.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

#include "bench/corpus_generator.h"
#include "eventstore/rollout_importer.h"
#include "eventstore/rollout_line.h"
#include "protocol/codec.h"
#include "support/store_fixtures.h"
#include "support/stored_history.h"
#include "views/attach.h"
#include "views/thread_mapping.h"

using namespace spool;
using nlohmann::json;
using spool::test::stored_history;

namespace {

std::unique_ptr<eventstore::Store> projected_store(const std::string& path) {
  auto s = test::open_store(path);
  views::attach_projections(*s);
  return s;
}

// Every thread's list row, as v2 JSON, by id.
std::map<std::string, json> all_rows(eventstore::Store& s) {
  std::map<std::string, json> out;
  for (bool archived : {false, true}) {
    eventstore::ThreadListQuery q;
    q.archived = archived;
    q.include_empty = true;
    q.limit = 1000000;
    auto rows = s.list_threads(q);
    REQUIRE(rows.ok());
    REQUIRE_FALSE(rows->has_more);
    for (const auto& r : rows->rows) {
      json j = protocol::to_json_value(views::to_v2_thread(r));
      j["archived"] = r.thread.archived_at_ms.has_value();
      out[r.thread.id] = j;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("live projections equal rebuilt ones on the fixtures and a generated corpus",
          "[views]") {
  test::TempDir dir;
  bench::CorpusOptions corpus;
  corpus.threads = 40;
  corpus.turns = 3;
  corpus.big_thread_turns = 30;
  corpus.out = dir.path() / "corpus";
  REQUIRE(bench::generate_corpus(corpus).ok());

  auto store = projected_store(dir.file("spool.db"));
  eventstore::RolloutImporter importer(*store);
  importer.import_codex_home(std::string(SPOOL_TEST_DATA) + "/codex-0.169.0/codex_home");
  importer.import_codex_home(std::string(SPOOL_TEST_DATA) + "/codex-0.60.1/codex_home");
  importer.import_codex_home(corpus.out);
  REQUIRE(importer.report().files_failed == 0);

  const auto live = all_rows(*store);
  REQUIRE(live.size() == 8 + 41);
  std::map<std::string, json> live_history;
  std::size_t items = 0;
  for (const auto& [id, _] : live) {
    live_history[id] = stored_history(*store, id);
    for (const auto& t : live_history[id]) items += t["items"].size();
  }
  CHECK(items > 8 * 41);

  auto n = store->rebuild_projections();
  REQUIRE(n.ok());
  CHECK(n.value() == 49);
  const auto rebuilt = all_rows(*store);
  for (const auto& [id, row] : live) {
    INFO(id);
    CHECK(rebuilt.at(id) == row);
    CHECK(stored_history(*store, id) == live_history[id]);
  }
}

TEST_CASE("appending a thread's events one at a time gives the history of one import",
          "[views]") {
  const std::string file = std::string(SPOOL_TEST_DATA) +
                           "/codex-0.169.0/codex_home/sessions/2026/11/24/"
                           "rollout-2026-11-24T06-18-41-01a20c34-df29-7a10-bf06-4abfc2a67fc2.jsonl";
  const std::string id = "01a20c34-df29-7a10-bf06-4abfc2a67fc2";
  test::TempDir dir;
  auto whole = projected_store(dir.file("whole.db"));
  eventstore::RolloutImporter(*whole).import_path(file);
  auto piecewise = projected_store(dir.file("piecewise.db"));
  std::ifstream in(file);
  std::int64_t seq = 0;
  for (std::string l; std::getline(in, l);) {
    auto e = eventstore::parse_rollout_line(l);
    REQUIRE(e.ok());
    REQUIRE(piecewise->append(id, seq++, std::vector<eventstore::NewEvent>{e.value()}).ok());
  }
  const json expected = stored_history(*whole, id);
  CHECK(expected.size() == 3);
  CHECK(stored_history(*piecewise, id) == expected);
  CHECK(all_rows(*piecewise).at(id) == all_rows(*whole).at(id));
}

TEST_CASE("previews and providers match what the Codex CLI listed for the same threads",
          "[views]") {
  test::TempDir dir;
  auto store = projected_store(dir.file("spool.db"));
  eventstore::RolloutImporter importer(*store);
  importer.import_codex_home(std::string(SPOOL_TEST_DATA) + "/codex-0.169.0/codex_home");
  const auto rows = all_rows(*store);

  // Codex's own thread/list answers in the wire transcript.
  std::map<std::string, json> codex;
  std::ifstream in(std::string(SPOOL_TEST_DATA) + "/codex-0.169.0/wire-transcript.jsonl");
  for (std::string l; std::getline(in, l);) {
    const json rec = json::parse(l);
    if (!rec.contains("msg") || rec["from"] != "server") continue;
    const json& msg = rec["msg"];
    if (!msg.contains("result") || !msg["result"].is_object() || !msg["result"].contains("data"))
      continue;
    for (const auto& t : msg["result"]["data"]) codex[t["id"]] = t;
  }
  REQUIRE_FALSE(codex.empty());
  int compared = 0;
  for (const auto& [id, theirs] : codex) {
    if (!rows.count(id)) continue;
    INFO(id);
    const json& ours = rows.at(id);
    CHECK(ours["preview"] == theirs["preview"]);
    CHECK(ours["modelProvider"] == theirs["modelProvider"]);
    CHECK(ours["cwd"] == theirs["cwd"]);
    CHECK(ours["cliVersion"] == theirs["cliVersion"]);
    CHECK(ours["createdAt"] == theirs["createdAt"]);
    ++compared;
  }
  CHECK(compared >= 2);
}

TEST_CASE("threads with no user message are left out of the default list", "[views]") {
  test::TempDir dir;
  auto store = projected_store(dir.file("spool.db"));
  std::vector<eventstore::NewEvent> meta{test::event_msg("token_count")};
  REQUIRE(store->append("quiet", 0, meta).ok());
  REQUIRE(store->append("talky", 0, std::vector<eventstore::NewEvent>{
                                        test::event_msg("user_message", "\"message\":\"hi\"")})
              .ok());
  eventstore::ThreadListQuery q;
  auto rows = store->list_threads(q);
  REQUIRE(rows.ok());
  REQUIRE(rows->rows.size() == 1);
  CHECK(rows->rows.front().thread.id == "talky");
  q.include_empty = true;
  CHECK(store->list_threads(q)->rows.size() == 2);
}

TEST_CASE("updated times are unique per database, so the list never ties", "[views]") {
  test::TempDir dir;
  auto store = projected_store(dir.file("spool.db"));
  for (int i = 0; i < 20; ++i) {
    auto e = test::event_msg("user_message", "\"message\":\"same time\"");
    e.ts_ms = 1795501123540;
    REQUIRE(store->append("t" + std::to_string(i), 0, std::vector<eventstore::NewEvent>{e}).ok());
  }
  eventstore::ThreadListQuery q;
  q.limit = 100;
  auto rows = store->list_threads(q);
  REQUIRE(rows.ok());
  std::set<std::int64_t> times;
  for (const auto& r : rows->rows) times.insert(r.thread.updated_at_ms);
  CHECK(times.size() == 20);
  CHECK(*times.begin() == 1795501123540);
}

// The hook keeps recent threads' folds in memory (views/projection_hook.h); these are the
// cases where what it holds is not the thread's latest state.
TEST_CASE("two connections appending to one thread in turn keep the rows exact", "[views][cache]") {
  test::TempDir dir;
  const auto path = dir.file("spool.db");
  auto a = projected_store(path);
  auto b = projected_store(path);  // another connection (another process, in real life)
  REQUIRE(a->append("t", std::nullopt, std::vector{test::session_meta("t")}).ok());
  for (int i = 0; i < 6; ++i) {
    auto& s = i % 2 == 0 ? *a : *b;  // each sees the other's appends only in the database
    const auto id = "turn-" + std::to_string(i);
    REQUIRE(s.append("t", std::nullopt, test::turn(id, "question " + std::to_string(i), "answer")).ok());
  }
  const json live = stored_history(*a, "t");
  REQUIRE(live.size() == 6);
  for (std::size_t i = 0; i < live.size(); ++i) CHECK(live[i]["id"] == "turn-" + std::to_string(i));
  const auto rows = all_rows(*a);

  auto fresh = projected_store(path);
  REQUIRE(fresh->rebuild_projections().ok());
  CHECK(stored_history(*fresh, "t") == live);
  CHECK(all_rows(*fresh) == rows);
}

namespace {
// Fails every append after the projection hook has run, so the transaction rolls back.
struct FailingHook final : eventstore::AppendHook {
  bool fail = false;
  Result<void, std::string> after_append(const eventstore::ThreadRow&,
                                         std::span<const eventstore::StoredEvent>,
                                         eventstore::ProjectionWriter&) override {
    if (fail) return std::string("refused by the test");
    return {};
  }
};
}  // namespace

TEST_CASE("an append rolled back after the hook ran leaves no trace in the rows", "[views][cache]") {
  test::TempDir dir;
  auto s = projected_store(dir.file("spool.db"));
  FailingHook failing;
  s->add_hook(&failing);  // runs after the projection hook
  REQUIRE(s->append("t", std::nullopt, std::vector{test::session_meta("t")}).ok());
  REQUIRE(s->append("t", std::nullopt, test::turn("one", "first", "answer")).ok());
  failing.fail = true;
  CHECK_FALSE(s->append("t", std::nullopt, test::turn("lost", "never stored", "no")).ok());
  failing.fail = false;
  REQUIRE(s->append("t", std::nullopt, test::turn("two", "second", "answer")).ok());

  const json live = stored_history(*s, "t");
  REQUIRE(live.size() == 2);
  CHECK(live[0]["id"] == "one");
  CHECK(live[1]["id"] == "two");
  auto fresh = projected_store(dir.file("spool.db"));
  REQUIRE(fresh->rebuild_projections().ok());
  CHECK(stored_history(*fresh, "t") == live);
}
