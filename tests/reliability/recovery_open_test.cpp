// Store::open and empty files (issue 10, item 4): a zero-length file at the database path
// is refused (most likely a database that lost its content), unless it grows within the
// grace period because another process is creating the database right now.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <thread>

#include "eventstore/store.h"
#include "support/temp_dir.h"

namespace spool::test {
namespace {

TEST_CASE("a zero-length database file is refused, not initialized", "[reliability][recovery][open]") {
  TempDir dir;
  const std::string path = dir.file("spool.db");
  write_file(path, "");
  auto r = eventstore::Store::open(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == eventstore::StoreErrorCode::Corrupt);
  CHECK_THAT(r.error().message, Catch::Contains("empty file (0 bytes)"));
  CHECK(read_file(path).empty());
  CHECK_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST_CASE("an empty file that another process is creating is waited for", "[reliability][recovery][open]") {
  TempDir dir;
  const std::string path = dir.file("spool.db");
  // The creator: SQLite creates the file empty, and writes its first page a moment later.
  std::thread creator([&] {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    db.exec("PRAGMA journal_mode = WAL");
  });
  while (!std::filesystem::exists(path)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = eventstore::Store::open(path);
  const auto waited = std::chrono::steady_clock::now() - t0;
  creator.join();
  INFO((r.ok() ? std::string("opened") : r.error().message));
  CHECK(r.ok());
  CHECK(waited >= std::chrono::milliseconds(200));
}

}  // namespace
}  // namespace spool::test
