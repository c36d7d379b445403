// Store::list_threads: keyset pages in each order visit every thread once (also while new
// threads arrive), filters and search, has_more, and every query served by an index.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "eventstore/list_sql.h"
#include "support/store_fixtures.h"

using namespace spool;
using namespace spool::eventstore;
using nlohmann::json;

namespace {

// Writes the list columns from a "test_meta" event's payload (the real projection hook
// lives in views/; these tests need only the columns).
class ColumnsHook final : public AppendHook {
 public:
  Result<void, std::string> after_append(const ThreadRow& thread,
                                         std::span<const StoredEvent> events,
                                         ProjectionWriter& writer) override {
    for (const StoredEvent& e : events) {
      if (e.kind != "test_meta") continue;
      const json p = json::parse(e.payload);
      ThreadSummaryColumns c;
      c.preview = p.value("preview", "");
      auto opt = [&](const char* k) -> std::optional<std::string> {
        if (!p.contains(k)) return std::nullopt;
        return p[k].get<std::string>();
      };
      c.name = opt("name");
      c.model_provider = opt("provider");
      c.source = opt("source");
      c.cwd = opt("cwd");
      writer.write_summary(thread.id, c);
    }
    return {};
  }
};

struct Meta {
  explicit Meta(std::string preview_ = "hello", std::string provider_ = "openai",
                std::string source_ = "cli", std::string cwd_ = "/w",
                std::optional<std::string> name_ = std::nullopt)
      : preview(std::move(preview_)), provider(std::move(provider_)),
        source(std::move(source_)), cwd(std::move(cwd_)), name(std::move(name_)) {}
  std::string preview;
  std::string provider;
  std::string source;
  std::string cwd;
  std::optional<std::string> name;
};

NewEvent meta_event(const Meta& m, std::int64_t ts) {
  json p = {{"preview", m.preview}, {"provider", m.provider}, {"source", m.source}, {"cwd", m.cwd}};
  if (m.name) p["name"] = *m.name;
  NewEvent e;
  e.kind = "test_meta";
  e.payload = p.dump();
  e.ts_ms = ts;
  return e;
}

struct Fixture {
  test::TempDir dir;
  ColumnsHook hook;
  std::unique_ptr<Store> store;
  Fixture() {
    StoreOptions o;
    o.synchronous = Synchronous::Normal;
    store = test::open_store(dir.file("spool.db"), o);
    store->add_hook(&hook);
  }
  void add(const std::string& id, std::int64_t ts, const Meta& m = Meta()) {
    REQUIRE(store->append(id, 0, std::vector<NewEvent>{meta_event(m, ts)}).ok());
  }
  // Many threads in one transaction.
  void add_many(const std::vector<std::tuple<std::string, std::int64_t, Meta>>& threads) {
    std::vector<AppendRequest> batch;
    for (const auto& [id, ts, m] : threads) {
      AppendRequest r;
      r.thread_id = id;
      r.expected_last_seq = 0;
      r.events.push_back(meta_event(m, ts));
      batch.push_back(std::move(r));
    }
    REQUIRE(store->append_batch(batch).ok());
  }
  ThreadListPage list(const ThreadListQuery& q) {
    auto page = store->list_threads(q);
    REQUIRE(page.ok());
    return std::move(page).value();
  }
  std::vector<std::string> ids(const ThreadListQuery& q) {
    std::vector<std::string> out;
    for (const auto& r : list(q).rows) out.push_back(r.thread.id);
    return out;
  }
};

std::int64_t key_of(const ThreadListRow& r, ThreadSortKey key) {
  return key == ThreadSortKey::CreatedAt ? r.thread.created_at_ms : r.thread.updated_at_ms;
}

std::string id_of(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "t%04d", i);
  return buf;
}

constexpr std::int64_t kT0 = 1795500000000;

}  // namespace

TEST_CASE("paging 1000 threads by 7 visits each once in every order, also while threads "
          "are added",
          "[eventstore][list]") {
  Fixture f;
  std::vector<std::tuple<std::string, std::int64_t, Meta>> threads;
  // Created times tie in groups of ten (the id breaks the ties), in an order unrelated to
  // the ids; updated times are unique (the store nudges them).
  for (int i = 0; i < 1000; ++i) threads.emplace_back(id_of((i * 379) % 1000), kT0 + (i / 10) * 1000, Meta());
  f.add_many(threads);

  int inserted = 0;  // threads added between pages so far
  for (const auto key : {ThreadSortKey::CreatedAt, ThreadSortKey::UpdatedAt}) {
    for (const auto order : {SortOrder::Descending, SortOrder::Ascending}) {
      for (const bool insert_between : {false, true}) {
        INFO("key " << static_cast<int>(key) << " order " << static_cast<int>(order)
                    << " inserting " << insert_between);
        ThreadListQuery q;
        q.sort_key = key;
        q.order = order;
        q.limit = 7;
        std::vector<std::pair<std::int64_t, std::string>> seen;
        std::map<std::string, int> visits;
        int pages = 0;
        int added = 0;
        for (;;) {
          const ThreadListPage page = f.list(q);
          ++pages;
          REQUIRE(page.rows.size() <= 7);
          for (const auto& r : page.rows) {
            seen.emplace_back(key_of(r, key), r.thread.id);
            ++visits[r.thread.id];
          }
          if (!page.has_more) break;
          REQUIRE(page.rows.size() == 7);
          q.after = ThreadListPosition{key_of(page.rows.back(), key), page.rows.back().thread.id};
          if (insert_between) {
            // New threads before, among and after the ones listed so far.
            const std::int64_t at = kT0 + ((added * 37) % 120) * 1000;
            f.add("new-" + std::to_string(added) + "-" + std::to_string(static_cast<int>(key)) +
                      std::to_string(static_cast<int>(order)),
                  at);
            ++added;
          }
        }
        for (int i = 0; i < 1000; ++i) {
          INFO(id_of(i));
          CHECK(visits[id_of(i)] == 1);
        }
        for (const auto& [id, n] : visits) CHECK(n == 1);
        if (!insert_between) {  // every thread there is, the ones earlier rounds added too
          const std::size_t total = 1000 + static_cast<std::size_t>(inserted);
          CHECK(seen.size() == total);
          CHECK(pages == static_cast<int>((total + 6) / 7));
        }
        inserted += added;
        // Strictly in the order asked for, ties broken by id the same way.
        for (std::size_t i = 1; i < seen.size(); ++i) {
          if (order == SortOrder::Descending) {
            CHECK(seen[i] < seen[i - 1]);
          } else {
            CHECK(seen[i - 1] < seen[i]);
          }
        }
      }
    }
  }
}

TEST_CASE("has_more is false on a page that ends exactly at the last thread", "[eventstore][list]") {
  Fixture f;
  for (int i = 0; i < 14; ++i) f.add(id_of(i), kT0 + i * 1000);
  ThreadListQuery q;
  q.limit = 7;
  auto first = f.list(q);
  REQUIRE(first.rows.size() == 7);
  CHECK(first.has_more);
  q.after = ThreadListPosition{first.rows.back().thread.updated_at_ms, first.rows.back().thread.id};
  auto second = f.list(q);
  REQUIRE(second.rows.size() == 7);
  CHECK_FALSE(second.has_more);
  CHECK(second.rows.back().thread.id == id_of(0));
  q.after = ThreadListPosition{second.rows.back().thread.updated_at_ms, second.rows.back().thread.id};
  auto third = f.list(q);
  CHECK(third.rows.empty());
  CHECK_FALSE(third.has_more);

  q = {};
  q.limit = 14;
  CHECK(f.list(q).rows.size() == 14);
  CHECK_FALSE(f.list(q).has_more);
  q.limit = 13;
  CHECK(f.list(q).has_more);
  q.limit = 0;
  auto bad = f.store->list_threads(q);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == StoreErrorCode::InvalidArgument);
}

TEST_CASE("filters: providers, sources, cwds, archived, empty previews", "[eventstore][list]") {
  Fixture f;
  f.add("a", kT0 + 1000, Meta("alpha", "openai", "cli", "/w"));
  f.add("b", kT0 + 2000, Meta("beta", "anthropic", "vscode", "/w"));
  f.add("c", kT0 + 3000, Meta("gamma", "ollama", "cli", "/x"));
  f.add("d", kT0 + 4000, Meta("delta", "openai", "exec", "/x"));
  f.add("empty", kT0 + 5000, Meta("", "openai", "cli", "/w"));
  f.add("gone", kT0 + 6000, Meta("archived one", "openai", "cli", "/w"));
  NewEvent archive;
  archive.kind = "spool";
  archive.type = "thread_archived";
  archive.payload = R"({"type":"thread_archived"})";
  REQUIRE(f.store->append("gone", std::nullopt, std::vector<NewEvent>{archive}).ok());

  using V = std::vector<std::string>;
  ThreadListQuery q;
  CHECK(f.ids(q) == V{"d", "c", "b", "a"});
  q.include_empty = true;
  CHECK(f.ids(q) == V{"empty", "d", "c", "b", "a"});
  q.include_empty = false;
  q.model_providers = {"openai", "ollama"};
  CHECK(f.ids(q) == V{"d", "c", "a"});
  q.sources = {"cli"};
  CHECK(f.ids(q) == V{"c", "a"});
  q.cwds = {"/x"};
  CHECK(f.ids(q) == V{"c"});
  q = {};
  q.cwds = {"/w"};
  q.order = SortOrder::Ascending;
  CHECK(f.ids(q) == V{"a", "b"});
  q = {};
  q.archived = true;
  CHECK(f.ids(q) == V{"gone"});
  q.model_providers = {"anthropic"};
  CHECK(f.ids(q).empty());
}

TEST_CASE("search is a case-insensitive substring of preview or name, wildcards literal",
          "[eventstore][list]") {
  Fixture f;
  f.add("pct", kT0 + 1000, Meta("We are 100% done"));
  f.add("nopct", kT0 + 2000, Meta("We are 100 done"));
  f.add("under", kT0 + 3000, Meta("rename snake_case"));
  f.add("nounder", kT0 + 4000, Meta("rename snakeXcase"));
  f.add("slash", kT0 + 5000, Meta("a back\\slash here"));
  f.add("named", kT0 + 6000, Meta("plain", "openai", "cli", "/w", "Special Name"));

  using V = std::vector<std::string>;
  ThreadListQuery q;
  auto search = [&](const std::string& term) {
    q.search_term = term;
    auto ids = f.ids(q);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  CHECK(search("100%") == V{"pct"});
  CHECK(search("100") == V{"nopct", "pct"});
  CHECK(search("e_c") == V{"under"});
  CHECK(search("SNAKE") == V{"nounder", "under"});
  CHECK(search("%") == V{"pct"});
  CHECK(search("_") == V{"under"});
  CHECK(search("k\\s") == V{"slash"});
  CHECK(search("\\") == V{"slash"});
  CHECK(search("special name") == V{"named"});
  CHECK(search("PLAIN") == V{"named"});
  CHECK(search("nothing like it").empty());
}

TEST_CASE("every list order and filter is served by an index on threads", "[eventstore][list]") {
  Fixture f;
  for (int i = 0; i < 50; ++i) f.add(id_of(i), kT0 + i * 1000);
  SQLite::Database db(f.dir.file("spool.db"), SQLite::OPEN_READONLY);
  auto plan = [&](const ThreadListQuery& q) {
    const auto list = detail::list_sql(q);
    SQLite::Statement st(db, "EXPLAIN QUERY PLAN " + list.sql);
    int i = 1;
    for (const auto& p : list.params) {
      if (const auto* n = std::get_if<std::int64_t>(&p)) {
        st.bind(i++, *n);
      } else {
        st.bind(i++, std::get<std::string>(p));
      }
    }
    std::string out;
    while (st.executeStep()) out += st.getColumn(3).getString() + "\n";
    return out;
  };
  auto uses_index = [](const std::string& p) {
    return p.find("threads USING INDEX") != std::string::npos &&
           p.find("SCAN threads\n") == std::string::npos;
  };

  ThreadListQuery created_desc;
  created_desc.sort_key = ThreadSortKey::CreatedAt;
  ThreadListQuery updated_desc;
  ThreadListQuery provider;
  provider.model_providers = {"openai"};
  ThreadListQuery archived;
  archived.archived = true;
  for (ThreadListQuery* q : {&created_desc, &updated_desc, &provider, &archived}) {
    for (const bool paged : {false, true}) {
      if (paged) q->after = ThreadListPosition{kT0 + 25000, id_of(25)};
      const std::string p = plan(*q);
      INFO(p);
      CHECK(p.find("SEARCH threads USING INDEX") != std::string::npos);
      CHECK(p.find("SCAN threads") == std::string::npos);
      CHECK(p.find("TEMP B-TREE") == std::string::npos);  // the index gives the order
    }
  }

  // Every combination: never a table scan.
  for (const auto key : {ThreadSortKey::CreatedAt, ThreadSortKey::UpdatedAt}) {
    for (const auto order : {SortOrder::Descending, SortOrder::Ascending}) {
      for (int filters = 0; filters < 64; ++filters) {
        ThreadListQuery q;
        q.sort_key = key;
        q.order = order;
        q.archived = filters & 1;
        q.include_empty = filters & 2;
        if (filters & 4) q.model_providers = {"openai", "ollama"};
        if (filters & 8) q.sources = {"cli"};
        if (filters & 16) q.cwds = {"/w", "/x"};
        if (filters & 32) q.search_term = "x";
        for (const bool paged : {false, true}) {
          if (paged) q.after = ThreadListPosition{kT0, "t0001"};
          const std::string p = plan(q);
          INFO(p);
          CHECK(uses_index(p));
        }
      }
    }
  }
}
