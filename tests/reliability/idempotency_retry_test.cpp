// Idempotency (issue 10, item 6): the same append retried 3 times (same producer id) is
// stored once, and every retry answers the original seq and position: on one connection,
// from a new connection, with a stale expected_last_seq, inside a batch, and from three
// separate processes (the append driver run three times over the same appends).
//
// There is no JSON-RPC method that takes a client idempotency key (Codex's v2 protocol has
// none: clientUserMessageId is an id for the user message item, not a retry key), so the
// store is where retries are made safe; the crash test also retries the append that was in
// flight at each kill.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <chrono>

#include "crash_checks.h"
#include "crash_child.h"
#include "support/store_fixtures.h"
#include "support/stored_history.h"
#include "views/attach.h"

using namespace spool;
using eventstore::AppendedEvent;
using eventstore::NewEvent;
using namespace std::chrono_literals;

TEST_CASE("an append retried 3 times with the same producer id is stored once",
          "[reliability][idempotency]") {
  test::TempDir dir;
  const std::string db = dir.file("spool.db");
  auto store = test::open_store(db);
  views::attach_projections(*store);
  REQUIRE(store->append("t", 0, std::vector<NewEvent>{test::session_meta("t")}).ok());

  const std::vector<NewEvent> turn = [] {
    std::vector<NewEvent> events;
    int n = 0;
    for (auto& e : test::turn("turn-1", "hello", "hi")) {
      events.push_back(test::with_producer_id(std::move(e), fmt::format("client-7/{}", n++)));
    }
    return events;
  }();

  std::vector<eventstore::AppendResult> results;
  for (int attempt = 0; attempt < 4; ++attempt) {  // the append and 3 retries
    // The retries carry the expected_last_seq the client had before its first try (now
    // stale): a full duplicate is answered without the seq check.
    auto r = store->append("t", 1, turn);
    REQUIRE(r.ok());
    results.push_back(std::move(r).value());
  }
  for (std::size_t i = 0; i < turn.size(); ++i) {
    CHECK(results[0].events[i].status == AppendedEvent::Status::Stored);
    for (int retry = 1; retry < 4; ++retry) {
      CHECK(results[static_cast<std::size_t>(retry)].events[i].status == AppendedEvent::Status::Duplicate);
      CHECK(results[static_cast<std::size_t>(retry)].events[i].seq == results[0].events[i].seq);
      CHECK(results[static_cast<std::size_t>(retry)].events[i].position == results[0].events[i].position);
    }
  }
  CHECK(test::all_events(*store, "t").size() == 5);
  CHECK(test::stored_history(*store, "t").size() == 1);

  // From a new connection, and as part of a batch: still once.
  store.reset();
  auto again = test::open_store(db);
  views::attach_projections(*again);
  std::vector<eventstore::AppendRequest> batch(3, eventstore::AppendRequest{"t", std::nullopt, turn, {}});
  auto b = again->append_batch(batch);
  REQUIRE(b.ok());
  for (const auto& r : b.value()) {
    for (const auto& e : r.events) CHECK(e.status == AppendedEvent::Status::Duplicate);
  }
  CHECK(test::all_events(*again, "t").size() == 5);

  // A retry that adds a new event next to the stored ones stores only the new one.
  auto more = turn;
  more.push_back(test::with_producer_id(test::event_msg("agent_message", "\"message\":\"more\""), "client-7/4"));
  auto mixed = again->append("t", std::nullopt, more);
  REQUIRE(mixed.ok());
  CHECK(mixed->events[3].status == AppendedEvent::Status::Duplicate);
  CHECK(mixed->events[4].status == AppendedEvent::Status::Stored);
  CHECK(mixed->events[4].seq == 6);
  CHECK(test::all_events(*again, "t").size() == 6);
  again.reset();
  const test::CrashCheck check = test::check_after_crash(db);
  INFO(check.describe());
  CHECK(check.ok());
}

TEST_CASE("the same appends retried by 3 separate processes are stored once",
          "[reliability][idempotency]") {
  test::TempDir dir;
  const std::string db = dir.file("spool.db");
  constexpr int kAppends = 50;
  int stored = 0;
  int duplicates = 0;
  for (int attempt = 0; attempt < 4; ++attempt) {  // the first run and 3 retries
    test::ChildProcess child({RELIABILITY_APPEND_DRIVER, "--db", db, "--prefix", "r", "--threads",
                              "3", "--count", std::to_string(kAppends)});
    const auto lines = child.drain_lines(std::chrono::steady_clock::now() + 60s);
    REQUIRE(child.wait() == 0);
    REQUIRE(lines.size() == kAppends);
    for (const auto& line : lines) {
      if (line.ends_with(" stored")) ++stored;
      if (line.ends_with(" duplicate")) ++duplicates;
    }
  }
  CHECK(stored == kAppends);
  CHECK(duplicates == 3 * kAppends);
  const test::CrashCheck check = test::check_after_crash(db);
  INFO(check.describe());
  REQUIRE(check.ok());
  CHECK(check.events == kAppends);
  WARN(fmt::format("idempotency: {} appends each retried 3 times by 3 more processes: {} stored, "
                   "{} answered as duplicates, {} events in the database",
                   kAppends, stored, duplicates, check.events));
}
