// Salvage of a damaged database (`spool doctor --recover`): every event that SQLite can
// still read is copied, thread by thread, into a new Spool database.
//
// How: the damaged file is opened read-only (it is never written). Each rowid table is
// scanned in rowid order; when a page cannot be read the scan skips ahead (galloping, then
// a binary search for the first readable rowid), so one damaged page costs only the rows
// on it. Events are staged in a scratch file, then appended thread by thread (parents
// before their forks) through a new Store with the caller's hooks attached, so the
// projections of the new database are built by the same fold as live appends.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "eventstore/store.h"

namespace spool::eventstore {

struct RecoveryReport {
  // Threads known from the threads table or from any readable event.
  std::int64_t threads_total = 0;
  std::int64_t threads_complete = 0;  // every seq from 1 to its last seq was read
  std::int64_t threads_partial = 0;   // some events read, some missing (seqs renumbered)
  std::int64_t threads_lost = 0;      // named by the threads table, no event readable
  // Sum of last_seq over the readable threads rows, plus the events of threads that only
  // events name; a lower bound of what the file held when its threads table is damaged.
  std::int64_t events_expected = 0;
  std::int64_t events_recovered = 0;
  std::int64_t unreadable_ranges = 0;  // runs of rows skipped because SQLite could not read them
  std::vector<std::string> partial_threads;  // ids
  std::vector<std::string> lost_threads;     // ids
  std::vector<std::string> notes;            // one line each: what else was skipped
};

// Copies what is readable of the database at `damaged_path` into a new Spool database at
// `out_path`. REQUIRES: `out_path` does not exist. `prepare` is called once on the new
// store before the first append (attach the projection hooks there). The damaged file is
// opened read-only and never changed.
//
// A thread whose seqs are all readable keeps its seqs. A partial thread keeps every
// readable event in order, renumbered from 1 (listed in partial_threads). A fork whose
// parent cannot be appended loses its fork link (noted). Rate limits, feedback, import
// checkpoints and settings are copied as far as readable.
// Fails (and removes `out_path`) when the file cannot be read at all or the new database
// cannot be written.
Result<RecoveryReport, StoreError> recover_database(const std::string& damaged_path,
                                                    const std::string& out_path,
                                                    const std::function<void(Store&)>& prepare);

}  // namespace spool::eventstore
