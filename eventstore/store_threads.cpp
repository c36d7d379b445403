// Whole-thread operations: forks (the thread_forks rows and lineage reads) and deleting a
// thread with everything derived from it.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <limits>
#include <stdexcept>

#include "eventstore/sqlite_error.h"
#include "eventstore/store.h"
#include "eventstore/store_internal.h"

namespace spool::eventstore {

namespace detail {

namespace {

// A fork's row: its parent and how much of the parent's lineage it begins with.
struct ForkRow {
  std::string parent_id;
  std::int64_t through_seq = 0;
  std::int64_t fork_seq = 0;
};

std::optional<ForkRow> fork_row(SQLite::Database& db, const std::string& thread_id) {
  SQLite::Statement q(db,
                      "SELECT parent_id, through_seq, fork_seq FROM thread_forks WHERE thread_id = ?");
  q.bind(1, thread_id);
  if (!q.executeStep()) return std::nullopt;
  return ForkRow{q.getColumn(0).getString(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64()};
}

// More forks of forks than this is a cycle (or a lineage nobody should read in one go).
constexpr std::size_t kMaxLineageDepth = 100000;

}  // namespace

Result<void, StoreError> record_fork(SQLite::Database& db, const std::string& thread_id,
                                     std::int64_t seq, const std::string& payload) {
  auto invalid = [&](std::string_view why) {
    return StoreError{StoreErrorCode::InvalidEvent,
                      fmt::format("append to thread {}: the thread_forked event at seq {} {}; "
                                  "nothing was written",
                                  thread_id, seq, why)};
  };
  const nlohmann::json p = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  const auto parent_it = p.is_object() ? p.find("forked_from_id") : p.end();
  const auto through_it = p.is_object() ? p.find("through_seq") : p.end();
  if (parent_it == p.end() || !parent_it->is_string() || through_it == p.end() ||
      !through_it->is_number_integer()) {
    return invalid("needs a string forked_from_id and an integer through_seq");
  }
  const std::string parent = parent_it->get<std::string>();
  const std::int64_t through = through_it->get<std::int64_t>();
  if (parent == thread_id) return invalid("names the thread itself as its parent");
  SQLite::Statement q(db, "SELECT last_seq FROM threads WHERE id = ?");
  q.bind(1, parent);
  if (!q.executeStep()) return invalid(fmt::format("names an unknown parent thread {}", parent));
  const std::int64_t parent_last = q.getColumn(0).getInt64();
  if (through < 1 || through > parent_last) {
    return invalid(fmt::format("has through_seq {}, but parent {} has seqs 1 to {}", through,
                               parent, parent_last));
  }
  if (auto earlier = fork_row(db, thread_id)) {
    return invalid(fmt::format("is a second fork event (the thread is already forked from {})",
                               earlier->parent_id));
  }
  // The parent's own ancestors must not include this thread.
  std::string ancestor = parent;
  for (std::size_t depth = 0; depth < kMaxLineageDepth; ++depth) {
    auto up = fork_row(db, ancestor);
    if (!up) break;
    if (up->parent_id == thread_id) {
      return invalid(fmt::format("would make a cycle: {} descends from {}", parent, thread_id));
    }
    ancestor = up->parent_id;
  }
  SQLite::Statement insert(db,
                           "INSERT INTO thread_forks (thread_id, parent_id, through_seq, fork_seq) "
                           "VALUES (?, ?, ?, ?)");
  insert.bind(1, thread_id);
  insert.bind(2, parent);
  insert.bind(3, through);
  insert.bind(4, seq);
  insert.exec();
  return {};
}

std::int64_t visit_lineage(SQLite::Database& db, std::string_view thread_id,
                           std::int64_t through_seq,
                           const std::function<bool(const StoredEvent&)>& visit) {
  // The chain from the thread up to its root, each with the last seq of its own to read.
  struct Part {
    std::string thread_id;
    std::int64_t through_seq;
  };
  std::vector<Part> chain{{std::string(thread_id), through_seq}};
  for (;;) {
    const Part& last = chain.back();
    auto fork = fork_row(db, last.thread_id);
    if (!fork || fork->fork_seq > last.through_seq) break;  // not forked by then
    if (chain.size() >= kMaxLineageDepth) {
      throw std::runtime_error(
          fmt::format("the lineage of thread {} is a cycle of forks", thread_id));
    }
    chain.push_back({fork->parent_id, fork->through_seq});
  }
  SQLite::Statement q(db, std::string(kEventColumns) +
                              "WHERE thread_id = ? AND seq <= ? ORDER BY seq");
  std::int64_t n = 0;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    q.reset();
    q.bind(1, it->thread_id);
    q.bind(2, it->through_seq);
    while (q.executeStep()) {
      ++n;
      if (!visit(read_event_row(q))) return n;
    }
  }
  return n;
}

}  // namespace detail

Result<std::vector<std::string>, StoreError> Store::forks_of(std::string_view thread_id) {
  try {
    SQLite::Statement q(*db_,
                        "SELECT thread_id FROM thread_forks WHERE parent_id = ? ORDER BY thread_id");
    q.bind(1, std::string(thread_id));
    std::vector<std::string> out;
    while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    return out;
  } catch (const SQLite::Exception& e) {
    return sqlite_failure(fmt::format("reading the forks of thread {}", thread_id), path_,
                          e.getErrorCode(), e.what());
  }
}

Result<std::int64_t, StoreError> Store::read_lineage(std::string_view thread_id,
                                                     const EventVisitor& visit) {
  try {
    return visit_lineage(*db_, thread_id, std::numeric_limits<std::int64_t>::max(), visit);
  } catch (const SQLite::Exception& e) {
    return sqlite_failure(fmt::format("reading the lineage of thread {}", thread_id), path_,
                          e.getErrorCode(), e.what());
  } catch (const std::runtime_error& e) {
    return StoreError{StoreErrorCode::Corrupt,
                      fmt::format("reading the lineage of thread {} in {}: {}", thread_id, path_,
                                  e.what())};
  }
}

Result<void, StoreError> Store::delete_thread(std::string_view thread_id) {
  if (!stmts_) {
    return StoreError{StoreErrorCode::ReadOnly,
                      fmt::format("delete thread {}: {} was opened read-only", thread_id, path_)};
  }
  const std::string tid(thread_id);
  try {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement exists(*db_, "SELECT 1 FROM threads WHERE id = ?");
    exists.bind(1, tid);
    if (!exists.executeStep()) {
      return StoreError{StoreErrorCode::NotFound,
                        fmt::format("delete thread {}: no thread {} in {}", tid, tid, path_)};
    }
    exists.reset();
    auto forks = forks_of(tid);
    if (!forks) return std::move(forks).error();
    if (!forks->empty()) {
      return StoreError{StoreErrorCode::Conflict,
                        fmt::format("delete thread {}: it has forks ({}) whose history reads "
                                    "its events; delete them first",
                                    tid, fmt::join(forks.value(), ", "))};
    }
    // Children before the rows they reference (foreign keys are on).
    for (const char* sql : {"DELETE FROM items WHERE thread_id = ?",
                            "DELETE FROM turns WHERE thread_id = ?",
                            "DELETE FROM projection_state WHERE thread_id = ?",
                            "DELETE FROM thread_forks WHERE thread_id = ?",
                            "DELETE FROM import_files WHERE thread_id = ?",
                            "DELETE FROM events WHERE thread_id = ?",
                            "DELETE FROM threads WHERE id = ?"}) {
      SQLite::Statement d(*db_, sql);
      d.bind(1, tid);
      d.exec();
    }
    tx.commit();
  } catch (const SQLite::Exception& e) {
    return sqlite_failure(fmt::format("delete thread {}", tid), path_, e.getErrorCode(), e.what());
  }
  // The deleted pages were zeroed (secure_delete), but the WAL still holds the frames that
  // wrote them: copy everything back and truncate it. Best effort: with readers active the
  // checkpoint stops short (it reports busy), and the next one finishes the job.
  try {
    SQLite::Statement checkpoint(*db_, "PRAGMA wal_checkpoint(TRUNCATE)");
    while (checkpoint.executeStep()) {
    }
  } catch (const SQLite::Exception& e) {
    const int code = e.getErrorCode() & 0xff;
    if (code != SQLITE_BUSY && code != SQLITE_LOCKED) {
      return sqlite_failure(fmt::format("checkpointing after deleting thread {}", tid), path_,
                            e.getErrorCode(), e.what());
    }
  }
  return {};
}

}  // namespace spool::eventstore
