// Forks: a fork's history and summary begin with its parent's lineage (referenced, not
// copied), live appends and a rebuild give the same rows, forks of forks, forks_of,
// read_lineage, and what delete_thread does with parents. Also list_turns pages.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <set>

#include <fstream>
#include <sstream>

#include "eventstore/rollout_exporter.h"
#include "eventstore/rollout_importer.h"
#include "protocol/codec.h"
#include "support/store_fixtures.h"
#include "support/stored_history.h"
#include "views/attach.h"
#include "views/thread_mapping.h"

using namespace spool;
using namespace spool::eventstore;
using nlohmann::json;
using spool::test::stored_history;

namespace {

constexpr std::int64_t kT0 = 1795500000000;

struct Fixture {
  test::TempDir dir;
  std::unique_ptr<Store> store;
  std::int64_t clock = kT0;
  Fixture() {
    StoreOptions o;
    o.synchronous = Synchronous::Normal;
    store = test::open_store(dir.file("spool.db"), o);
    views::attach_projections(*store);
  }
  // Appends with increasing event times; returns the last seq.
  std::int64_t append(const std::string& thread, std::vector<NewEvent> events) {
    for (auto& e : events) e.ts_ms = clock += 1000;
    auto r = store->append(thread, std::nullopt, events);
    if (!r) FAIL("append to " << thread << ": " << r.error().message);
    return r->last_seq;
  }
  StoreError append_fails(const std::string& thread, std::vector<NewEvent> events) {
    auto r = store->append(thread, std::nullopt, events);
    REQUIRE_FALSE(r.ok());
    return r.error();
  }
  json summary(const std::string& thread) {
    auto r = store->thread_summary(thread);
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    return protocol::to_json_value(views::to_v2_thread(**r));
  }
  std::vector<std::pair<std::string, std::int64_t>> lineage(const std::string& thread) {
    std::vector<std::pair<std::string, std::int64_t>> out;
    auto n = store->read_lineage(thread, [&](const StoredEvent& e) {
      out.emplace_back(e.thread_id, e.seq);
      return true;
    });
    REQUIRE(n.ok());
    CHECK(n.value() == static_cast<std::int64_t>(out.size()));
    return out;
  }
};

json first_turns(const json& history, std::size_t n) {
  json out = json::array();
  for (std::size_t i = 0; i < n && i < history.size(); ++i) out.push_back(history[i]);
  return out;
}

NewEvent event(std::string kind, std::optional<std::string> type, std::string payload) {
  NewEvent e;
  e.kind = std::move(kind);
  e.type = std::move(type);
  e.payload = std::move(payload);
  return e;
}

std::set<std::string> item_ids(const json& history) {
  std::set<std::string> ids;
  std::size_t n = 0;
  for (const auto& t : history) {
    for (const auto& i : t["items"]) {
      ids.insert(i["id"].get<std::string>());
      ++n;
    }
  }
  CHECK(ids.size() == n);  // unique within the thread
  return ids;
}

std::vector<std::pair<std::string, std::int64_t>> seqs(const std::string& thread,
                                                       std::int64_t from, std::int64_t to) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (std::int64_t s = from; s <= to; ++s) out.emplace_back(thread, s);
  return out;
}

template <typename T>
std::vector<T> operator+(std::vector<T> a, const std::vector<T>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A parent with 3 turns: session_meta (1), turn_context (2), turns at seqs 3-6, 7-10, 11-14.
void make_parent(Fixture& f, const std::string& id) {
  f.append(id, {test::session_meta(id, R"("cwd":"/parent","model_provider":"openai","source":"cli")"),
                event("turn_context", std::nullopt,
                         R"({"cwd":"/parent","model":"parent-model","approval_policy":"never"})")});
  f.append(id, test::turn("p1", "first question", "first answer"));
  f.append(id, test::turn("p2", "second question", "second answer"));
  REQUIRE(f.append(id, test::turn("p3", "third question", "third answer")) == 14);
}

}  // namespace

TEST_CASE("a fork's history begins with its parent's turns and then goes its own way",
          "[views][fork]") {
  Fixture f;
  make_parent(f, "parent");
  const json parent_history = stored_history(*f.store, "parent");
  REQUIRE(parent_history.size() == 3);

  // The fork through turn 2 (the parent's seq 10).
  f.append("fork", {test::session_meta("fork", R"("cwd":"/fork","model_provider":"ollama","forked_from_id":"parent")"),
                    test::thread_forked("parent", 10)});
  const json forked = stored_history(*f.store, "fork");
  CHECK(forked == first_turns(parent_history, 2));  // same turns, same item ids
  CHECK(forked[0]["id"] == "p1");
  CHECK(forked[1]["items"][0]["id"] == parent_history[1]["items"][0]["id"]);

  json s = f.summary("fork");
  CHECK(s["id"] == "fork");
  CHECK(s["preview"] == "first question");  // the parent's first user message
  CHECK(s["cwd"] == "/fork");               // its own session_meta, not the parent's
  CHECK(s["modelProvider"] == "ollama");
  CHECK(s["forkedFromId"] == "parent");

  CHECK(f.store->forks_of("parent").value() == std::vector<std::string>{"fork"});
  CHECK(f.store->forks_of("fork").value().empty());

  // The fork's own turn 3'.
  f.append("fork", {event("turn_context", std::nullopt, R"({"cwd":"/fork","model":"fork-model"})")});
  f.append("fork", test::turn("f3", "another third", "another answer"));
  const json fork_history = stored_history(*f.store, "fork");
  REQUIRE(fork_history.size() == 3);
  CHECK(first_turns(fork_history, 2) == first_turns(parent_history, 2));
  CHECK(fork_history[2]["id"] == "f3");
  CHECK(fork_history[2]["items"][0]["content"][0]["text"] == "another third");
  const auto fork_ids = item_ids(fork_history);
  CHECK(fork_ids.size() == 6);  // the fork's own ids do not collide with the parent's
  CHECK(f.summary("fork")["preview"] == "first question");

  // The parent goes on; the fork does not change.
  f.append("parent", test::turn("p4", "fourth question", "fourth answer"));
  CHECK(stored_history(*f.store, "parent").size() == 4);
  CHECK(stored_history(*f.store, "fork") == fork_history);

  CHECK(f.lineage("fork") == seqs("parent", 1, 10) + seqs("fork", 1, 7));
  CHECK(f.lineage("parent") == seqs("parent", 1, 18));
  CHECK(f.lineage("unknown").empty());

  // A fork of the fork, through its turn 3'.
  f.append("grandchild", {test::session_meta("grandchild", R"("cwd":"/g")"),
                          test::thread_forked("fork", 7)});
  CHECK(stored_history(*f.store, "grandchild") == fork_history);
  CHECK(f.summary("grandchild")["forkedFromId"] == "fork");
  CHECK(f.lineage("grandchild") ==
        seqs("parent", 1, 10) + seqs("fork", 1, 7) + seqs("grandchild", 1, 2));
  f.append("grandchild", test::turn("g4", "fourth of the grandchild", "ok"));
  const json grandchild_history = stored_history(*f.store, "grandchild");
  REQUIRE(grandchild_history.size() == 4);
  item_ids(grandchild_history);
  // A fork through only the parent's session_meta has none of its turns.
  f.append("early", {test::session_meta("early"), test::thread_forked("parent", 1)});
  CHECK(stored_history(*f.store, "early").empty());
  CHECK(f.summary("early")["preview"] == "");

  SECTION("a rebuild gives the rows the appends made") {
    std::map<std::string, std::pair<json, json>> live;
    for (const char* id : {"parent", "fork", "grandchild", "early"})
      live[id] = {f.summary(id), stored_history(*f.store, id)};
    REQUIRE(f.store->rebuild_projections().value() == 4);
    for (const auto& [id, rows] : live) {
      INFO(id);
      CHECK(f.summary(id) == rows.first);
      CHECK(stored_history(*f.store, id) == rows.second);
    }
  }

  SECTION("a parent with forks cannot be deleted until its forks are") {
    auto r = f.store->delete_thread("parent");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == StoreErrorCode::Conflict);
    CHECK_THAT(r.error().message, Catch::Contains("early") && Catch::Contains("fork"));
    r = f.store->delete_thread("fork");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == StoreErrorCode::Conflict);
    CHECK_THAT(r.error().message, Catch::Contains("grandchild"));
    CHECK(stored_history(*f.store, "fork") == fork_history);  // nothing was deleted

    for (const char* id : {"grandchild", "fork", "early", "parent"}) {
      INFO(id);
      REQUIRE(f.store->delete_thread(id).ok());
      CHECK_FALSE(f.store->thread(id).value().has_value());
      CHECK(stored_history(*f.store, id).empty());
    }
    CHECK(f.store->forks_of("parent").value().empty());
    CHECK(f.store->stats()->events == 0);
    CHECK(f.store->integrity_check().value() == "ok");
  }
}

TEST_CASE("a fork event must name an existing parent's seq, once, without a cycle",
          "[views][fork]") {
  Fixture f;
  make_parent(f, "parent");
  f.append("fork", {test::session_meta("fork"), test::thread_forked("parent", 6)});

  for (const auto& [thread, event] : std::vector<std::pair<std::string, NewEvent>>{
           {"x", test::thread_forked("missing", 1)},
           {"x", test::thread_forked("parent", 15)},
           {"x", test::thread_forked("parent", 0)},
           {"x", test::thread_forked("x", 1)},
           {"fork", test::thread_forked("parent", 2)},   // a second fork event
           {"parent", test::thread_forked("fork", 2)},   // a cycle
           {"x", event("spool", "thread_forked", R"({"type":"thread_forked"})")}}) {
    INFO(thread << " " << event.payload);
    const StoreError e = f.append_fails(thread, {test::session_meta(thread), event});
    CHECK(e.code == StoreErrorCode::InvalidEvent);
    CHECK_THAT(e.message, Catch::Contains(thread) && Catch::Contains("thread_forked"));
  }
  CHECK_FALSE(f.store->thread("x").value().has_value());
  CHECK(f.store->forks_of("parent").value() == std::vector<std::string>{"fork"});
  CHECK(f.store->forks_of("fork").value().empty());
}

TEST_CASE("a fork made in one append equals one made piece by piece", "[views][fork]") {
  Fixture f;
  make_parent(f, "parent");
  std::vector<NewEvent> all{test::session_meta("whole"), test::thread_forked("parent", 10)};
  for (auto& e : test::turn("w3", "own", "own answer")) all.push_back(e);
  f.append("whole", all);
  f.append("pieces", {test::session_meta("pieces")});
  f.append("pieces", {test::thread_forked("parent", 10)});
  for (auto& e : test::turn("w3", "own", "own answer")) f.append("pieces", {e});
  json whole = stored_history(*f.store, "whole");
  json pieces = stored_history(*f.store, "pieces");
  REQUIRE(whole.size() == 3);
  // Event times differ (the fixture's clock): compare the shape and ids.
  for (json* h : {&whole, &pieces}) {
    for (auto& t : *h) {
      for (const char* k : {"startedAt", "completedAt", "durationMs"}) t.erase(k);
      for (auto& i : t["items"]) {
        i.erase("startedAtMs");
        i.erase("completedAtMs");
      }
    }
  }
  CHECK(whole == pieces);
}

TEST_CASE("list_turns pages the history either way", "[views][turns]") {
  Fixture f;
  f.append("t", {test::session_meta("t")});
  for (int i = 0; i < 10; ++i)
    f.append("t", test::turn("turn" + std::to_string(i), "q" + std::to_string(i), "a"));
  const json history = stored_history(*f.store, "t");
  REQUIRE(history.size() == 10);

  for (const auto order : {SortOrder::Ascending, SortOrder::Descending}) {
    INFO(static_cast<int>(order));
    TurnPageQuery q;
    q.order = order;
    q.limit = 4;
    std::vector<std::int64_t> ordinals;
    std::vector<bool> more;
    for (;;) {
      auto page = f.store->list_turns("t", q);
      REQUIRE(page.ok());
      more.push_back(page->has_more);
      for (const auto& [ordinal, turn] : page->turns) {
        ordinals.push_back(ordinal);
        json j = json::parse(turn.turn_json);
        for (const auto& [id, item] : turn.items) j["items"].push_back(json::parse(item));
        CHECK(j == history[static_cast<std::size_t>(ordinal)]);
      }
      if (!page->has_more) break;
      q.after_ordinal = page->turns.back().first;
    }
    CHECK(more == std::vector<bool>{true, true, false});
    std::vector<std::int64_t> expected{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    if (order == SortOrder::Descending) std::reverse(expected.begin(), expected.end());
    CHECK(ordinals == expected);
  }
  TurnPageQuery exact;
  exact.limit = 10;
  auto page = f.store->list_turns("t", exact);
  CHECK(page->turns.size() == 10);
  CHECK_FALSE(page->has_more);
  exact.after_ordinal = 9;
  const auto past_end = f.store->list_turns("t", exact);
  CHECK(past_end->turns.empty());
  const auto unknown = f.store->list_turns("unknown", {});
  CHECK(unknown->turns.empty());
  exact.limit = 0;
  const auto bad = f.store->list_turns("t", exact);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == StoreErrorCode::InvalidArgument);
}

TEST_CASE("a fork exports as Codex writes a fork: its session_meta, the inherited lines, its own",
          "[views][fork][export]") {
  Fixture f;
  make_parent(f, "parent");
  f.append("fork", {test::session_meta("fork", R"("cwd":"/fork","model_provider":"openai","forked_from_id":"parent")"),
                    test::thread_forked("parent", 10)});
  f.append("fork", test::turn("f3", "another third", "another answer"));

  std::ostringstream out;
  auto lines = export_thread(*f.store, "fork", out);
  REQUIRE(lines.ok());
  std::vector<json> rollout;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) rollout.push_back(json::parse(line));
  REQUIRE(static_cast<std::int64_t>(rollout.size()) == lines.value());
  REQUIRE(rollout.size() > 2);
  CHECK(rollout[0]["type"] == "session_meta");
  CHECK(rollout[0]["payload"]["id"] == "fork");
  std::size_t metas = 0;
  for (const auto& l : rollout) {
    if (l["type"] == "session_meta") ++metas;
    CHECK(l["type"] != "spool");
  }
  CHECK(metas == 1);  // the parent's session_meta is not repeated

  // Imported elsewhere, the rollout gives the same turns and messages.
  test::TempDir other;
  auto copy = test::open_store(other.file("copy.db"));
  views::attach_projections(*copy);
  const auto file = other.file("rollout-fork.jsonl");
  {
    std::ofstream o(file);
    o << out.str();
  }
  RolloutImporter(*copy).import_path(file);
  const json original = stored_history(*f.store, "fork");
  const json imported = stored_history(*copy, "fork");
  REQUIRE(imported.size() == original.size());
  for (std::size_t i = 0; i < original.size(); ++i) {
    CHECK(imported[i]["id"] == original[i]["id"]);
    REQUIRE(imported[i]["items"].size() == original[i]["items"].size());
    CHECK(imported[i]["items"][0]["content"] == original[i]["items"][0]["content"]);
  }
}
