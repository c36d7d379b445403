// Store: append with optimistic concurrency and idempotent retry, streamed reads, policy
// settings (the projections' read side and rebuild are in store_views.cpp). SQLite
// exceptions never leave the store: each public method catches them and returns a
// StoreError.
#include "eventstore/store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <thread>

#include "base/time.h"
#include "base/utf8.h"
#include "eventstore/open_database.h"
#include "eventstore/sqlite_error.h"
#include "eventstore/store_internal.h"

namespace spool::eventstore {

Store::Store(std::string path, std::unique_ptr<SQLite::Database> db)
    : path_(std::move(path)), db_(std::move(db)) {}

Store::~Store() = default;

namespace {

// After a write failed part-way (SQLITE_FULL or SQLITE_IOERR in a statement or in COMMIT):
// leaves the connection as a fresh one, so the next write works once the cause is gone.
// Resets the append statements (one that threw mid-step would keep its read snapshot) and
// rolls back whatever transaction SQLite left open (the Transaction's destructor already
// tried; after some errors SQLite rolls back by itself, after others it does not).
void reset_after_failed_write(SQLite::Database& db, std::initializer_list<SQLite::Statement*> statements) {
  for (SQLite::Statement* st : statements) {
    try {
      st->reset();
    } catch (const SQLite::Exception&) {  // reset returns the statement's last error: done
    }
  }
  if (sqlite3_get_autocommit(db.getHandle()) == 0) {
    try {
      db.exec("ROLLBACK");
    } catch (const SQLite::Exception&) {  // nothing more to undo
    }
  }
}

}  // namespace

void Store::reset_after_failed_write() {
  // A hook that ran before the failure (say, a COMMIT that hit a full disk) holds state for
  // events that were rolled back: it forgets it and refolds from the stored log next time.
  for (AppendHook* hook : hooks_) hook->reset();
  if (!stmts_) return;
  Statements& s = *stmts_;
  eventstore::reset_after_failed_write(
      *db_, {&s.select_thread, &s.insert_thread, &s.update_thread, &s.find_producer_id,
             &s.insert_event, &s.upsert_checkpoint, &s.updated_at_taken, &s.load_state,
             &s.save_state, &s.write_summary, &s.delete_turns_from, &s.delete_items_from,
             &s.insert_turn, &s.insert_item});
}

namespace {

// A Spool database is never empty once created (its first open writes the header, the WAL
// mode and the schema within milliseconds), so a zero-length file at the path is most likely
// a database that lost its content (truncated by a crash, a full disk or a copy that
// failed). Initializing it would hide that, so it is refused. The only legitimate empty file
// is one another process is creating right now: wait up to ~1 s for it to grow.
bool is_abandoned_empty_file(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return false;
  for (int i = 0; i < 20; ++i) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return false;
    const auto size = fs::file_size(path, ec);
    if (ec || size > 0) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// A new database is made whole under a temporary name, then linked into place, so a process
// killed while creating it never leaves a half-made (or empty) file at `path`. link() does
// not replace: when another process created the file meanwhile, its file is kept and ours
// dropped. Does nothing when `path` exists or is not a plain file path.
Result<void, StoreError> create_atomically(const std::string& path, const StoreOptions& options) {
  namespace fs = std::filesystem;
  if (options.read_only || path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0)
    return {};
  std::error_code ec;
  if (fs::exists(path, ec) || ec) return {};
  const std::string temp = fmt::format("{}.creating-{}", path, ::getpid());
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(temp + suffix, ec);
  {
    StoreOptions create = options;
    create.quick_check = false;
    auto db = open_database(temp, create);  // creates, sets WAL, migrates
    if (!db) {
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(temp + suffix, ec);
      return std::move(db).error();
    }
  }  // closed: the WAL is checkpointed into the file and removed
  const int linked = ::link(temp.c_str(), path.c_str());
  const int link_errno = errno;
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(temp + suffix, ec);
  if (linked != 0 && link_errno != EEXIST) {
    return StoreError{StoreErrorCode::Io, fmt::format("creating {}: link from {} failed: {}", path,
                                                      temp, std::strerror(link_errno))};
  }
  const std::string dir = fs::path(path).parent_path().empty()
                              ? std::string(".")
                              : fs::path(path).parent_path().string();
  if (const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    ::fsync(fd);  // the new name survives a crash
    ::close(fd);
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Store>, StoreError> Store::open(const std::string& path,
                                                       const StoreOptions& options) {
  if (auto created = create_atomically(path, options); !created) return std::move(created).error();
  if (is_abandoned_empty_file(path)) {
    return StoreError{StoreErrorCode::Corrupt,
                      fmt::format("{} is an empty file (0 bytes). A Spool database is never "
                                  "empty, so this is most likely a database that lost its "
                                  "content; Spool did not touch it. Restore it from a backup, "
                                  "or, to start a new database, delete the empty file.",
                                  path)};
  }
  auto db = open_database(path, options);
  if (!db) return std::move(db).error();
  std::unique_ptr<Store> store(new Store(path, std::move(db).value()));
  if (!options.read_only) {
    try {
      store->stmts_ = std::make_unique<Statements>(*store->db_);
    } catch (const SQLite::Exception& e) {
      return sqlite_failure("preparing statements", path, e.getErrorCode(), e.what());
    }
  }
  return store;
}

void Store::add_hook(AppendHook* hook) { hooks_.push_back(hook); }

void Store::add_hook(std::unique_ptr<AppendHook> hook) {
  hooks_.push_back(hook.get());
  owned_hooks_.push_back(std::move(hook));
}

Result<AppendResult, StoreError> Store::append(std::string_view thread_id,
                                               std::optional<std::int64_t> expected_last_seq,
                                               std::span<const NewEvent> events,
                                               const AppendOptions& options) {
  if (!stmts_) {
    return StoreError{StoreErrorCode::ReadOnly,
                      fmt::format("append to {}: the store was opened read-only", path_)};
  }
  if (auto r = validate_append(thread_id, events); !r) return std::move(r).error();
  try {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    auto result = append_in_transaction(thread_id, expected_last_seq, events, options);
    if (result) tx.commit();
    return result;  // on error tx's destructor rolls back
  } catch (const SQLite::Exception& e) {
    reset_after_failed_write();
    return sqlite_failure(fmt::format("append to thread {}", thread_id), path_, e.getErrorCode(),
                          e.what());
  } catch (const std::exception& e) {
    reset_after_failed_write();
    return StoreError{StoreErrorCode::Internal,
                      fmt::format("append to thread {} on {}: {}", thread_id, path_, e.what())};
  }
}

Result<std::vector<AppendResult>, StoreError> Store::append_batch(
    std::span<const AppendRequest> requests) {
  if (!stmts_) {
    return StoreError{StoreErrorCode::ReadOnly,
                      fmt::format("append to {}: the store was opened read-only", path_)};
  }
  for (const AppendRequest& r : requests) {
    if (auto v = validate_append(r.thread_id, r.events); !v) return std::move(v).error();
  }
  std::string_view current_thread;
  try {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    std::vector<AppendResult> results;
    results.reserve(requests.size());
    for (const AppendRequest& r : requests) {
      current_thread = r.thread_id;
      auto one = append_in_transaction(r.thread_id, r.expected_last_seq, r.events, r.options);
      if (!one) return std::move(one).error();  // tx rolls back every request
      results.push_back(std::move(one).value());
    }
    tx.commit();
    return results;
  } catch (const SQLite::Exception& e) {
    reset_after_failed_write();
    return sqlite_failure(fmt::format("append to thread {}", current_thread), path_,
                          e.getErrorCode(), e.what());
  } catch (const std::exception& e) {
    reset_after_failed_write();
    return StoreError{StoreErrorCode::Internal,
                      fmt::format("append to thread {} on {}: {}", current_thread, path_, e.what())};
  }
}

// REQUIRES: inside a BEGIN IMMEDIATE transaction on db_. Throws SQLite::Exception.
Result<AppendResult, StoreError> Store::append_in_transaction(
    std::string_view thread_id, std::optional<std::int64_t> expected_last_seq,
    std::span<const NewEvent> events, const AppendOptions& options) {
  Statements& s = *stmts_;
  const std::string tid(thread_id);

  std::optional<ThreadRow> row;
  s.select_thread.reset();
  s.select_thread.bind(1, tid);
  if (s.select_thread.executeStep()) row = read_thread_row(s.select_thread);
  s.select_thread.reset();

  AppendResult result;
  result.events.resize(events.size());
  result.last_seq = row ? row->last_seq : 0;

  // Idempotent retry: events whose producer id is already stored keep their original place.
  std::size_t duplicates = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (!row || !events[i].producer_id) continue;
    s.find_producer_id.reset();
    s.find_producer_id.bind(1, tid);
    s.find_producer_id.bind(2, *events[i].producer_id);
    if (s.find_producer_id.executeStep()) {
      result.events[i] = {AppendedEvent::Status::Duplicate, s.find_producer_id.getColumn(0).getInt64(),
                          s.find_producer_id.getColumn(1).getInt64()};
      ++duplicates;
    }
    s.find_producer_id.reset();
  }
  if (duplicates == events.size() && duplicates > 0) {
    write_checkpoint(s, options);
    return result;
  }

  const std::int64_t current = row ? row->last_seq : 0;
  if (expected_last_seq && *expected_last_seq != current) {
    return StoreError{StoreErrorCode::Conflict,
                      fmt::format("append to thread {}: expected last seq {}, but it is {}",
                                  thread_id, *expected_last_seq, current),
                      current};
  }

  PersistencePolicy policy = PersistencePolicy::Extended;
  if (options.policy) {
    policy = *options.policy;
  } else if (row && row->policy) {
    policy = *row->policy;
  } else {
    auto d = default_policy();
    if (!d) return std::move(d).error();
    policy = d.value();
  }

  const std::int64_t append_time = now_ms();
  std::vector<StoredEvent> stored;  // only collected when a hook will see it
  std::int64_t seq = current;
  std::int64_t last_ts = row ? row->updated_at_ms : 0;
  std::optional<std::int64_t> archived_at = row ? row->archived_at_ms : std::nullopt;
  bool thread_created = row.has_value();
  // Producer ids within this one call also dedupe (a batch that repeats an id).
  std::vector<std::size_t> stored_with_producer_id;

  for (std::size_t i = 0; i < events.size(); ++i) {
    const NewEvent& e = events[i];
    if (result.events[i].status == AppendedEvent::Status::Duplicate) continue;
    if (e.producer_id) {
      bool repeated = false;
      for (std::size_t j : stored_with_producer_id) {
        if (*events[j].producer_id == *e.producer_id) {
          result.events[i] = result.events[j];
          result.events[i].status = AppendedEvent::Status::Duplicate;
          repeated = true;
          break;
        }
      }
      if (repeated) continue;
    }
    const std::optional<std::string_view> type =
        e.type ? std::optional<std::string_view>(*e.type) : std::nullopt;
    if (!should_persist(policy, e.kind, type, e.payload)) {
      result.events[i] = {AppendedEvent::Status::Filtered, 0, 0};
      continue;
    }

    const PreparedPayload payload = e.payload_checked ? PreparedPayload{&e.payload, {}}
                                                      : prepare_payload(e.payload);
    if (!e.payload_checked && !nlohmann::json::accept(*payload.text)) {
      return StoreError{StoreErrorCode::InvalidEvent,
                        fmt::format("append to thread {}: the payload of seq {} (kind {}) is not "
                                    "valid JSON; nothing was written",
                                    thread_id, seq + 1, e.kind)};
    }
    const std::int64_t ts = e.ts_ms.value_or(append_time);
    if (!thread_created) {
      s.insert_thread.reset();
      s.insert_thread.bind(1, tid);
      s.insert_thread.bind(2, ts);
      s.insert_thread.bind(3, unique_updated_at(s, ts, tid));
      s.insert_thread.exec();
      thread_created = true;
      last_ts = ts;
    }
    ++seq;
    s.insert_event.reset();
    s.insert_event.bind(1, tid);
    s.insert_event.bind(2, seq);
    s.insert_event.bind(3, ts);
    s.insert_event.bindNoCopy(4, e.kind);
    bind_optional(s.insert_event, 5, e.type);
    bind_optional(s.insert_event, 6, e.turn_id);
    bind_optional(s.insert_event, 7, e.producer_id);
    s.insert_event.bindNoCopy(8, *payload.text);
    bind_optional(s.insert_event, 9, e.line_extras);
    s.insert_event.exec();
    const std::int64_t position = db_->getLastInsertRowid();
    result.events[i] = {AppendedEvent::Status::Stored, seq, position};
    if (e.producer_id) stored_with_producer_id.push_back(i);
    if (e.kind == kind::kSpool) {
      // Spool's own bookkeeping events change the archive state, not the thread's activity.
      if (e.type == "thread_archived") archived_at = ts;
      if (e.type == "thread_unarchived") archived_at.reset();
      if (e.type == kThreadForked) {
        if (auto r = record_fork(*db_, tid, seq, *payload.text); !r) {
          s.insert_event.reset();
          s.insert_event.clearBindings();  // drop references to the caller's strings
          return std::move(r).error();
        }
      }
    } else {
      last_ts = ts;
    }
    if (!hooks_.empty()) {
      stored.push_back(StoredEvent{tid, seq, position, ts, e.kind, e.type, e.turn_id,
                                   e.producer_id, e.line_extras, *payload.text});
    }
  }
  s.insert_event.reset();
  s.insert_event.clearBindings();  // drop references to the caller's strings
  result.last_seq = seq;
  write_checkpoint(s, options);
  if (seq == current) return result;  // everything filtered or duplicated: no event written

  last_ts = unique_updated_at(s, last_ts, tid);
  s.update_thread.reset();
  s.update_thread.bind(1, last_ts);
  s.update_thread.bind(2, seq);
  if (archived_at) {
    s.update_thread.bind(3, *archived_at);
  } else {
    s.update_thread.bind(3);
  }
  s.update_thread.bind(4, tid);
  s.update_thread.exec();

  if (!hooks_.empty()) {
    ThreadRow after = row.value_or(ThreadRow{tid, stored.front().ts_ms, 0, 0, std::nullopt, std::nullopt});
    after.updated_at_ms = last_ts;
    after.last_seq = seq;
    after.archived_at_ms = archived_at;
    Writer writer(*db_, s);
    for (AppendHook* hook : hooks_) {
      auto r = hook->after_append(after, stored, writer);
      if (!r) {
        return StoreError{StoreErrorCode::Internal,
                          fmt::format("append to thread {}: projection failed, nothing was "
                                      "written: {}",
                                      thread_id, r.error())};
      }
    }
  }
  return result;
}

std::int64_t Store::unique_updated_at(Statements& s, std::int64_t ts, const std::string& thread_id) {
  // Another thread updated in the same millisecond: this one is a millisecond later, so the
  // list's order by updated time never ties (and paging by it never skips or repeats).
  for (;; ++ts) {
    s.updated_at_taken.reset();
    s.updated_at_taken.bind(1, ts);
    s.updated_at_taken.bind(2, thread_id);
    const bool taken = s.updated_at_taken.executeStep();
    s.updated_at_taken.reset();
    if (!taken) return ts;
  }
}

void Store::write_checkpoint(Statements& s, const AppendOptions& options) {
  if (!options.checkpoint) return;
  const ImportCheckpoint& c = *options.checkpoint;
  s.upsert_checkpoint.reset();
  s.upsert_checkpoint.bind(1, c.identity);
  s.upsert_checkpoint.bind(2, c.path);
  s.upsert_checkpoint.bind(3, c.thread_id);
  s.upsert_checkpoint.bind(4, c.offset);
  s.upsert_checkpoint.bind(5, c.lines);
  s.upsert_checkpoint.bind(6, c.archived ? 1 : 0);
  s.upsert_checkpoint.bind(7, now_ms());
  s.upsert_checkpoint.exec();
}

Result<std::optional<ImportCheckpoint>, StoreError> Store::import_checkpoint(
    std::string_view identity) {
  try {
    SQLite::Statement q(*db_, kSelectCheckpoint);
    q.bind(1, std::string(identity));
    if (!q.executeStep()) return std::optional<ImportCheckpoint>{};
    ImportCheckpoint c;
    c.identity = q.getColumn(0).getString();
    c.path = q.getColumn(1).getString();
    c.thread_id = q.getColumn(2).getString();
    c.offset = q.getColumn(3).getInt64();
    c.lines = q.getColumn(4).getInt64();
    c.archived = q.getColumn(5).getInt() != 0;
    return std::optional<ImportCheckpoint>{std::move(c)};
  } catch (const SQLite::Exception& e) {
    return sqlite_failure("reading an import checkpoint", path_, e.getErrorCode(), e.what());
  }
}

Result<std::int64_t, StoreError> Store::visit_rows(SQLite::Statement& q,
                                                   const EventVisitor& visit) {
  std::int64_t n = 0;
  while (q.executeStep()) {
    const StoredEvent e = read_event_row(q);
    ++n;
    if (!visit(e)) break;
  }
  return n;
}

Result<std::int64_t, StoreError> Store::read_thread(std::string_view thread_id,
                                                    std::int64_t from_seq,
                                                    const EventVisitor& visit) {
  try {
    SQLite::Statement q(*db_, std::string(kEventColumns) +
                                  "WHERE thread_id = ? AND seq >= ? ORDER BY seq");
    q.bind(1, std::string(thread_id));
    q.bind(2, from_seq);
    return visit_rows(q, visit);
  } catch (const SQLite::Exception& e) {
    return sqlite_failure(fmt::format("reading thread {}", thread_id), path_, e.getErrorCode(),
                          e.what());
  }
}

Result<std::int64_t, StoreError> Store::read_all(std::int64_t after_position,
                                                 const EventVisitor& visit) {
  try {
    SQLite::Statement q(*db_, std::string(kEventColumns) + "WHERE position > ? ORDER BY position");
    q.bind(1, after_position);
    return visit_rows(q, visit);
  } catch (const SQLite::Exception& e) {
    return sqlite_failure("reading events", path_, e.getErrorCode(), e.what());
  }
}

Result<std::optional<ThreadRow>, StoreError> Store::thread(std::string_view thread_id) {
  try {
    SQLite::Statement q(*db_, kSelectThread);
    q.bind(1, std::string(thread_id));
    if (!q.executeStep()) return std::optional<ThreadRow>{};
    return std::optional<ThreadRow>{read_thread_row(q)};
  } catch (const SQLite::Exception& e) {
    return sqlite_failure(fmt::format("reading thread {}", thread_id), path_, e.getErrorCode(),
                          e.what());
  }
}

Result<std::int64_t, StoreError> Store::read_threads(
    const std::function<bool(const ThreadRow&)>& visit) {
  try {
    SQLite::Statement q(*db_,
                        "SELECT id, created_at_ms, updated_at_ms, last_seq, persistence_policy, "
                        "archived_at_ms FROM threads ORDER BY id");
    std::int64_t n = 0;
    while (q.executeStep()) {
      ++n;
      if (!visit(read_thread_row(q))) break;
    }
    return n;
  } catch (const SQLite::Exception& e) {
    return sqlite_failure("reading threads", path_, e.getErrorCode(), e.what());
  }
}

Result<PersistencePolicy, StoreError> Store::default_policy() {
  try {
    SQLite::Statement q(*db_, "SELECT value FROM store_settings WHERE key = 'persistence_policy'");
    if (q.executeStep()) {
      if (auto p = parse_policy(q.getColumn(0).getString())) return *p;
    }
    return PersistencePolicy::Extended;
  } catch (const SQLite::Exception& e) {
    return sqlite_failure("reading the persistence policy", path_, e.getErrorCode(), e.what());
  }
}

Result<void, StoreError> Store::set_default_policy(PersistencePolicy policy) {
  try {
    SQLite::Statement q(*db_,
                        "INSERT INTO store_settings (key, value) VALUES ('persistence_policy', ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    q.bind(1, std::string(policy_name(policy)));
    q.exec();
    return {};
  } catch (const SQLite::Exception& e) {
    return sqlite_failure("setting the persistence policy", path_, e.getErrorCode(), e.what());
  }
}

Result<void, StoreError> Store::set_thread_policy(std::string_view thread_id,
                                                  std::optional<PersistencePolicy> policy) {
  try {
    SQLite::Statement q(*db_, "UPDATE threads SET persistence_policy = ? WHERE id = ?");
    if (policy) {
      q.bind(1, std::string(policy_name(*policy)));
    } else {
      q.bind(1);
    }
    q.bind(2, std::string(thread_id));
    if (q.exec() == 0) {
      return StoreError{StoreErrorCode::InvalidArgument,
                        fmt::format("set policy: no thread {} in {}", thread_id, path_)};
    }
    return {};
  } catch (const SQLite::Exception& e) {
    return sqlite_failure(fmt::format("setting the policy of thread {}", thread_id), path_,
                          e.getErrorCode(), e.what());
  }
}

Result<StoreStats, StoreError> Store::stats() {
  try {
    StoreStats s;
    s.schema_version = db_->execAndGet("PRAGMA user_version").getInt();
    s.journal_mode = db_->execAndGet("PRAGMA journal_mode").getString();
    switch (db_->execAndGet("PRAGMA synchronous").getInt()) {
      case 0: s.synchronous = "off"; break;
      case 1: s.synchronous = "normal"; break;
      case 2: s.synchronous = "full"; break;
      default: s.synchronous = "extra"; break;
    }
    s.threads = db_->execAndGet("SELECT count(*) FROM threads").getInt64();
    s.events = db_->execAndGet("SELECT count(*) FROM events").getInt64();
    return s;
  } catch (const SQLite::Exception& e) {
    return sqlite_failure("counting", path_, e.getErrorCode(), e.what());
  }
}

Result<void, StoreError> Store::quick_check() {
  try {
    return check_integrity(*db_, path_);
  } catch (const SQLite::Exception& e) {
    return sqlite_failure("quick_check", path_, e.getErrorCode(), e.what());
  }
}

Result<std::string, StoreError> Store::integrity_check() {
  try {
    SQLite::Statement q(*db_, "PRAGMA integrity_check");
    std::string out;
    while (q.executeStep()) {
      if (!out.empty()) out += "\n";
      out += q.getColumn(0).getString();
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return sqlite_failure("integrity_check", path_, e.getErrorCode(), e.what());
  }
}

}  // namespace spool::eventstore
