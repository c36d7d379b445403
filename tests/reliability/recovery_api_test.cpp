// Recovery (issue 10, item 4), through eventstore::recover_database: a database with many
// threads is damaged (one page of the events table, a truncated file, 4 KiB overwritten in
// the middle); what is readable must come back with its seqs and projections, the new file
// must be intact, and the damaged one untouched.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include "eventstore/recover.h"
#include "reliability/recovery_fixture.h"

namespace spool::test {
namespace {

using eventstore::RecoveryReport;
using eventstore::StoredEvent;

int thread_count() {
  const char* env = std::getenv("SPOOL_RECOVERY_THREADS");
  return env ? std::atoi(env) : SPOOL_RECOVERY_DEFAULT_THREADS;
}

bool same_event(const StoredEvent& a, const StoredEvent& b) {
  return a.seq == b.seq && a.ts_ms == b.ts_ms && a.kind == b.kind && a.type == b.type &&
         a.turn_id == b.turn_id && a.producer_id == b.producer_id &&
         a.line_extras == b.line_extras && a.payload == b.payload;
}

bool same_history(const std::vector<eventstore::HistoryTurnRow>& a,
                  const std::vector<eventstore::HistoryTurnRow>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].turn_id != b[i].turn_id || a[i].turn_json != b[i].turn_json || a[i].items != b[i].items)
      return false;
  }
  return true;
}

struct Outcome {
  RecoveryReport report;
  std::int64_t identical_threads = 0;  // events and history equal to the original
  std::int64_t events_back = 0;        // events found again (by producer id and payload)
  double ms = 0;
};

// Recovers `damaged` into a new file and compares it with `before`.
Outcome recover_and_compare(const TempDir& dir, const std::string& damaged, const StoreSnapshot& before) {
  const std::string damaged_bytes = read_file(damaged);
  const std::string out = dir.file("recovered.db");
  const auto t0 = std::chrono::steady_clock::now();
  auto r = eventstore::recover_database(damaged, out, [](eventstore::Store& s) { views::attach_projections(s); });
  Outcome o;
  o.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!r) FAIL("recover: " << r.error().message);
  o.report = r.value();
  CHECK(read_file(damaged) == damaged_bytes);  // never written
  CHECK_FALSE(std::filesystem::exists(out + ".staging"));

  auto store = open_store(out);
  CHECK(store->integrity_check().value() == "ok");
  const StoreSnapshot after = snapshot(*store);
  for (const auto& [id, evs] : after.events) {
    auto orig = before.events.find(id);
    REQUIRE(orig != before.events.end());
    // Every recovered event is an original one, in the original order.
    std::size_t j = 0;
    for (const StoredEvent& e : evs) {
      while (j < orig->second.size() && orig->second[j].producer_id != e.producer_id) ++j;
      REQUIRE(j < orig->second.size());
      CHECK(orig->second[j].payload == e.payload);
      ++o.events_back;
    }
    const bool identical = evs.size() == orig->second.size() &&
                           std::equal(evs.begin(), evs.end(), orig->second.begin(), same_event);
    if (identical) {
      CHECK(same_history(after.history.at(id), before.history.at(id)));
      ++o.identical_threads;
    }
  }
  CHECK(o.events_back == o.report.events_recovered);
  CHECK(o.identical_threads == o.report.threads_complete);
  return o;
}

std::string figure(const char* what, const Outcome& o, const StoreSnapshot& before) {
  std::ostringstream s;
  s << "recovery (" << what << "): threads " << o.report.threads_complete + o.report.threads_partial
    << "/" << before.events.size() << " recovered (" << o.report.threads_complete << " complete, "
    << o.report.threads_partial << " partial, " << o.report.threads_lost << " lost), events "
    << o.report.events_recovered << "/" << before.total_events() << ", "
    << o.report.unreadable_ranges << " unreadable runs, " << static_cast<int>(o.ms) << " ms";
  return s.str();
}

TEST_CASE("recovery: one damaged page of the events table costs only its rows",
          "[reliability][recovery]") {
  TempDir dir;
  const std::string path = dir.file("spool.db");
  const StoreSnapshot before = make_database(path, thread_count(), 3);
  std::string bytes = read_file(path);
  const auto pages = events_leaf_pages(bytes);
  REQUIRE(pages.size() > 10);
  const std::size_t ps = page_size_of(bytes);
  const std::size_t victim = pages[pages.size() / 2];
  overwrite(bytes, victim * ps, ps);
  write_file(path, bytes);

  const Outcome o = recover_and_compare(dir, path, before);
  const auto total_threads = static_cast<std::int64_t>(before.events.size());
  CHECK(o.report.threads_total == total_threads);
  // One 4 KiB page holds the rows of a few threads at most (~19 rows; a thread has 13): those
  // are partial, or lost when all their rows were on it; every other thread is whole.
  CHECK(o.report.threads_partial + o.report.threads_lost >= 1);
  CHECK(o.report.threads_partial + o.report.threads_lost <= 3);
  CHECK(o.report.threads_complete >= total_threads - 3);
  CHECK(o.report.events_recovered < before.total_events());
  CHECK(o.report.events_recovered >= before.total_events() - 40);
  CHECK(o.report.unreadable_ranges >= 1);
  WARN(figure("one events page overwritten", o, before));
}

TEST_CASE("recovery: 4 KiB overwritten in the middle of the file", "[reliability][recovery]") {
  TempDir dir;
  const std::string path = dir.file("spool.db");
  const StoreSnapshot before = make_database(path, thread_count(), 3);
  std::string bytes = read_file(path);
  overwrite(bytes, bytes.size() / 2 + 1000, 4096);  // not page aligned: spans two pages
  write_file(path, bytes);

  const Outcome o = recover_and_compare(dir, path, before);
  const auto total_threads = static_cast<std::int64_t>(before.events.size());
  // Whatever the pages were (events, an index, a projection), most threads come back whole.
  CHECK(o.report.threads_complete >= total_threads * 9 / 10);
  CHECK(o.report.events_recovered >= before.total_events() * 9 / 10);
  WARN(figure("4 KiB overwritten mid-file", o, before));
}

TEST_CASE("recovery: a truncated file gives back the threads of its first part",
          "[reliability][recovery]") {
  TempDir dir;
  const std::string path = dir.file("spool.db");
  const StoreSnapshot before = make_database(path, thread_count(), 3);
  std::string bytes = read_file(path);
  const std::size_t ps = page_size_of(bytes);
  bytes.resize(bytes.size() * 6 / 10 / ps * ps);
  write_file(path, bytes);

  const Outcome o = recover_and_compare(dir, path, before);
  CHECK(o.report.threads_complete > 0);
  CHECK(o.report.events_recovered > 0);
  WARN(figure("truncated to 60%", o, before));
}

TEST_CASE("recovery: a fork whose parent survives keeps its lineage", "[reliability][recovery]") {
  TempDir dir;
  const std::string path = dir.file("spool.db");
  const StoreSnapshot before = make_database(path, 4, 2);
  // Damage nothing that matters: recover must reproduce everything, forks included.
  const Outcome o = recover_and_compare(dir, path, before);
  CHECK(o.report.threads_complete == static_cast<std::int64_t>(before.events.size()));
  CHECK(o.report.events_recovered == before.total_events());
  auto store = open_store(dir.file("recovered.db"));
  auto forks = store->forks_of("00000000-0000-7000-8000-100000000001");
  REQUIRE(forks.ok());
  CHECK(forks.value() == std::vector<std::string>{"00000000-0000-7000-8000-200000000000"});
}

}  // namespace
}  // namespace spool::test
