// Writing threads back as Codex rollout files, so nothing is locked in.
//
// A thread imported from Codex comes back line for line: same kinds, order, timestamps,
// extra line fields and payload bytes. Events Spool recorded itself are written only when
// the Codex CLI would have persisted them (the `limited` policy), so Codex can list and
// resume the thread. Spool's own bookkeeping events (kind "spool") are never written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>

#include "base/result.h"
#include "eventstore/store.h"

namespace spool::eventstore {

// Writes the thread's rollout lines to `out`; returns how many. Unknown thread: an
// InvalidArgument error naming it.
Result<std::int64_t, StoreError> export_thread(Store& store, const std::string& thread_id,
                                               std::ostream& out);

// Where Codex keeps a thread's file, relative to CODEX_HOME:
// sessions/YYYY/MM/DD/rollout-YYYY-MM-DDThh-mm-ss-<id>.jsonl (UTC), or
// archived_sessions/rollout-...jsonl for an archived thread.
std::string rollout_relative_path(const ThreadRow& thread);

struct ExportAllReport {
  std::int64_t threads = 0;
  std::int64_t lines = 0;
};

// Writes every thread into the Codex layout under `dir`.
Result<ExportAllReport, std::string> export_all(Store& store, const std::filesystem::path& dir);

}  // namespace spool::eventstore
