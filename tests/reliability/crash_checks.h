// What must hold of a database after a process writing to it was killed (issue 10): it
// opens (the time that takes is the recovery time), integrity_check is ok, every thread's
// seqs are 1..last_seq with no gap, no producer id is stored twice, and the projections
// (thread list columns, turns, items) equal what `spool rebuild` makes from the log.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace spool::test {

struct CrashCheck {
  std::chrono::microseconds reopen_time{0};  // Store::open (WAL recovery, quick_check, migrations)
  std::string integrity;                     // PRAGMA integrity_check: "ok"
  std::int64_t threads = 0;
  std::int64_t events = 0;
  std::vector<std::string> seq_problems;         // gaps, counts that disagree with last_seq
  std::vector<std::string> duplicate_producers;  // producer ids stored more than once
  std::vector<std::string> projection_diffs;     // rows that differ from a rebuild
  std::map<std::string, std::int64_t> producer_seqs;  // "<thread>\x1f<producer id>" -> seq

  bool ok() const {
    return integrity == "ok" && seq_problems.empty() && duplicate_producers.empty() &&
           projection_diffs.empty();
  }
  std::string describe() const;  // the problems, for a failure message
};

// Opens the database at `path` (projections attached), checks it as above, and rebuilds its
// projections in place to compare (they are equal when the check passes, so the file is left
// as it was). Throws std::runtime_error when it cannot be opened.
CrashCheck check_after_crash(const std::string& path);

}  // namespace spool::test
