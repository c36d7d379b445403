// Crash tests (issue 10, item 1): a process appending to the database is killed with SIGKILL
// at random moments, over and over. After each kill, every append the client saw
// acknowledged is stored (at the seq it was acknowledged with), every thread's seqs are
// gap-free, the projections equal a rebuild and integrity_check is ok (crash_checks.h).
//
//  - the append driver (tests/reliability/tools/append_driver.cpp: Store + projections, as
//    the server's writer), which also retries the append in flight at the kill with the same
//    producer id, so a committed-but-unacknowledged append must come back as a duplicate;
//  - `spool serve` over stdio, driven with pipelined thread/start and thread/name/set;
//  - `spool import` of a generated corpus, resumed after each kill from its checkpoints, and
//    compared at the end with an import that was never interrupted.
//
// Counts: SPOOL_CRASH_CYCLES (driver and server), SPOOL_CRASH_IMPORT_CYCLES; seed:
// SPOOL_RELIABILITY_SEED. Each test prints its figures.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "bench/corpus_generator.h"
#include "crash_checks.h"
#include "crash_child.h"
#include "crash_settings.h"
#include "eventstore/store.h"
#include "support/temp_dir.h"

using namespace spool;
using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Figures {
  int cycles = 0;
  std::int64_t acknowledged = 0;
  std::int64_t lost = 0;
  std::chrono::microseconds max_reopen{0};
  std::chrono::microseconds total_reopen{0};

  void add_reopen(std::chrono::microseconds t) {
    max_reopen = std::max(max_reopen, t);
    total_reopen += t;
  }
  double max_ms() const { return static_cast<double>(max_reopen.count()) / 1000.0; }
  double mean_ms() const {
    return cycles == 0 ? 0.0 : static_cast<double>(total_reopen.count()) / 1000.0 / cycles;
  }
};

std::chrono::milliseconds random_ms(std::mt19937_64& rng, int lo, int hi) {
  return std::chrono::milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng));
}

std::string home_env(const test::TempDir& dir) {
  return "SPOOL_HOME=" + (dir.path() / "home").string();
}

// Creates and migrates the database before the first kill. A process killed while it
// creates a new database can leave a 0-byte file, which Store::open refuses as a database
// that lost its content (store.cpp): these tests are about crashes during appends.
void create_database(const std::string& path) {
  auto created = eventstore::Store::open(path);
  REQUIRE(created.ok());
}

}  // namespace

TEST_CASE("kill -9 of a process appending through the store loses no acknowledged append",
          "[reliability][crash]") {
  const int cycles = test::count_setting("SPOOL_CRASH_CYCLES", 100, 25);
  const std::uint64_t seed = test::seed_setting();
  std::mt19937_64 rng(seed);
  test::TempDir dir;
  const std::string db = dir.file("spool.db");
  create_database(db);

  std::map<std::string, std::int64_t> acked;  // "<thread>\x1f<producer id>" -> acknowledged seq
  std::int64_t next = 0;                       // the first append the next run makes
  std::int64_t retried_duplicates = 0;         // in flight at a kill, committed: stored once
  Figures f;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    INFO("cycle " << cycle << ", seed " << seed);
    test::ChildProcess child({RELIABILITY_APPEND_DRIVER, "--db", db, "--prefix", "c", "--threads",
                              "7", "--start", std::to_string(next)},
                             {}, dir.file("driver.stderr"));
    std::vector<std::string> lines;
    // The kill comes at a random moment once it is appending (its first acknowledgement:
    // start-up takes longer than the appends under sanitizers).
    auto first_ack = child.read_line(Clock::now() + 20s);
    REQUIRE(first_ack);
    lines.push_back(std::move(*first_ack));
    const auto kill_at = Clock::now() + random_ms(rng, 0, 50);
    while (auto line = child.read_line(kill_at)) lines.push_back(std::move(*line));
    child.kill9();
    for (auto& line : child.drain_lines(Clock::now() + 10s)) lines.push_back(std::move(line));
    const int status = child.wait();
    REQUIRE(status == 128 + SIGKILL);  // it was appending until killed
    bool first = true;
    for (const std::string& line : lines) {
      std::istringstream in(line);
      std::string word, thread, stored;
      std::int64_t i = 0, seq = 0;
      in >> word >> i >> thread >> seq >> stored;
      REQUIRE(word == "ack");
      if (stored == "duplicate") {
        // Only the append in flight at the last kill may have committed unacknowledged.
        CHECK(first);
        ++retried_duplicates;
      }
      first = false;
      acked[thread + "\x1f" + fmt::format("c-{}", i)] = seq;
      next = std::max(next, i + 1);
    }
    const test::CrashCheck check = test::check_after_crash(db);
    INFO(check.describe());
    REQUIRE(check.ok());
    for (const auto& [key, seq] : acked) {
      const auto it = check.producer_seqs.find(key);
      if (it == check.producer_seqs.end() || it->second != seq) ++f.lost;
    }
    REQUIRE(f.lost == 0);
    f.cycles++;
    f.add_reopen(check.reopen_time);
  }
  f.acknowledged = static_cast<std::int64_t>(acked.size());
  CHECK(f.acknowledged > cycles);  // the kills did land in the middle of appending
  const std::string figure = fmt::format(
      "crash (append driver, kill -9): {} cycles, {} acknowledged appends, {} lost, {} in-flight "
      "appends retried as duplicates, reopen max {:.1f} ms (mean {:.1f} ms), seed {}",
      f.cycles, f.acknowledged, f.lost, retried_duplicates, f.max_ms(), f.mean_ms(), seed);
  WARN(figure);
}

namespace {

// `spool serve` over stdio: initialize, then thread/start and thread/name/set with up to
// `window` requests in flight, until killed. What it answered is what was acknowledged.
struct ServerRun {
  std::vector<std::string> started;                       // thread ids
  std::vector<std::pair<std::string, std::string>> named;  // (thread id, name)
};

void drive_server(test::ChildProcess& child, std::mt19937_64& rng, int cycle, ServerRun& acked) {
  const auto answer_deadline = Clock::now() + 20s;
  REQUIRE(child.write_stdin(
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"clientInfo":{"name":"crash","version":"1"}}})"
      "\n"));
  auto init = child.read_line(answer_deadline);
  REQUIRE(init);
  REQUIRE(json::parse(*init).contains("result"));

  constexpr int window = 4;
  std::map<int, std::pair<std::string, std::string>> in_flight;  // id -> (method, name)
  std::vector<std::string> threads;                              // acknowledged, this run
  int next_id = 1;
  int names = 0;
  const auto kill_at = Clock::now() + random_ms(rng, 5, 80);
  auto send_more = [&] {
    while (static_cast<int>(in_flight.size()) < window) {
      const int id = next_id++;
      if (threads.empty() || id % 3 == 0) {
        child.write_stdin(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "thread/start"},
                               {"params", {{"cwd", "/tmp"}}}}.dump() + "\n");
        in_flight[id] = {"thread/start", ""};
      } else {
        const std::string& thread = threads[static_cast<std::size_t>(id) % threads.size()];
        const std::string name = fmt::format("name {} {}", cycle, names++);
        child.write_stdin(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "thread/name/set"},
                               {"params", {{"threadId", thread}, {"name", name}}}}.dump() + "\n");
        in_flight[id] = {thread, name};
      }
    }
  };
  auto take = [&](const std::string& line) {
    const json m = json::parse(line, nullptr, false);
    if (!m.is_object() || !m.contains("id") || !m["id"].is_number_integer()) return;  // notification
    const int id = m["id"].get<int>();
    const auto it = in_flight.find(id);
    REQUIRE(it != in_flight.end());
    INFO(line);
    REQUIRE(m.contains("result"));  // no request may fail while the server runs
    if (it->second.first == "thread/start") {
      const std::string tid = m["result"]["thread"]["id"].get<std::string>();
      threads.push_back(tid);
      acked.started.push_back(tid);
    } else {
      acked.named.emplace_back(it->second.first, it->second.second);
    }
    in_flight.erase(it);
  };
  send_more();
  while (auto line = child.read_line(kill_at)) {
    take(*line);
    send_more();
  }
  child.kill9();
  for (const auto& line : child.drain_lines(Clock::now() + 10s)) take(line);
  child.wait();
}

}  // namespace

TEST_CASE("kill -9 of spool serve loses no acknowledged thread/start or thread/name/set",
          "[reliability][crash]") {
  const int cycles = test::count_setting("SPOOL_CRASH_CYCLES", 100, 20);
  const std::uint64_t seed = test::seed_setting();
  std::mt19937_64 rng(seed);
  test::TempDir dir;
  std::filesystem::create_directories(dir.path() / "home");

  // A new database every 10 cycles keeps each check (a rebuild of every thread) short.
  constexpr int kCyclesPerDatabase = 10;
  std::string db;
  ServerRun acked;
  std::int64_t acked_total = 0;
  std::size_t started_total = 0;
  Figures f;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    INFO("cycle " << cycle << ", seed " << seed);
    if (cycle % kCyclesPerDatabase == 0) {
      started_total += acked.started.size();
      acked_total += static_cast<std::int64_t>(acked.started.size() + acked.named.size());
      acked = {};
      db = dir.file(fmt::format("spool{}.db", cycle / kCyclesPerDatabase));
      create_database(db);
    }
    {
      test::ChildProcess child({SPOOL_BINARY, "serve", "--db", db}, {home_env(dir)},
                               dir.file("serve.stderr"));
      drive_server(child, rng, cycle, acked);
    }
    const test::CrashCheck check = test::check_after_crash(db);
    INFO(check.describe());
    REQUIRE(check.ok());
    SQLite::Database raw(db, SQLite::OPEN_READONLY, 10000);
    SQLite::Statement thread_q(raw, "SELECT 1 FROM threads WHERE id = ?");
    for (const std::string& id : acked.started) {
      thread_q.reset();
      thread_q.bind(1, id);
      if (!thread_q.executeStep()) ++f.lost;
    }
    SQLite::Statement name_q(raw,
                             "SELECT 1 FROM events WHERE thread_id = ? AND type = "
                             "'thread_name_updated' AND json_extract(payload, '$.thread_name') = ?");
    for (const auto& [id, name] : acked.named) {
      name_q.reset();
      name_q.bind(1, id);
      name_q.bind(2, name);
      if (!name_q.executeStep()) ++f.lost;
    }
    REQUIRE(f.lost == 0);
    f.cycles++;
    f.add_reopen(check.reopen_time);
  }
  started_total += acked.started.size();
  acked_total += static_cast<std::int64_t>(acked.started.size() + acked.named.size());
  f.acknowledged = acked_total;
  CHECK(f.acknowledged > cycles);
  WARN(fmt::format(
      "crash (spool serve, kill -9): {} cycles, {} acknowledged writes ({} thread/start, {} "
      "thread/name/set), {} lost, reopen max {:.1f} ms (mean {:.1f} ms), seed {}",
      f.cycles, f.acknowledged, started_total, acked_total - static_cast<std::int64_t>(started_total),
      f.lost, f.max_ms(), f.mean_ms(), seed));
}

namespace {

// Every thread's events as text (seq, kind, type, turn id, payload), by thread id.
std::map<std::string, std::string> event_log(const std::string& db) {
  SQLite::Database raw(db, SQLite::OPEN_READONLY, 10000);
  SQLite::Statement q(raw,
                      "SELECT thread_id, seq, kind, coalesce(type, ''), coalesce(turn_id, ''), "
                      "payload, coalesce(line_extras, '') FROM events ORDER BY thread_id, seq");
  std::map<std::string, std::string> out;
  while (q.executeStep()) {
    std::string& s = out[q.getColumn(0).getString()];
    for (int c = 1; c < 7; ++c) s += q.getColumn(c).getString() + "\x1f";
    s += "\n";
  }
  return out;
}

std::int64_t count_of(const std::string& db, const char* sql) {
  SQLite::Database raw(db, SQLite::OPEN_READONLY, 10000);
  return raw.execAndGet(sql).getInt64();
}

}  // namespace

TEST_CASE("kill -9 of spool import: each restart resumes and the end result equals an "
          "uninterrupted import",
          "[reliability][crash]") {
  const int cycles = test::count_setting("SPOOL_CRASH_IMPORT_CYCLES", 12, 8);
  const std::uint64_t seed = test::seed_setting();
  std::mt19937_64 rng(seed);
  test::TempDir dir;
  std::filesystem::create_directories(dir.path() / "home");
  bench::CorpusOptions corpus;
  // The importer commits every 16 MiB (RolloutImporter::kBatchBytes): the Release corpus
  // (~25 MB) takes two commits (at ~2/3 and at the end), and the kills come at 40% to 100% of
  // an uninterrupted import's time, so they land before, between and after them; the smaller
  // sanitizer corpus is one all-or-nothing batch.
  corpus.threads = test::count_setting("SPOOL_CRASH_IMPORT_THREADS", 700, 60);
  corpus.turns = 5;
  corpus.big_thread_turns = test::kSanitized ? 60 : 300;
  corpus.seed = seed % 1000 + 1;
  corpus.out = dir.path() / "corpus";
  const auto summary = bench::generate_corpus(corpus);
  REQUIRE(summary.ok());

  auto import = [&](const std::string& db) {
    return std::vector<std::string>{SPOOL_BINARY, "import", "--db", db, "--codex-home",
                                    corpus.out.string()};
  };
  // The reference: one import that runs to the end, and how long it takes.
  const std::string reference = dir.file("reference.db");
  const auto t0 = Clock::now();
  {
    test::ChildProcess child(import(reference), {home_env(dir)}, dir.file("import.stderr"));
    child.drain_lines(Clock::now() + 120s);
    REQUIRE(child.wait() == 0);
  }
  const auto full = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  const auto expected = event_log(reference);
  REQUIRE(expected.size() == static_cast<std::size_t>(summary->files));

  Figures f;
  int rounds = 0;
  int kills = 0;
  int kills_with_progress = 0;           // kills after which more was stored than before
  std::int64_t events_at_previous_kill = 0;
  std::string db;
  std::int64_t events_before = 0;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    INFO("cycle " << cycle << ", seed " << seed);
    if (db.empty()) {
      db = dir.file(fmt::format("round{}.db", rounds++));
      create_database(db);
      events_before = 0;
      events_at_previous_kill = 0;
    }
    test::ChildProcess child(import(db), {home_env(dir)}, dir.file("import.stderr"));
    const int hi = std::max(10, static_cast<int>(full.count()));
    const auto kill_at = Clock::now() + random_ms(rng, hi * 4 / 10, hi);
    while (!child.at_eof() && Clock::now() < kill_at) child.read_line(kill_at);
    child.kill9();
    child.drain_lines(Clock::now() + 10s);
    const int status = child.wait();
    const test::CrashCheck check = test::check_after_crash(db);
    INFO(check.describe());
    REQUIRE(check.ok());
    f.cycles++;
    f.add_reopen(check.reopen_time);
    // What was committed (events with the checkpoint that records reading them) stays.
    const std::int64_t events_now = check.events;
    REQUIRE(events_now >= events_before);
    events_before = events_now;
    // Every checkpointed file's thread is there.
    CHECK(count_of(db, "SELECT count(*) FROM import_files WHERE thread_id NOT IN "
                       "(SELECT id FROM threads)") == 0);
    if (status == 128 + SIGKILL) {
      ++kills;
      if (events_now > events_at_previous_kill) ++kills_with_progress;
      events_at_previous_kill = events_now;
      continue;
    }
    REQUIRE(status == 0);  // finished before the kill: the round is over
    INFO("round " << rounds);
    CHECK(event_log(db) == expected);
    db.clear();
  }
  if (!db.empty()) {  // finish the last round without a kill
    test::ChildProcess child(import(db), {home_env(dir)}, dir.file("import.stderr"));
    child.drain_lines(Clock::now() + 120s);
    REQUIRE(child.wait() == 0);
    REQUIRE(test::check_after_crash(db).ok());
    CHECK(event_log(db) == expected);
  }
  CHECK(kills > 0);
  std::int64_t reference_events = 0;
  for (const auto& [id, log] : expected) reference_events += std::count(log.begin(), log.end(), '\n');
  WARN(fmt::format(
      "crash (spool import, kill -9): {} cycles ({} killed mid-import, {} of them after storing "
      "more) in {} rounds over a corpus of {} files / {} lines / {} stored events "
      "(uninterrupted import {} ms); committed events never went back, and every round ended "
      "equal to the uninterrupted import: 0 lost, 0 duplicated; reopen max {:.1f} ms (mean "
      "{:.1f} ms), seed {}",
      f.cycles, kills, kills_with_progress, rounds, summary->files, summary->lines,
      reference_events, full.count(), f.max_ms(), f.mean_ms(), seed));
}
