// Store: the SQLite event log of every thread, and the only way the rest of Spool reaches
// storage (see DESIGN.md, "Storage").
//
// Thread-safety: a Store is one SQLite connection and is used from one thread at a time.
// Several Stores (in one process or several) may open the same file: WAL lets readers run
// beside the single writer, and writers wait for each other up to busy_timeout.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "eventstore/append_hook.h"
#include "eventstore/event.h"
#include "eventstore/persistence_policy.h"
#include "eventstore/projection_writer.h"
#include "eventstore/store_error.h"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace spool::eventstore {

enum class Synchronous { Full, Normal };

struct StoreOptions {
  Synchronous synchronous = Synchronous::Full;  // NORMAL may lose the last commits on power loss
  int busy_timeout_ms = 10000;                  // how long a writer waits for another
  bool read_only = false;                       // no migrations, no writes
  bool quick_check = true;                      // run PRAGMA quick_check at open
};

// What `spool import` has read of one rollout file (the import_files table).
struct ImportCheckpoint {
  std::string identity;   // hash and length of the file's first line
  std::string path;       // where it was last read
  std::string thread_id;
  std::int64_t offset = 0;  // bytes consumed: the byte after the last complete line read
  std::int64_t lines = 0;   // lines consumed
  bool archived = false;    // read from archived_sessions/
};

struct AppendOptions {
  // Overrides the thread's and the database's policy for this call (an importer stores what
  // Codex already persisted with Full, say).
  std::optional<PersistencePolicy> policy;
  // Written in the append's transaction, so events and the record of having read them
  // commit together. An append with no events may carry one.
  std::optional<ImportCheckpoint> checkpoint;
};

struct AppendedEvent {
  enum class Status {
    Stored,     // written by this append
    Duplicate,  // its producer id was already stored: seq and position are the original ones
    Filtered,   // left out by the persistence policy: seq and position are 0
  };
  Status status = Status::Stored;
  std::int64_t seq = 0;
  std::int64_t position = 0;
};

struct AppendResult {
  std::vector<AppendedEvent> events;  // one per event given, in the same order
  std::int64_t last_seq = 0;          // the thread's last seq after the append
};

// A thread as the list shows it: its row and its list columns.
struct ThreadListRow {
  ThreadRow thread;
  ThreadSummaryColumns summary;  // created_at_ms is always thread.created_at_ms here
};

enum class ThreadSortKey { CreatedAt, UpdatedAt };
enum class SortOrder { Descending, Ascending };

// A position in a thread list order: the sort key's value and the thread id of the last
// row a page returned. The next page starts strictly after it (keyset paging: a thread
// inserted meanwhile never shifts the pages, so none is repeated or skipped).
struct ThreadListPosition {
  std::int64_t key_ms = 0;  // created_at_ms or updated_at_ms, as the query sorts
  std::string id;
};

struct ThreadListQuery {
  bool archived = false;       // list archived threads instead of live ones
  bool include_empty = false;  // include threads with no user message yet (empty preview)
  int limit = 25;              // REQUIRES: >= 1
  ThreadSortKey sort_key = ThreadSortKey::UpdatedAt;
  SortOrder order = SortOrder::Descending;  // ties on the key are broken by id, same order
  std::optional<ThreadListPosition> after;  // start after this row (exclusive)
  // Filters; an empty list does not filter.
  std::vector<std::string> model_providers;  // exact match on the model_provider column
  std::vector<std::string> sources;          // exact match on the source column
  std::vector<std::string> cwds;             // exact match on the cwd column
  std::optional<std::string> search_term;    // case-insensitive substring of preview or name
};

struct ThreadListPage {
  std::vector<ThreadListRow> rows;  // at most limit, in the query's order
  bool has_more = false;            // more rows follow the last one in this order
};

// One page of a thread's history, oldest first when ascending.
struct TurnPageQuery {
  SortOrder order = SortOrder::Ascending;
  std::optional<std::int64_t> after_ordinal;  // start after this turn ordinal (exclusive)
  int limit = 25;                             // REQUIRES: >= 1
};

struct TurnPage {
  std::vector<std::pair<std::int64_t, HistoryTurnRow>> turns;  // (ordinal, turn)
  bool has_more = false;
};

// One append of a batch (see Store::append_batch).
struct AppendRequest {
  std::string thread_id;
  std::optional<std::int64_t> expected_last_seq;
  std::vector<NewEvent> events;
  AppendOptions options;
};

struct StoreStats {
  int schema_version = 0;    // PRAGMA user_version of the file
  std::string journal_mode;  // "wal" for a file, "memory" for ":memory:"
  std::string synchronous;   // "full" or "normal" (this connection's setting)
  std::int64_t threads = 0;
  std::int64_t events = 0;
};

// One stored rate-limit snapshot (the rate_limit_snapshots table).
struct RateLimitRecord {
  std::int64_t observed_at_ms = 0;  // UTC
  std::string limit_id;             // "codex" when the provider names none
  std::string snapshot_json;        // a v2 RateLimitSnapshot, as served
};

enum class FeedbackUpload { NotConfigured, Pending, Uploaded, Failed };

// One feedback/upload report (the feedback table).
struct FeedbackRecord {
  std::string id;  // UUIDv7
  std::int64_t created_at_ms = 0;
  std::optional<std::string> thread_id;
  std::string classification;
  std::optional<std::string> reason;
  std::optional<std::string> tags_json;  // a JSON object of strings
  std::optional<std::string> logs;       // the server's recent log lines, when asked for
  std::optional<std::string> upload_url;
  FeedbackUpload upload = FeedbackUpload::NotConfigured;
  std::optional<std::string> upload_error;
  std::optional<std::int64_t> uploaded_at_ms;
};

// Called once per event, in order; return false to stop early.
using EventVisitor = std::function<bool(const StoredEvent&)>;

class Store {
 public:
  // Opens the database at `path` (":memory:" for a private in-memory one), creating it when
  // missing, then checks it and applies pending migrations. Fails, without writing to the
  // file, when it is not a Spool database, is corrupt, or has a newer schema than this binary.
  static Result<std::unique_ptr<Store>, StoreError> open(const std::string& path,
                                                         const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Appends `events` to the thread in one BEGIN IMMEDIATE transaction, together with the
  // thread row and every hook. Each stored event gets the thread's next seq and the next
  // global position.
  //  - expected_last_seq (when set) must equal the thread's last seq (0 for a new thread),
  //    else Conflict and nothing is written.
  //  - An event whose producer_id is already stored for the thread is not stored again;
  //    when every event is such a duplicate the call succeeds without the seq check, so a
  //    retried append returns its original positions.
  //  - A payload that is not JSON fails the whole append (InvalidEvent, naming thread and
  //    seq). Invalid UTF-8 in a payload is replaced with U+FFFD.
  Result<AppendResult, StoreError> append(std::string_view thread_id,
                                          std::optional<std::int64_t> expected_last_seq,
                                          std::span<const NewEvent> events,
                                          const AppendOptions& options = {});

  // Runs several appends in one transaction: all commit or none does (the first failure is
  // returned, naming the request's thread). Each request follows append()'s rules, in order.
  // Many small appends commit much faster this way (one fsync instead of one each).
  Result<std::vector<AppendResult>, StoreError> append_batch(std::span<const AppendRequest> requests);

  // Visits the thread's events with seq >= from_seq in seq order, one row at a time (never
  // all in memory). Returns how many were visited. An unknown thread visits nothing.
  Result<std::int64_t, StoreError> read_thread(std::string_view thread_id, std::int64_t from_seq,
                                               const EventVisitor& visit);

  // Visits every event with position > after_position in position order.
  Result<std::int64_t, StoreError> read_all(std::int64_t after_position,
                                            const EventVisitor& visit);

  Result<std::optional<ThreadRow>, StoreError> thread(std::string_view thread_id);
  // Visits every thread's row in id order; return false to stop.
  Result<std::int64_t, StoreError> read_threads(const std::function<bool(const ThreadRow&)>& visit);

  // One page of threads in the query's order; never reads event payloads. Every order and
  // filter is served by an index on the threads table.
  Result<ThreadListPage, StoreError> list_threads(const ThreadListQuery& query);
  Result<std::optional<ThreadListRow>, StoreError> thread_summary(std::string_view thread_id);

  // The thread's history projection, turns in order with their items. Empty when unknown.
  Result<std::vector<HistoryTurnRow>, StoreError> read_history(std::string_view thread_id);
  // One page of it (thread/turns/list).
  Result<TurnPage, StoreError> list_turns(std::string_view thread_id, const TurnPageQuery& query);

  // Removes the thread: its events, its row, its projections and its import checkpoints, in
  // one transaction, then checkpoints the WAL so the bytes leave the files (secure_delete is
  // on). NotFound when unknown; Conflict when other threads are forked from it (their
  // history references its events), naming them.
  Result<void, StoreError> delete_thread(std::string_view thread_id);

  // The threads forked from this one (whose fork event references it), in id order.
  Result<std::vector<std::string>, StoreError> forks_of(std::string_view thread_id);

  // Visits the events a thread's history is made of: for a fork (whose events include a
  // kind "spool" / type "thread_forked" event {"forked_from_id", "through_seq"}), first the
  // parent's lineage up to through_seq (recursively), then the thread's own events. The
  // visitor sees each event with its own thread_id. A plain thread visits its own events.
  Result<std::int64_t, StoreError> read_lineage(std::string_view thread_id,
                                                const EventVisitor& visit);

  // Drops every projection's saved state and folds each thread's whole log again through
  // the hooks (the same code appends run), one transaction per thread. `progress` (optional)
  // gets (threads done, threads total). Returns the number of threads rebuilt.
  Result<std::int64_t, StoreError> rebuild_projections(
      const std::function<void(std::int64_t, std::int64_t)>& progress = {});

  Result<PersistencePolicy, StoreError> default_policy();
  Result<void, StoreError> set_default_policy(PersistencePolicy policy);
  // nullopt clears the thread's override. The thread must exist.
  Result<void, StoreError> set_thread_policy(std::string_view thread_id,
                                             std::optional<PersistencePolicy> policy);

  // The checkpoint of the rollout file with this identity, if it was ever imported.
  Result<std::optional<ImportCheckpoint>, StoreError> import_checkpoint(std::string_view identity);

  // --- account-wide records (not thread events) ---
  // Stores `record` unless it equals the newest snapshot of its limit id (same JSON): returns
  // whether it was stored. Keeps the newest kRateLimitHistory rows per limit id.
  Result<bool, StoreError> record_rate_limits(const RateLimitRecord& record);
  // The newest snapshot of every limit id, in limit id order.
  Result<std::vector<RateLimitRecord>, StoreError> latest_rate_limits();
  // A limit's snapshots, newest first, at most `limit`.
  Result<std::vector<RateLimitRecord>, StoreError> rate_limit_history(std::string_view limit_id,
                                                                      int limit);
  static constexpr int kRateLimitHistory = 10000;

  // Stores a new report. InvalidArgument when its id is already stored.
  Result<void, StoreError> add_feedback(const FeedbackRecord& record);
  // Records how its upload went. NotFound when unknown.
  Result<void, StoreError> set_feedback_upload(std::string_view id, FeedbackUpload upload,
                                               std::optional<std::string> error,
                                               std::optional<std::int64_t> uploaded_at_ms);
  Result<std::optional<FeedbackRecord>, StoreError> feedback(std::string_view id);

  Result<StoreStats, StoreError> stats();
  // Runs PRAGMA integrity_check; returns "ok" or SQLite's list of problems.
  Result<std::string, StoreError> integrity_check();
  // Runs PRAGMA quick_check (what open() runs unless StoreOptions::quick_check is off): a
  // Corrupt error naming the first problems and how to recover, or nothing. O(file size).
  Result<void, StoreError> quick_check();

  // Registers a hook run inside every append transaction, in registration order.
  // `hook` is not owned and must outlive the store.
  void add_hook(AppendHook* hook);
  // The same for a hook the store owns (one that keeps per-store state).
  void add_hook(std::unique_ptr<AppendHook> hook);

  const std::string& path() const { return path_; }

 private:
  struct Statements;  // the prepared statements of the append path

  Store(std::string path, std::unique_ptr<SQLite::Database> db);
  Result<AppendResult, StoreError> append_in_transaction(
      std::string_view thread_id, std::optional<std::int64_t> expected_last_seq,
      std::span<const NewEvent> events, const AppendOptions& options);
  Result<std::int64_t, StoreError> visit_rows(SQLite::Statement& query, const EventVisitor& visit);
  void write_checkpoint(Statements& s, const AppendOptions& options);  // throws SQLite::Exception
  // After an append threw (disk full, I/O error): statements reset, no transaction left open.
  void reset_after_failed_write();
  static std::int64_t unique_updated_at(Statements& s, std::int64_t ts, const std::string& thread_id);
  class Writer;  // the ProjectionWriter given to hooks

  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<Statements> stmts_;  // declared after db_: destroyed before it
  std::vector<AppendHook*> hooks_;
  std::vector<std::unique_ptr<AppendHook>> owned_hooks_;
};

// The schema version this binary writes (the number of embedded migrations).
int binary_schema_version();

}  // namespace spool::eventstore
