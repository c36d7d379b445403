// Recovery (issue 10, item 4), through the `spool` command: `spool serve` refuses a damaged,
// truncated, empty, foreign or non-database file, says what is wrong and how to recover,
// exits non-zero and leaves the file byte-identical; `spool doctor --recover` then swaps in a
// database of every readable thread and keeps the damaged file aside.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <string>

#include "reliability/recovery_fixture.h"
#include "support/run_process.h"

namespace spool::test {
namespace {

namespace fs = std::filesystem;

// `spool serve --db path` with no client. It refuses a file it cannot open before reading
// stdin; damage deeper in the file is found by the quick_check it runs in the background
// after start-up, which stops it ("stopped: ...") with the same advice.
ProcessResult serve(const TempDir& dir, const std::string& path) {
  return run_shell("SPOOL_HOME=" + shell_quote(dir.file("home")) + " timeout 20 " +
                   shell_quote(SPOOL_BINARY) + " serve --db " + shell_quote(path) + " </dev/null");
}

ProcessResult spool(const TempDir& dir, const std::string& args) {
  return run_shell("SPOOL_HOME=" + shell_quote(dir.file("home")) + " " + shell_quote(SPOOL_BINARY) +
                   " " + args);
}

// Serve refuses the file; returns its stderr. The file is unchanged and no -wal is left.
std::string expect_refused(const TempDir& dir, const std::string& path) {
  const std::string before = read_file(path);
  const ProcessResult r = serve(dir, path);
  INFO("stderr: " << r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.exit_code != 124);  // refused, not timed out waiting for a client
  CHECK_THAT(r.err, Catch::Contains("cannot start") || Catch::Contains("stopped"));
  CHECK_THAT(r.err, Catch::Contains(path));
  CHECK(read_file(path) == before);
  CHECK_FALSE(fs::exists(path + "-wal"));
  return r.err;
}

TEST_CASE("serve refuses damaged and foreign files with a way out, untouched",
          "[reliability][recovery][cli]") {
  TempDir dir;
  fs::create_directories(dir.file("home"));
  const std::string good = dir.file("good.db");
  make_database(good, 60, 2);
  const std::string good_bytes = read_file(good);

  SECTION("bytes overwritten in the middle") {
    std::string bytes = good_bytes;
    overwrite(bytes, bytes.size() / 2, 4096);
    const std::string path = dir.file("overwritten.db");
    write_file(path, bytes);
    const std::string err = expect_refused(dir, path);
    CHECK_THAT(err, Catch::Contains("damaged"));
    CHECK_THAT(err, Catch::Contains("spool doctor --recover --db " + path));
  }
  SECTION("truncated") {
    const std::string path = dir.file("truncated.db");
    write_file(path, good_bytes.substr(0, good_bytes.size() / 2));
    const std::string err = expect_refused(dir, path);
    CHECK_THAT(err, Catch::Contains("spool doctor --recover --db " + path));
  }
  SECTION("zero length: refused, not initialized") {
    const std::string path = dir.file("empty.db");
    write_file(path, "");
    const std::string err = expect_refused(dir, path);
    CHECK_THAT(err, Catch::Contains("empty file (0 bytes)"));
    CHECK_THAT(err, Catch::Contains("delete the empty file"));
  }
  SECTION("a text file") {
    const std::string path = dir.file("notes.txt");
    write_file(path, std::string(10000, 't') + "\n");
    const std::string err = expect_refused(dir, path);
    CHECK_THAT(err, Catch::Contains("not a database"));
    CHECK_THAT(err, Catch::Contains("was not changed"));
  }
  SECTION("another program's SQLite database") {
    const std::string path = dir.file("other.db");
    {
      SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
    }
    const std::string err = expect_refused(dir, path);
    CHECK_THAT(err, Catch::Contains("another program"));
  }
}

TEST_CASE("doctor --recover swaps in the readable threads and keeps the damaged file",
          "[reliability][recovery][cli]") {
  TempDir dir;
  fs::create_directories(dir.file("home"));
  const std::string path = dir.file("spool.db");
  const StoreSnapshot before = make_database(path, 120, 3);
  std::string bytes = read_file(path);
  const auto pages = events_leaf_pages(bytes);
  REQUIRE(pages.size() > 4);
  const std::size_t ps = page_size_of(bytes);
  overwrite(bytes, pages[pages.size() / 3] * ps, ps);
  write_file(path, bytes);

  REQUIRE(serve(dir, path).exit_code != 0);
  const ProcessResult rec = spool(dir, "doctor --recover --db " + shell_quote(path));
  INFO("stdout: " << rec.out << "\nstderr: " << rec.err);
  REQUIRE(rec.exit_code == 0);
  CHECK_THAT(rec.out, Catch::Contains("threads         "));
  CHECK_THAT(rec.out, Catch::Contains("lost)"));

  // The damaged file is kept aside, byte for byte; the new one is intact and serves.
  std::string aside;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("spool.db.corrupt-", 0) == 0 && name.find("-wal") == std::string::npos &&
        name.find("-shm") == std::string::npos) {
      aside = entry.path().string();
    }
    CHECK(name.find(".recovered-") == std::string::npos);  // renamed into place
    CHECK(name.find("-shm") == std::string::npos);  // no companions of our read-only opens
    CHECK(name.find(".staging") == std::string::npos);
  }
  REQUIRE_FALSE(aside.empty());
  CHECK(read_file(aside) == bytes);
  const ProcessResult doctor = spool(dir, "doctor --db " + shell_quote(path));
  INFO("doctor: " << doctor.out << doctor.err);
  CHECK(doctor.exit_code == 0);
  CHECK_THAT(doctor.out, Catch::Contains("integrity       ok"));
  // A second --recover finds nothing to do.
  const ProcessResult again = spool(dir, "doctor --recover --db " + shell_quote(path));
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.out, Catch::Contains("nothing to do"));
  // And serve starts on it.
  const ProcessResult served = serve(dir, path);
  INFO("serve: " << served.err);
  CHECK(served.exit_code == 0);

  std::string summary;
  for (const char* key : {"threads         ", "events          ", "time            "}) {
    const auto at = rec.out.find(key);
    if (at != std::string::npos) summary += rec.out.substr(at, rec.out.find('\n', at) - at) + "; ";
  }
  WARN("doctor --recover (one events page of " << before.events.size() << " threads / "
                                               << before.total_events() << " events overwritten): "
                                               << summary);
}

TEST_CASE("doctor --recover refuses what it cannot help, changing nothing",
          "[reliability][recovery][cli]") {
  TempDir dir;
  fs::create_directories(dir.file("home"));
  SECTION("an empty file") {
    const std::string path = dir.file("empty.db");
    write_file(path, "");
    const ProcessResult r = spool(dir, "doctor --recover --db " + shell_quote(path));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("nothing to recover"));
    CHECK(read_file(path).empty());
  }
  SECTION("a text file") {
    const std::string path = dir.file("notes.txt");
    write_file(path, std::string(10000, 't'));
    const ProcessResult r = spool(dir, "doctor --recover --db " + shell_quote(path));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("was not changed"));
    CHECK(read_file(path) == std::string(10000, 't'));
  }
  std::size_t others = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    const std::string name = entry.path().filename().string();
    if (name != "home" && name != "empty.db" && name != "notes.txt") ++others;
  }
  CHECK(others == 0);
}

}  // namespace
}  // namespace spool::test
