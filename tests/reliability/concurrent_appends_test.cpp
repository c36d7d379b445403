// Concurrency across processes (issue 10, item 5): two processes appending to one database
// at once (2 x 5k appends to the same threads) store all 10k, gap-free, and no "database is
// locked" reaches either of them: every append is a BEGIN IMMEDIATE transaction, which waits
// for the other writer through SQLite's busy handler (busy_timeout 10 s) instead of failing.
//
// And the turn lease (eventstore/turn_lease.h) that keeps two servers from running a turn on
// one thread at once: exactly one owner holds it, a live owner is never displaced, a dead
// one is taken over. The two-server end-to-end test is tests/e2e/two_servers_turn.test.mjs.
//
// Counts: SPOOL_CONCURRENT_APPENDS (per process).
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "crash_checks.h"
#include "crash_child.h"
#include "crash_settings.h"
#include "eventstore/store.h"
#include "eventstore/turn_lease.h"
#include "support/temp_dir.h"

using namespace spool;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST_CASE("two processes appending to one database: every append stored and none sees a lock error",
          "[reliability][concurrent]") {
  const int per_process = test::count_setting("SPOOL_CONCURRENT_APPENDS", 5000, 1500);
  test::TempDir dir;
  const std::string db = dir.file("spool.db");
  {
    auto created = eventstore::Store::open(db);  // migrate once, so both start appending
    REQUIRE(created.ok());
  }
  struct Run {
    std::vector<std::string> lines;
    int status = -1;
  };
  Run runs[2];
  const char* prefixes[2] = {"a", "b"};
  const auto t0 = Clock::now();
  {
    std::vector<std::unique_ptr<test::ChildProcess>> children;
    for (const char* prefix : prefixes) {
      // Both write the same 8 threads, so their appends interleave within each thread.
      // synchronous NORMAL: what is tested is the locking, not fsync (FULL takes ~25 s here).
      children.push_back(std::make_unique<test::ChildProcess>(
          std::vector<std::string>{RELIABILITY_APPEND_DRIVER, "--db", db, "--prefix", prefix,
                                   "--thread-prefix", "shared", "--threads", "8", "--sync", "normal",
                                   "--count", std::to_string(per_process)},
          std::vector<std::string>{}, dir.file(fmt::format("{}.stderr", prefix))));
    }
    std::vector<std::thread> readers;
    for (int i = 0; i < 2; ++i) {
      readers.emplace_back([&, i] {
        runs[i].lines = children[static_cast<std::size_t>(i)]->drain_lines(Clock::now() + 240s);
        runs[i].status = children[static_cast<std::size_t>(i)]->wait();
      });
    }
    for (auto& r : readers) r.join();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  std::int64_t errors = 0;
  for (int i = 0; i < 2; ++i) {
    INFO("process " << prefixes[i]);
    CHECK(runs[i].status == 0);
    std::int64_t stored = 0;
    for (const auto& line : runs[i].lines) {
      if (line.rfind("ack ", 0) == 0 && line.ends_with(" stored")) {
        ++stored;
      } else {
        ++errors;
        UNSCOPED_INFO(line);
      }
    }
    CHECK(stored == per_process);
  }
  CHECK(errors == 0);

  const test::CrashCheck check = test::check_after_crash(db);
  INFO(check.describe());
  REQUIRE(check.ok());
  CHECK(check.events == 2 * per_process);
  CHECK(check.threads == 8);
  std::int64_t by_prefix[2] = {0, 0};
  for (const auto& [key, seq] : check.producer_seqs) {
    const std::string producer = key.substr(key.find('\x1f') + 1);
    ++by_prefix[producer[0] == 'a' ? 0 : 1];
  }
  CHECK(by_prefix[0] == per_process);
  CHECK(by_prefix[1] == per_process);
  WARN(fmt::format(
      "concurrent appends: 2 processes x {} appends (synchronous NORMAL, one transaction each) to "
      "the same 8 threads: {} stored, {} lock or other errors, seqs gap-free, in {:.2f} s ({:.0f} "
      "appends/s)",
      per_process, check.events, errors, seconds, 2.0 * per_process / seconds));
}

namespace {

eventstore::LeaseOwner owner_with_pid(pid_t pid) {
  eventstore::LeaseOwner o = eventstore::LeaseOwner::of_this_process();
  o.pid = pid;
  o.pid_start = 0;  // unknown: only "is the pid alive" counts
  return o;
}

std::unique_ptr<eventstore::TurnLeases> leases_for(const std::string& db, eventstore::LeaseOwner o) {
  auto l = eventstore::TurnLeases::open(db, std::move(o));
  REQUIRE(l.ok());
  return std::move(l).value();
}

}  // namespace

TEST_CASE("turn leases: one holder per thread - live holders kept and dead ones taken over",
          "[reliability][concurrent][lease]") {
  test::TempDir dir;
  const std::string db = dir.file("spool.db");
  auto store = eventstore::Store::open(db);
  REQUIRE(store.ok());
  CHECK_FALSE(eventstore::TurnLeases::open(":memory:", eventstore::LeaseOwner::of_this_process()).ok());

  // "Another process": a live child's pid.
  auto other_process = std::make_unique<test::ChildProcess>(std::vector<std::string>{"/bin/sleep", "30"});
  auto mine = leases_for(db, eventstore::LeaseOwner::of_this_process());
  auto theirs = leases_for(db, owner_with_pid(other_process->pid()));

  auto taken = theirs->acquire("t1", "turn-a");
  REQUIRE(taken.ok());
  CHECK(taken->taken);
  CHECK_FALSE(taken->other);

  // A live holder is not displaced; the refusal names it.
  auto refused = mine->acquire("t1", "turn-b");
  REQUIRE(refused.ok());
  CHECK_FALSE(refused->taken);
  REQUIRE(refused->other);
  CHECK(refused->other->owner.pid == other_process->pid());
  CHECK(refused->other->turn_id == "turn-a");
  CHECK_THAT(eventstore::describe_lease(*refused->other),
             Catch::Contains(fmt::format("pid {}", other_process->pid())));
  // Leases are per thread; releasing another owner's lease does nothing.
  CHECK(mine->acquire("t2", "turn-c")->taken);
  CHECK_FALSE(mine->release("t1").value());
  CHECK(mine->holder("t1").value()->owner.token == theirs->owner().token);

  // The holder re-takes its own lease; releases it; then anyone can take it.
  CHECK(theirs->acquire("t1", "turn-a2")->taken);
  CHECK(theirs->release("t1").value());
  CHECK_FALSE(mine->holder("t1").value());
  CHECK(theirs->acquire("t1", "turn-a3")->taken);

  // The holder's process dies: its lease is stale and taken over.
  other_process->kill9();
  other_process->wait();
  auto over = mine->acquire("t1", "turn-d");
  REQUIRE(over.ok());
  CHECK(over->taken);
  REQUIRE(over->other);
  CHECK(over->other->owner.token == theirs->owner().token);
  CHECK(mine->holder("t1").value()->turn_id == "turn-d");

  // A pid that runs again, but a process started at another time (pid reuse): stale too.
  auto reused = owner_with_pid(getpid());
  reused.pid = 1;        // init runs, and was not started at tick 12345
  reused.pid_start = 12345;
  auto reuser = leases_for(db, reused);
  CHECK(reuser->acquire("t3")->taken);
  auto after_reuse = mine->acquire("t3");
  CHECK(after_reuse->taken);
  CHECK(after_reuse->other);

  // Another owner in this very process (two servers in one process) is never judged stale.
  auto sibling = leases_for(db, eventstore::LeaseOwner::of_this_process());
  CHECK_FALSE(sibling->acquire("t2")->taken);
}

TEST_CASE("turn leases: two owners racing for one thread - exactly one wins each round",
          "[reliability][concurrent][lease]") {
  // Each round, both drivers' owners race through their own connections in two threads of
  // this process (SQLite serializes the BEGIN IMMEDIATE transactions as it would across
  // processes); the owners stand for two live processes.
  test::TempDir dir;
  const std::string db = dir.file("spool.db");
  REQUIRE(eventstore::Store::open(db).ok());
  test::ChildProcess p1({"/bin/sleep", "30"});
  test::ChildProcess p2({"/bin/sleep", "30"});
  auto a = leases_for(db, owner_with_pid(p1.pid()));
  auto b = leases_for(db, owner_with_pid(p2.pid()));
  const int rounds = test::count_setting("SPOOL_LEASE_ROUNDS", 200, 50);
  int a_wins = 0;
  int b_wins = 0;
  for (int round = 0; round < rounds; ++round) {
    const std::string thread = fmt::format("t{}", round);
    bool got_a = false;
    bool got_b = false;
    std::thread ta([&] { got_a = a->acquire(thread).value().taken; });
    std::thread tb([&] { got_b = b->acquire(thread).value().taken; });
    ta.join();
    tb.join();
    REQUIRE(got_a != got_b);
    (got_a ? a_wins : b_wins)++;
  }
  WARN(fmt::format("turn lease race: {} rounds, exactly one winner each (A {}, B {})", rounds,
                   a_wins, b_wins));
}
