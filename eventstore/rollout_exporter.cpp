#include "eventstore/rollout_exporter.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <vector>

#include "eventstore/persistence_policy.h"
#include "eventstore/rollout_line.h"

namespace spool::eventstore {
namespace {

bool exported(const StoredEvent& e) {
  if (e.kind == kind::kSpool) return false;
  if (e.line_extras) return true;  // came from a rollout line: written back as it was
  const std::optional<std::string_view> type =
      e.type ? std::optional<std::string_view>(*e.type) : std::nullopt;
  return should_persist(PersistencePolicy::Limited, e.kind, type, e.payload);
}

}  // namespace

Result<std::int64_t, StoreError> export_thread(Store& store, const std::string& thread_id,
                                               std::ostream& out) {
  auto row = store.thread(thread_id);
  if (!row) return std::move(row).error();
  if (!row.value()) {
    return StoreError{StoreErrorCode::InvalidArgument,
                      fmt::format("no thread {} in {}", thread_id, store.path())};
  }
  // A fork's rollout carries its history the way Codex writes a fork: its own session_meta
  // first, then the lines it inherits from its parent's lineage (without the ancestors'
  // session_meta lines), then its own lines.
  std::int64_t lines = 0;
  std::int64_t own_meta_seq = 0;
  auto first = store.read_thread(thread_id, 1, [&](const StoredEvent& e) {
    if (e.kind == kind::kSessionMeta && exported(e)) {
      out << format_rollout_line(e) << '\n';
      ++lines;
      own_meta_seq = e.seq;
    }
    return false;  // the first event only
  });
  if (!first) return std::move(first).error();
  auto r = store.read_lineage(thread_id, [&](const StoredEvent& e) {
    const bool own = e.thread_id == thread_id;
    if (own && e.seq == own_meta_seq) return true;               // written above
    if (!own && e.kind == kind::kSessionMeta) return true;       // an ancestor's
    if (!exported(e)) return true;
    out << format_rollout_line(e) << '\n';
    ++lines;
    return static_cast<bool>(out);
  });
  if (!r) return std::move(r).error();
  if (!out) {
    return StoreError{StoreErrorCode::Io, fmt::format("writing thread {} failed", thread_id)};
  }
  return lines;
}

std::string rollout_relative_path(const ThreadRow& thread) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds{thread.created_at_ms}};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> hms{floor<seconds>(t - day)};
  const int y = static_cast<int>(ymd.year());
  const unsigned mo = static_cast<unsigned>(ymd.month());
  const unsigned d = static_cast<unsigned>(ymd.day());
  const std::string name =
      fmt::format("rollout-{:04}-{:02}-{:02}T{:02}-{:02}-{:02}-{}.jsonl", y, mo, d,
                  hms.hours().count(), hms.minutes().count(), hms.seconds().count(), thread.id);
  if (thread.archived_at_ms) return "archived_sessions/" + name;
  return fmt::format("sessions/{:04}/{:02}/{:02}/{}", y, mo, d, name);
}

Result<ExportAllReport, std::string> export_all(Store& store, const std::filesystem::path& dir) {
  std::vector<ThreadRow> threads;
  auto listed = store.read_threads([&](const ThreadRow& t) {
    threads.push_back(t);
    return true;
  });
  if (!listed) return fail(listed.error().message);
  ExportAllReport report;
  for (const ThreadRow& t : threads) {
    const std::filesystem::path file = dir / rollout_relative_path(t);
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) return fail(fmt::format("cannot create {}: {}", file.parent_path().string(), ec.message()));
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!out) return fail(fmt::format("cannot write {}", file.string()));
    auto n = export_thread(store, t.id, out);
    if (!n) return fail(n.error().message);
    out.close();
    if (!out) return fail(fmt::format("cannot write {}", file.string()));
    ++report.threads;
    report.lines += n.value();
  }
  return report;
}

}  // namespace spool::eventstore
