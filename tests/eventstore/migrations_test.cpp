#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <cstring>
#include <string>

#include "eventstore/migrations.h"
#include "eventstore/store.h"
#include "support/store_fixtures.h"

using namespace spool;
using namespace spool::eventstore;

TEST_CASE("migrations are named NNNN_name.sql, dense from 0001", "[eventstore][migrations]") {
  const auto& all = all_migrations();
  REQUIRE_FALSE(all.empty());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const std::string expected_prefix = fmt::format("{:04}_", i + 1);
    INFO(all[i].name);
    CHECK(std::string(all[i].name).rfind(expected_prefix, 0) == 0);
    CHECK(std::string(all[i].name).ends_with(".sql"));
    CHECK(std::strlen(all[i].sql) > 0);
  }
  CHECK(binary_schema_version() == static_cast<int>(all.size()));
}

TEST_CASE("a fresh database is migrated to the binary's version", "[eventstore][migrations]") {
  test::TempDir dir;
  const std::string path = dir.file("spool.db");
  {
    auto store = test::open_store(path);
    auto stats = store->stats();
    REQUIRE(stats.ok());
    CHECK(stats->schema_version == binary_schema_version());
    CHECK(stats->threads == 0);
    CHECK(stats->events == 0);
  }
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  CHECK(db.tableExists("events"));
  CHECK(db.tableExists("threads"));
  CHECK(db.tableExists("store_settings"));
  CHECK(db.execAndGet("PRAGMA application_id").getInt() == 0x53504f4c);
  CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
}

TEST_CASE("re-opening a migrated database changes nothing and keeps its data",
          "[eventstore][migrations]") {
  test::TempDir dir;
  const std::string path = dir.file("spool.db");
  {
    auto store = test::open_store(path);
    std::vector<NewEvent> evs{test::event_msg("user_message")};
    REQUIRE(store->append("t1", 0, evs).ok());
  }
  auto store = test::open_store(path);
  CHECK(store->stats()->schema_version == binary_schema_version());
  CHECK(store->stats()->events == 1);
}

TEST_CASE("a database from a newer Spool is refused and left untouched",
          "[eventstore][migrations]") {
  test::TempDir dir;
  const std::string path = dir.file("spool.db");
  { test::open_store(path); }
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec(fmt::format("PRAGMA user_version = {}", binary_schema_version() + 7));
    db.exec("PRAGMA journal_mode = DELETE");  // fold the WAL in: the file is all there is
  }
  const std::string before = test::read_file(path);

  auto r = Store::open(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == StoreErrorCode::NewerSchema);
  const std::string newer = std::to_string(binary_schema_version() + 7);
  const std::string ours = std::to_string(binary_schema_version());
  CHECK_THAT(r.error().message, Catch::Contains("schema version " + newer));
  CHECK_THAT(r.error().message, Catch::Contains("up to " + ours));
  CHECK_THAT(r.error().message, Catch::Contains("not changed"));
  CHECK(test::read_file(path) == before);
  CHECK_FALSE(std::filesystem::exists(path + "-wal"));
}
