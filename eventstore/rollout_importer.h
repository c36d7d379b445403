// RolloutImporter: turns Codex rollout files into Spool threads, incrementally.
//
// Each line becomes one event (kind, timestamp, payload bytes as written), appended in
// batches whose transactions also record how far the file has been read (import_files), so
// re-running imports nothing twice, a file that grew contributes only its new lines, and a
// crash leaves whole batches or nothing. Bad lines never stop a file: each is counted and
// reported with its file and line number, and the rest is imported. A torn last line (no
// newline yet) is left unread and picked up by a later run once it is complete.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "eventstore/store.h"

namespace spool::eventstore {

struct ImportReport {
  std::int64_t files_seen = 0;       // rollout files looked at
  std::int64_t files_read = 0;       // files that had new lines
  std::int64_t files_unchanged = 0;  // nothing new since the last run
  std::int64_t files_failed = 0;     // unreadable, or no thread id could be found
  std::int64_t threads_new = 0;
  std::int64_t threads_updated = 0;
  std::int64_t events = 0;
  std::int64_t bytes = 0;  // bytes of new lines read
  std::map<std::string, std::int64_t> skipped;  // reason -> lines (or files) skipped
  std::vector<std::string> problems;  // "path:line: reason", the first kMaxProblems
  std::int64_t problems_not_listed = 0;
  std::vector<std::string> notes;  // things worth knowing that are not errors
  double seconds = 0;
};

struct ImportProgress {
  std::int64_t files_done = 0;
  std::int64_t files_total = 0;
  std::int64_t bytes_done = 0;
  std::int64_t bytes_total = 0;
  std::int64_t threads = 0;
  std::int64_t events = 0;
};

class RolloutImporter {
 public:
  static constexpr std::size_t kMaxProblems = 200;
  // One append carries at most this many lines of a file...
  static constexpr std::size_t kBatchLines = 4096;
  // ...and one transaction at most about this many bytes, of one file or several whole ones.
  static constexpr std::size_t kBatchBytes = 16u << 20;

  // `store` must outlive the importer. `progress` (optional) is called after each file.
  RolloutImporter(Store& store, std::function<void(const ImportProgress&)> progress = {});
  ~RolloutImporter();

  // Imports <home>/sessions/** and <home>/archived_sessions/ (threads from there are
  // marked archived).
  void import_codex_home(const std::filesystem::path& home);
  // Imports a file, or every *.jsonl below a directory. Files under a directory named
  // archived_sessions are marked archived.
  void import_path(const std::filesystem::path& path);

  const ImportReport& report() const { return report_; }

 private:
  struct Job {
    std::filesystem::path path;
    bool archived;
    std::int64_t size;
  };
  void collect(const std::filesystem::path& path, bool archived, std::vector<Job>& jobs);
  void run(std::vector<Job> jobs);
  void import_file(const Job& job);
  void problem(const std::filesystem::path& path, std::int64_t line, const std::string& reason);
  void skip(const std::string& reason) { ++report_.skipped[reason]; }

  // Appends wait in `pending_` and commit together (flush): many small files share one
  // transaction. A file whose identity or thread is pending flushes first, so every lookup
  // sees committed state.
  struct PendingInfo {
    std::filesystem::path path;
    std::int64_t first_line = 0;  // for reporting a failed append
    std::int64_t lines = 0;       // rollout lines in the request
  };
  void enqueue(AppendRequest request, PendingInfo info, std::size_t bytes);
  void flush();
  bool is_pending(const std::string& key) const { return pending_keys_.count(key) > 0; }

  Store& store_;
  std::vector<AppendRequest> pending_;
  std::vector<PendingInfo> pending_info_;
  std::set<std::string> pending_keys_;
  std::size_t pending_bytes_ = 0;
  std::function<void(const ImportProgress&)> progress_cb_;
  ImportProgress progress_;
  ImportReport report_;
  std::set<std::string> threads_seen_;
};

}  // namespace spool::eventstore
