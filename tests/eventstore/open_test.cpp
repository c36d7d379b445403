#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

#include "eventstore/store.h"
#include "support/store_fixtures.h"

using namespace spool;
using namespace spool::eventstore;

TEST_CASE("another program's SQLite database is refused, untouched", "[eventstore][open]") {
  test::TempDir dir;
  const std::string path = dir.file("other.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE notes (body TEXT)");
  }
  const std::string before = test::read_file(path);
  auto r = Store::open(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == StoreErrorCode::NotSpoolDatabase);
  CHECK_THAT(r.error().message, Catch::Contains("another program"));
  CHECK(test::read_file(path) == before);
}

TEST_CASE("a text file is refused as not a database", "[eventstore][open]") {
  test::TempDir dir;
  const std::string path = dir.file("notes.txt");
  const std::string text(8192, 'x');
  test::write_file(path, text);
  auto r = Store::open(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == StoreErrorCode::NotSpoolDatabase);
  CHECK_THAT(r.error().message, Catch::Contains(path));
  CHECK(test::read_file(path) == text);
}

TEST_CASE("a database with damaged pages fails quick_check at open", "[eventstore][open]") {
  test::TempDir dir;
  const std::string path = dir.file("spool.db");
  {
    auto store = test::open_store(path);
    std::vector<NewEvent> evs;
    for (int i = 0; i < 200; ++i) evs.push_back(test::event_msg("agent_message",
        "\"message\":\"" + std::string(400, 'a' + static_cast<char>(i % 26)) + "\""));
    REQUIRE(store->append("t1", 0, evs).ok());
  }
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA journal_mode = DELETE");
  }
  std::string bytes = test::read_file(path);
  const std::size_t page = 4096;
  REQUIRE(bytes.size() > 8 * page);
  // Overwrite the interior of pages 3..6 (b-tree pages of the events table and index).
  for (std::size_t p = 3; p < 7; ++p)
    for (std::size_t i = 100; i < page; ++i) bytes[p * page + i] = static_cast<char>(0x5a);
  test::write_file(path, bytes);

  auto r = Store::open(path);
  REQUIRE_FALSE(r.ok());
  const bool corrupt_or_unreadable =
      r.error().code == StoreErrorCode::Corrupt || r.error().code == StoreErrorCode::NotSpoolDatabase;
  CHECK(corrupt_or_unreadable);
  CHECK_THAT(r.error().message, Catch::Contains(path));
}

TEST_CASE("a missing directory is a clear open error", "[eventstore][open]") {
  test::TempDir dir;
  auto r = Store::open(dir.file("no/such/dir/spool.db"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == StoreErrorCode::CantOpen);
  CHECK_THAT(r.error().message, Catch::Contains("no/such/dir"));
}

TEST_CASE("a read-only store reads but refuses appends", "[eventstore][open]") {
  test::TempDir dir;
  const std::string path = dir.file("spool.db");
  {
    auto store = test::open_store(path);
    std::vector<NewEvent> evs{test::event_msg("user_message")};
    REQUIRE(store->append("t1", 0, evs).ok());
  }
  StoreOptions ro;
  ro.read_only = true;
  auto store = test::open_store(path, ro);
  CHECK(test::all_events(*store, "t1").size() == 1);
  std::vector<NewEvent> evs{test::event_msg("user_message")};
  auto r = store->append("t1", 1, evs);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == StoreErrorCode::ReadOnly);
}

TEST_CASE("synchronous is FULL by default and NORMAL when asked for", "[eventstore][open]") {
  test::TempDir dir;
  StoreOptions o;
  o.synchronous = Synchronous::Normal;
  auto normal = test::open_store(dir.file("spool.db"), o);
  CHECK(normal->stats()->synchronous == "normal");
  auto full = test::open_store(dir.file("spool.db"));
  CHECK(full->stats()->synchronous == "full");
  CHECK(full->stats()->journal_mode == "wal");
}
