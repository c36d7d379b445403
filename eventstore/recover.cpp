// Salvage of a damaged database: read-only skip-scans of the damaged file, a scratch
// staging file, and appends through a new Store (see recover.h).
#include "eventstore/recover.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <system_error>

#include "eventstore/open_database.h"
#include "eventstore/sqlite_error.h"

namespace spool::eventstore {
namespace {

namespace fs = std::filesystem;

// Visits every row of a rowid table that SQLite can read, in rowid order (rowids >= 1).
// When a step fails (a damaged page), finds the first rowid after which reading works
// again: galloping probes, then a binary search between the last failing and the first
// working probe. Returns the number of unreadable runs skipped. Errors of `visit` itself
// are not caught here.
std::int64_t scan_rowid_table(SQLite::Database& db, const std::string& table,
                              const std::string& columns,
                              const std::function<void(SQLite::Statement&)>& visit) {
  const std::string sql = fmt::format(
      "SELECT rowid, {} FROM {} NOT INDEXED WHERE rowid > ? ORDER BY rowid", columns, table);
  // A probe succeeds when the first row after `after` reads, or there is none.
  const auto probe = [&](std::int64_t after) {
    try {
      SQLite::Statement q(db, sql);
      q.bind(1, after);
      (void)q.executeStep();
      return true;
    } catch (const SQLite::Exception&) {
      return false;
    }
  };
  std::optional<std::int64_t> max_rowid;
  try {
    SQLite::Statement q(db, fmt::format("SELECT max(rowid) FROM {}", table));
    if (q.executeStep() && !q.getColumn(0).isNull()) max_rowid = q.getColumn(0).getInt64();
  } catch (const SQLite::Exception&) {
  }
  const std::int64_t cap = max_rowid.value_or(std::numeric_limits<std::int64_t>::max() / 4);

  std::int64_t after = 0;
  std::int64_t skipped = 0;
  for (;;) {
    try {
      SQLite::Statement q(db, sql);
      q.bind(1, after);
      while (q.executeStep()) {
        const std::int64_t rowid = q.getColumn(0).getInt64();
        visit(q);
        after = rowid;
      }
      return skipped;
    } catch (const SQLite::Exception&) {
      ++skipped;
    }
    // Reading right after `after` fails: find where it works again.
    std::int64_t lo = after;  // probe(lo) fails
    std::optional<std::int64_t> hi;
    for (std::int64_t step = 1; lo < cap; step *= 2) {
      const std::int64_t q = (cap - lo > step) ? lo + step : cap;
      if (probe(q)) {
        hi = q;
        break;
      }
      lo = q;
    }
    if (!hi) return skipped;  // nothing readable up to the largest rowid
    while (*hi - lo > 1) {
      const std::int64_t mid = lo + (*hi - lo) / 2;
      if (probe(mid)) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    after = *hi;
  }
}

std::set<std::string> table_columns(SQLite::Database& db, const std::string& table) {
  std::set<std::string> out;
  SQLite::Statement q(db, fmt::format("PRAGMA table_info({})", table));
  while (q.executeStep()) out.insert(q.getColumn(1).getString());
  return out;
}

void bind_column(SQLite::Statement& st, int index, const SQLite::Column& c) {
  switch (c.getType()) {
    case SQLITE_INTEGER: st.bind(index, c.getInt64()); break;
    case SQLITE_FLOAT: st.bind(index, c.getDouble()); break;
    case SQLITE_TEXT: st.bind(index, c.getString()); break;
    case SQLITE_BLOB: st.bind(index, c.getBlob(), c.getBytes()); break;
    default: st.bind(index); break;
  }
}

// Removes a file (and its SQLite companions) when it goes out of scope, unless kept.
struct RemoveOnExit {
  std::string path;
  bool keep = false;
  ~RemoveOnExit() {
    if (keep) return;
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix, ec);
  }
};

struct ThreadInfo {
  std::optional<std::int64_t> last_seq;  // from the threads row, when readable
  std::optional<std::string> policy;     // the thread's policy override
  std::optional<std::string> parent;     // forked_from_id of its readable fork event
  std::int64_t readable = 0;             // staged events
  std::int64_t max_seq = 0;
  bool done = false;
  bool visiting = false;
};

bool is_disk_problem(StoreErrorCode c) {
  return c == StoreErrorCode::DiskFull || c == StoreErrorCode::Io ||
         c == StoreErrorCode::ReadOnly || c == StoreErrorCode::CantOpen ||
         c == StoreErrorCode::Busy;
}

class Recovery {
 public:
  Recovery(SQLite::Database& src, SQLite::Database& stage, RecoveryReport& report)
      : src_(src), stage_(stage), report_(report) {}

  void read_threads_table() {
    const std::int64_t skipped =
        scan_rowid_table(src_, "threads", "id, last_seq, persistence_policy", [&](SQLite::Statement& q) {
          if (!q.getColumn(1).isText() || !q.getColumn(2).isInteger()) return;
          ThreadInfo& t = threads_[q.getColumn(1).getString()];
          t.last_seq = q.getColumn(2).getInt64();
          if (q.getColumn(3).isText()) t.policy = q.getColumn(3).getString();
        });
    if (skipped > 0) {
      report_.notes.push_back(fmt::format(
          "threads table: {} unreadable run(s) skipped; threads only named there are not counted",
          skipped));
    }
    report_.unreadable_ranges += skipped;
  }

  void stage_events() {
    const bool has_extras = table_columns(src_, "events").count("line_extras") > 0;
    stage_.exec(
        "CREATE TABLE staged (thread_id TEXT NOT NULL, seq INTEGER NOT NULL, ts_ms INTEGER NOT "
        "NULL, kind TEXT NOT NULL, type TEXT, turn_id TEXT, producer_id TEXT, payload TEXT NOT "
        "NULL, line_extras TEXT, PRIMARY KEY (thread_id, seq)) WITHOUT ROWID");
    SQLite::Transaction tx(stage_);
    SQLite::Statement insert(stage_, "INSERT OR IGNORE INTO staged VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    std::int64_t invalid = 0;
    const std::string columns = std::string("thread_id, seq, ts_ms, kind, type, turn_id, producer_id, payload, ") +
                                (has_extras ? "line_extras" : "NULL");
    const std::int64_t skipped = scan_rowid_table(src_, "events", columns, [&](SQLite::Statement& q) {
      // Column 0 is the rowid. A row read from a damaged page can be garbage: keep only
      // rows with the shape the schema promises and a payload that is JSON.
      const bool shaped = q.getColumn(1).isText() && q.getColumn(1).getBytes() > 0 &&
                          q.getColumn(2).isInteger() && q.getColumn(2).getInt64() >= 1 &&
                          q.getColumn(3).isInteger() && q.getColumn(4).isText() &&
                          q.getColumn(4).getBytes() > 0 && q.getColumn(8).isText();
      if (!shaped || !nlohmann::json::accept(q.getColumn(8).getString())) {
        ++invalid;
        return;
      }
      insert.reset();
      for (int i = 1; i <= 9; ++i) bind_column(insert, i, q.getColumn(i));
      insert.exec();
    });
    tx.commit();
    report_.unreadable_ranges += skipped;
    if (skipped > 0) {
      report_.notes.push_back(fmt::format("events table: {} unreadable run(s) skipped", skipped));
    }
    if (invalid > 0) {
      report_.notes.push_back(fmt::format("events table: {} damaged row(s) dropped", invalid));
    }

    SQLite::Statement counts(stage_, "SELECT thread_id, count(*), max(seq) FROM staged GROUP BY thread_id");
    while (counts.executeStep()) {
      ThreadInfo& t = threads_[counts.getColumn(0).getString()];
      t.readable = counts.getColumn(1).getInt64();
      t.max_seq = counts.getColumn(2).getInt64();
    }
    SQLite::Statement forks(stage_,
                            "SELECT thread_id, payload FROM staged WHERE kind = 'spool' AND "
                            "type = 'thread_forked' ORDER BY thread_id, seq");
    while (forks.executeStep()) {
      const auto p = nlohmann::json::parse(forks.getColumn(1).getString(), nullptr, false);
      if (p.is_object() && p.contains("forked_from_id") && p["forked_from_id"].is_string()) {
        ThreadInfo& t = threads_[forks.getColumn(0).getString()];
        if (!t.parent) t.parent = p["forked_from_id"].get<std::string>();
      }
    }
  }

  // Appends every staged thread, each parent before its forks.
  Result<void, StoreError> append_all(Store& store) {
    for (auto& [id, info] : threads_) {
      if (auto r = append_thread(store, id, 0); !r) return r;
    }
    report_.threads_total = static_cast<std::int64_t>(threads_.size());
    for (auto& [id, info] : threads_) {
      report_.events_expected += info.last_seq ? std::max(*info.last_seq, info.max_seq) : info.max_seq;
    }
    return {};
  }

  // Thread policy overrides, settings, import checkpoints, rate limits and feedback.
  void copy_records(SQLite::Database& dst) {
    SQLite::Transaction tx(dst);
    SQLite::Statement policy(dst, "UPDATE threads SET persistence_policy = ? WHERE id = ?");
    for (auto& [id, info] : threads_) {
      if (!info.policy || info.readable == 0) continue;
      policy.reset();
      policy.bind(1, *info.policy);
      policy.bind(2, id);
      try {
        policy.exec();
      } catch (const SQLite::Exception&) {  // a garbled policy value: keep the default
      }
    }
    for (const char* table : {"store_settings", "import_files", "rate_limit_snapshots", "feedback"}) {
      copy_table(dst, table);
    }
    tx.commit();
  }

 private:
  Result<void, StoreError> append_thread(Store& store, const std::string& id, int depth) {
    ThreadInfo& info = threads_[id];
    if (info.done || info.visiting) return {};
    if (info.readable == 0) {
      info.done = true;
      ++report_.threads_lost;
      report_.lost_threads.push_back(id);
      return {};
    }
    info.visiting = true;
    if (info.parent && threads_.count(*info.parent) > 0 && depth < 1000) {
      if (auto r = append_thread(store, *info.parent, depth + 1); !r) return r;
    }
    info.visiting = false;
    info.done = true;

    std::vector<NewEvent> events;
    SQLite::Statement q(stage_,
                        "SELECT kind, type, payload, ts_ms, turn_id, producer_id, line_extras "
                        "FROM staged WHERE thread_id = ? ORDER BY seq");
    q.bind(1, id);
    while (q.executeStep()) {
      NewEvent e;
      e.kind = q.getColumn(0).getString();
      if (q.getColumn(1).isText()) e.type = q.getColumn(1).getString();
      e.payload = q.getColumn(2).getString();
      e.ts_ms = q.getColumn(3).getInt64();
      if (q.getColumn(4).isText()) e.turn_id = q.getColumn(4).getString();
      if (q.getColumn(5).isText()) e.producer_id = q.getColumn(5).getString();
      if (q.getColumn(6).isText()) e.line_extras = q.getColumn(6).getString();
      events.push_back(std::move(e));
    }
    bool complete = info.readable == info.max_seq && (!info.last_seq || *info.last_seq == info.max_seq);

    AppendOptions options;
    options.policy = PersistencePolicy::Full;  // store exactly what was stored before
    auto r = store.append(id, 0, events, options);
    if (!r && r.error().code == StoreErrorCode::InvalidEvent && info.parent) {
      // Most likely the fork's parent is gone: keep the thread's own events without the link.
      std::erase_if(events, [](const NewEvent& e) {
        return e.kind == kind::kSpool && e.type == "thread_forked";
      });
      report_.notes.push_back(fmt::format("thread {}: fork link to {} dropped ({})", id,
                                          *info.parent, r.error().message));
      complete = false;
      r = store.append(id, 0, events, options);
    }
    if (!r) {
      if (is_disk_problem(r.error().code)) return std::move(r).error();
      report_.notes.push_back(fmt::format("thread {}: not stored: {}", id, r.error().message));
      ++report_.threads_lost;
      report_.lost_threads.push_back(id);
      return {};
    }
    for (const AppendedEvent& e : r->events) {
      if (e.status == AppendedEvent::Status::Stored) ++report_.events_recovered;
    }
    if (complete) {
      ++report_.threads_complete;
    } else {
      ++report_.threads_partial;
      report_.partial_threads.push_back(id);
    }
    return {};
  }

  void copy_table(SQLite::Database& dst, const std::string& table) {
    std::vector<std::string> columns;
    try {
      const auto have = table_columns(src_, table);
      SQLite::Statement info(dst, fmt::format("PRAGMA table_info({})", table));
      while (info.executeStep()) {
        const std::string c = info.getColumn(1).getString();
        if (have.count(c) == 0) return;  // an older file without this column: skip the table
        columns.push_back(c);
      }
    } catch (const SQLite::Exception& e) {
      report_.notes.push_back(fmt::format("{}: not copied ({})", table, e.what()));
      return;
    }
    if (columns.empty()) return;
    std::string list;
    std::string marks;
    for (const auto& c : columns) {
      list += (list.empty() ? "" : ", ") + c;
      marks += marks.empty() ? "?" : ", ?";
    }
    SQLite::Statement insert(dst, fmt::format("INSERT OR REPLACE INTO {} ({}) VALUES ({})", table, list, marks));
    std::int64_t rejected = 0;
    const std::int64_t skipped = scan_rowid_table(src_, table, list, [&](SQLite::Statement& q) {
      insert.reset();
      for (int i = 0; i < static_cast<int>(columns.size()); ++i) bind_column(insert, i + 1, q.getColumn(i + 1));
      try {
        insert.exec();
      } catch (const SQLite::Exception&) {
        ++rejected;  // a garbled row the new schema's constraints refuse
      }
    });
    report_.unreadable_ranges += skipped;
    if (skipped > 0 || rejected > 0) {
      report_.notes.push_back(fmt::format("{}: {} unreadable run(s) skipped, {} damaged row(s) dropped",
                                          table, skipped, rejected));
    }
  }

  SQLite::Database& src_;
  SQLite::Database& stage_;
  RecoveryReport& report_;
  std::map<std::string, ThreadInfo> threads_;  // by id: appends in a stable order
};

}  // namespace

Result<RecoveryReport, StoreError> recover_database(const std::string& damaged_path,
                                                    const std::string& out_path,
                                                    const std::function<void(Store&)>& prepare) {
  std::error_code ec;
  if (fs::exists(out_path, ec)) {
    return StoreError{StoreErrorCode::InvalidArgument,
                      fmt::format("recover: {} already exists; not overwriting it", out_path)};
  }
  RecoveryReport report;
  RemoveOnExit out_guard{out_path};
  RemoveOnExit stage_guard{out_path + ".staging"};
  try {
    SQLite::Database src(damaged_path, SQLite::OPEN_READONLY);
    try {
      // Tolerates a file shorter than its header says (truncated): SQLite then reads the
      // pages that are there instead of refusing the whole file. Nothing is written.
      src.exec("PRAGMA writable_schema = ON");
      const int app_id = src.execAndGet("PRAGMA application_id").getInt();
      if (app_id != kSpoolApplicationId) {
        return StoreError{StoreErrorCode::NotSpoolDatabase,
                          fmt::format("recover: {} is not a Spool database (application_id "
                                      "{:#010x}); nothing to recover",
                                      damaged_path, static_cast<unsigned>(app_id))};
      }
      (void)table_columns(src, "events");  // the schema must be readable
    } catch (const SQLite::Exception& e) {
      return StoreError{code_for_sqlite(e.getErrorCode()),
                        fmt::format("recover: {}: the file's header or schema cannot be read "
                                    "({}); nothing can be recovered from it",
                                    damaged_path, e.what())};
    }
    SQLite::Database stage(stage_guard.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    stage.exec("PRAGMA journal_mode = OFF");
    stage.exec("PRAGMA synchronous = OFF");
    Recovery recovery(src, stage, report);
    recovery.read_threads_table();
    recovery.stage_events();
    {
      // NORMAL: one fsync per thread would dominate; the close below checkpoints the WAL
      // into the file with a sync, before the caller checks it and swaps it in.
      StoreOptions out_options;
      out_options.synchronous = Synchronous::Normal;
      auto store = Store::open(out_path, out_options);
      if (!store) return std::move(store).error();
      if (prepare) prepare(*store.value());
      if (auto r = recovery.append_all(*store.value()); !r) return std::move(r).error();
    }
    {
      SQLite::Database dst(out_path, SQLite::OPEN_READWRITE);
      recovery.copy_records(dst);
    }
  } catch (const SQLite::Exception& e) {
    return sqlite_failure("recover", damaged_path, e.getErrorCode(), e.what());
  }
  out_guard.keep = true;
  return report;
}

}  // namespace spool::eventstore
