// RolloutImporter: file discovery, incremental line reading with checkpoints, reporting.
#include "eventstore/rollout_importer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

#include "eventstore/rollout_line.h"

namespace spool::eventstore {
namespace {

namespace fs = std::filesystem;

bool is_rollout_file(const fs::path& p) { return p.extension() == ".jsonl"; }

bool under_archived_dir(const fs::path& p) {
  for (const auto& part : p) {
    if (part == "archived_sessions") return true;
  }
  return false;
}

// Reads complete lines from a file starting at a byte offset. A last line without its
// newline is not returned: it may still be being written.
class LineReader {
 public:
  LineReader(const fs::path& path, std::int64_t offset) : in_(path, std::ios::binary) {
    if (in_) in_.seekg(offset);
    offset_ = offset;
  }
  bool ok() const { return static_cast<bool>(in_); }

  // Next complete line into `line` (without "\n" or "\r\n"). Returns false at the end;
  // torn() then says whether bytes without a final newline were left.
  bool next(std::string& line) {
    if (!std::getline(in_, line)) return false;
    if (in_.eof()) {  // no newline after these bytes
      torn_ = !line.empty();
      return false;
    }
    offset_ += static_cast<std::int64_t>(line.size()) + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  }
  std::int64_t offset() const { return offset_; }
  bool torn() const { return torn_; }

 private:
  std::ifstream in_;
  std::int64_t offset_ = 0;
  bool torn_ = false;
};

// The first complete line of a file, if it has one.
std::optional<std::string> first_line(const fs::path& path) {
  LineReader r(path, 0);
  std::string line;
  if (!r.ok() || !r.next(line)) return std::nullopt;
  return line;
}

// The thread id of a session_meta line, if `line` is one.
std::optional<std::string> session_meta_line_id(const std::string& line) {
  if (line.find("\"session_meta\"") == std::string::npos) return std::nullopt;
  auto e = parse_rollout_line(line);
  if (!e || e->kind != kind::kSessionMeta) return std::nullopt;
  return session_meta_id(e->payload);
}

// The thread id of a file: the id of its first session_meta line (normally line 1).
std::optional<std::string> thread_id_of(const fs::path& path, const std::string& head) {
  if (auto id = session_meta_line_id(head)) return id;
  LineReader r(path, 0);
  std::string line;
  while (r.next(line)) {
    if (auto id = session_meta_line_id(line)) return id;
  }
  return std::nullopt;
}

NewEvent archive_event(bool archived, std::optional<std::int64_t> ts_ms) {
  NewEvent e;
  e.kind = std::string(kind::kSpool);
  e.type = archived ? "thread_archived" : "thread_unarchived";
  e.payload = fmt::format("{{\"type\":\"{}\",\"reason\":\"import\"}}", *e.type);
  e.ts_ms = ts_ms;
  return e;
}

}  // namespace

RolloutImporter::RolloutImporter(Store& store,
                                 std::function<void(const ImportProgress&)> progress)
    : store_(store), progress_cb_(std::move(progress)) {}

RolloutImporter::~RolloutImporter() { flush(); }

void RolloutImporter::enqueue(AppendRequest request, PendingInfo info, std::size_t bytes) {
  if (request.options.checkpoint) pending_keys_.insert(request.options.checkpoint->identity);
  pending_keys_.insert(request.thread_id);
  pending_.push_back(std::move(request));
  pending_info_.push_back(std::move(info));
  pending_bytes_ += bytes;
  if (pending_bytes_ >= kBatchBytes) flush();
}

void RolloutImporter::flush() {
  if (pending_.empty()) return;
  auto all = store_.append_batch(pending_);
  if (!all) {
    // Find the culprit: commit each request alone, so one bad file costs only itself.
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      auto one = store_.append_batch(std::span(&pending_[i], 1));
      if (one) continue;
      const PendingInfo& info = pending_info_[i];
      ++report_.files_failed;
      report_.events -= info.lines;
      progress_.events -= info.lines;
      problem(info.path, info.first_line,
              fmt::format("not imported from here on: {}", one.error().message));
    }
  }
  pending_.clear();
  pending_info_.clear();
  pending_keys_.clear();
  pending_bytes_ = 0;
}

void RolloutImporter::problem(const fs::path& path, std::int64_t line, const std::string& reason) {
  if (report_.problems.size() >= kMaxProblems) {
    ++report_.problems_not_listed;
    return;
  }
  report_.problems.push_back(line > 0 ? fmt::format("{}:{}: {}", path.string(), line, reason)
                                      : fmt::format("{}: {}", path.string(), reason));
}

void RolloutImporter::collect(const fs::path& path, bool archived, std::vector<Job>& jobs) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> found;
    for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      // A symlink that leads nowhere is collected too, to be reported as unreadable.
      if ((it->is_regular_file(ec) || it->is_symlink(ec)) && is_rollout_file(it->path()))
        found.push_back(it->path());
    }
    if (ec) problem(path, 0, fmt::format("cannot list directory: {}", ec.message()));
    std::sort(found.begin(), found.end());
    for (const auto& f : found) collect(f, archived || under_archived_dir(f), jobs);
    return;
  }
  const auto size = fs::file_size(path, ec);
  if (ec) {
    ++report_.files_seen;
    ++report_.files_failed;
    skip("unreadable file");
    problem(path, 0, fmt::format("cannot read: {}", ec.message()));
    return;
  }
  jobs.push_back(Job{path, archived || under_archived_dir(path), static_cast<std::int64_t>(size)});
}

void RolloutImporter::import_codex_home(const fs::path& home) {
  std::vector<Job> jobs;
  std::error_code ec;
  const bool has_sessions = fs::is_directory(home / "sessions", ec);
  const bool has_archived = fs::is_directory(home / "archived_sessions", ec);
  if (!has_sessions && !has_archived) {
    report_.notes.push_back(fmt::format("{} has no sessions/ or archived_sessions/", home.string()));
  }
  if (has_sessions) collect(home / "sessions", false, jobs);
  if (has_archived) collect(home / "archived_sessions", true, jobs);
  run(std::move(jobs));
}

void RolloutImporter::import_path(const fs::path& path) {
  std::vector<Job> jobs;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    ++report_.files_failed;
    skip("missing path");
    problem(path, 0, "no such file or directory");
    return;
  }
  collect(path, false, jobs);
  run(std::move(jobs));
}

void RolloutImporter::run(std::vector<Job> jobs) {
  const auto start = std::chrono::steady_clock::now();
  progress_.files_total += static_cast<std::int64_t>(jobs.size());
  for (const auto& j : jobs) progress_.bytes_total += j.size;
  for (const auto& job : jobs) {
    import_file(job);
    ++progress_.files_done;
    if (progress_cb_) progress_cb_(progress_);
  }
  flush();
  report_.seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void RolloutImporter::import_file(const Job& job) {
  ++report_.files_seen;
  const fs::path& path = job.path;
  const std::int64_t progress_base = progress_.bytes_done;
  progress_.bytes_done += job.size;  // whatever happens below, this file is done with
  if (job.size == 0) {
    skip("empty file");
    problem(path, 0, "empty file");
    return;
  }
  const auto head = first_line(path);
  if (!head) {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) {
      ++report_.files_failed;
      skip("unreadable file");
      problem(path, 0, fmt::format("cannot open: {}", std::strerror(errno)));
    } else {
      skip("torn line");  // a first line still being written: read it next time
      problem(path, 1, "torn line (no newline yet); it will be read once complete");
    }
    return;
  }
  // The thread: the first session_meta's id; failing that, the UUID in the file name.
  auto thread_id = thread_id_of(path, *head);
  const bool id_from_name = !thread_id;
  if (!thread_id) thread_id = uuid_in_file_name(path.filename().string());
  if (!thread_id) {
    ++report_.files_failed;
    skip("no thread id");
    problem(path, 0, "has no session_meta and no UUID in its name; skipped");
    return;
  }
  // The file: its first line and its thread, wherever it lives now.
  const std::string identity = rollout_identity(*head) + "-" + *thread_id;
  if (is_pending(identity) || is_pending(*thread_id)) flush();
  auto known = store_.import_checkpoint(identity);
  auto before = store_.thread(*thread_id);
  if (!known || !before) {
    ++report_.files_failed;
    problem(path, 0, !known ? known.error().message : before.error().message);
    return;
  }
  ImportCheckpoint cp;
  if (known.value()) {
    cp = *known.value();
    if (cp.offset > job.size) {
      ++report_.files_failed;
      skip("file shrank");
      problem(path, 0, fmt::format("is shorter ({} bytes) than when it was imported ({} bytes); "
                                   "left alone",
                                   job.size, cp.offset));
      return;
    }
  } else {
    cp.identity = identity;
    cp.thread_id = *thread_id;
    if (id_from_name) {
      report_.notes.push_back(fmt::format(
          "{}: no session_meta line; thread id {} taken from the file name", path.string(),
          *thread_id));
    }
  }
  const bool moved = known.value() && cp.path != path.string();
  const bool archive_changed = known.value() ? cp.archived != job.archived : job.archived;
  const bool thread_existed = before.value().has_value();
  cp.path = path.string();
  cp.archived = job.archived;

  LineReader reader(path, cp.offset);
  if (!reader.ok()) {
    ++report_.files_failed;
    skip("unreadable file");
    problem(path, 0, fmt::format("cannot open: {}", std::strerror(errno)));
    return;
  }

  const std::int64_t start_offset = cp.offset;
  std::int64_t lines_in_file = 0;
  std::int64_t last_ts = 0;
  AppendRequest request;
  std::size_t request_bytes = 0;
  std::int64_t request_first_line = cp.lines + 1;
  auto send = [&](std::int64_t rollout_lines) {
    request.thread_id = cp.thread_id;
    request.options.policy = PersistencePolicy::Full;  // every line Codex wrote is kept
    request.options.checkpoint = cp;
    lines_in_file += rollout_lines;
    report_.events += rollout_lines;
    progress_.events += rollout_lines;
    enqueue(std::move(request), PendingInfo{path, request_first_line, rollout_lines},
            request_bytes);
    request = AppendRequest{};
    request_bytes = 0;
    request_first_line = cp.lines + 1;
  };

  std::string line;
  while (reader.next(line)) {
    ++cp.lines;
    cp.offset = reader.offset();
    report_.bytes += static_cast<std::int64_t>(line.size()) + 1;
    if (line.find_first_not_of(" \t") == std::string::npos) {
      skip("blank line");
      problem(path, cp.lines, "blank line");
      continue;
    }
    auto e = parse_rollout_line(line);
    if (!e) {
      skip(e.error());
      problem(path, cp.lines, e.error());
      continue;
    }
    last_ts = *e->ts_ms;
    request_bytes += line.size();
    request.events.push_back(std::move(e).value());
    if (request.events.size() >= kBatchLines) send(static_cast<std::int64_t>(request.events.size()));
  }
  if (reader.torn()) {
    skip("torn line");
    problem(path, cp.lines + 1, "torn line (no newline yet); it will be read once complete");
  }
  const std::int64_t rollout_lines = static_cast<std::int64_t>(request.events.size());
  if (archive_changed) {
    // Archived "when last active": the file's last line, else the thread's last event.
    std::optional<std::int64_t> ts;
    if (last_ts) {
      ts = last_ts;
    } else if (before.value()) {
      ts = before.value()->updated_at_ms;
    }
    request.events.push_back(archive_event(job.archived, ts));
  }
  if (!request.events.empty() || cp.offset != start_offset || moved || !known.value()) {
    send(rollout_lines);
  }
  progress_.bytes_done = progress_base + job.size;

  if (lines_in_file == 0 && cp.offset == start_offset && !archive_changed) {
    ++report_.files_unchanged;
    return;
  }
  ++report_.files_read;
  if (threads_seen_.insert(cp.thread_id).second) {
    if (thread_existed) {
      ++report_.threads_updated;
    } else {
      ++report_.threads_new;
      ++progress_.threads;
    }
  }
}

}  // namespace spool::eventstore
