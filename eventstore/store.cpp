// Store: append with optimistic concurrency and idempotent retry, streamed reads, policy
// settings. SQLite exceptions never leave this file: each public method catches them and
// returns a StoreError.
#include "eventstore/store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/time.h"
#include "base/utf8.h"
#include "eventstore/open_database.h"
#include "eventstore/sqlite_error.h"

namespace spool::eventstore {
namespace {

constexpr std::size_t kMaxThreadIdBytes = 256;

constexpr const char* kSelectThread =
    "SELECT id, created_at_ms, updated_at_ms, last_seq, persistence_policy, archived_at_ms "
    "FROM threads WHERE id = ?";
constexpr const char* kInsertThread =
    "INSERT INTO threads (id, created_at_ms, updated_at_ms, last_seq) VALUES (?, ?, ?, 0)";
constexpr const char* kUpdateThread =
    "UPDATE threads SET updated_at_ms = ?, last_seq = ?, archived_at_ms = ? WHERE id = ?";
constexpr const char* kFindProducerId =
    "SELECT seq, position FROM events WHERE thread_id = ? AND producer_id = ?";
constexpr const char* kInsertEvent =
    "INSERT INTO events (thread_id, seq, ts_ms, kind, type, turn_id, producer_id, payload, "
    "line_extras) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kEventColumns =
    "SELECT thread_id, seq, position, ts_ms, kind, type, turn_id, producer_id, payload, "
    "line_extras FROM events ";
constexpr const char* kUpsertCheckpoint =
    "INSERT INTO import_files (identity, path, thread_id, offset, lines, archived, updated_at_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (identity) DO UPDATE SET path = excluded.path, "
    "thread_id = excluded.thread_id, offset = excluded.offset, lines = excluded.lines, "
    "archived = excluded.archived, updated_at_ms = excluded.updated_at_ms";
constexpr const char* kUpdatedAtTaken =
    "SELECT 1 FROM threads WHERE updated_at_ms = ? AND id != ?";
constexpr const char* kLoadState =
    "SELECT state FROM projection_state WHERE thread_id = ? AND projection = ?";
constexpr const char* kSaveState =
    "INSERT INTO projection_state (thread_id, projection, state) VALUES (?, ?, ?) "
    "ON CONFLICT (thread_id, projection) DO UPDATE SET state = excluded.state";
constexpr const char* kWriteSummary =
    "UPDATE threads SET created_at_ms = COALESCE(?, created_at_ms), preview = ?, name = ?, "
    "model_provider = ?, model = ?, reasoning_effort = ?, approval_policy = ?, sandbox = ?, "
    "cwd = ?, source = ?, originator = ?, cli_version = ?, forked_from_id = ?, git_info = ? "
    "WHERE id = ?";
constexpr const char* kDeleteTurnsFrom = "DELETE FROM turns WHERE thread_id = ? AND ordinal >= ?";
constexpr const char* kDeleteItemsFrom =
    "DELETE FROM items WHERE thread_id = ? AND turn_ordinal >= ?";
constexpr const char* kInsertTurn =
    "INSERT INTO turns (thread_id, ordinal, turn_id, turn_json) VALUES (?, ?, ?, ?)";
constexpr const char* kInsertItem =
    "INSERT INTO items (thread_id, turn_ordinal, ordinal, item_id, item_json) "
    "VALUES (?, ?, ?, ?, ?)";
constexpr const char* kSelectCheckpoint =
    "SELECT identity, path, thread_id, offset, lines, archived FROM import_files "
    "WHERE identity = ?";

void bind_optional(SQLite::Statement& st, int index, const std::optional<std::string>& v) {
  if (v) {
    st.bindNoCopy(index, *v);
  } else {
    st.bind(index);  // NULL
  }
}

std::optional<std::string> optional_text(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

ThreadRow read_thread_row(SQLite::Statement& st) {
  ThreadRow row;
  row.id = st.getColumn(0).getString();
  row.created_at_ms = st.getColumn(1).getInt64();
  row.updated_at_ms = st.getColumn(2).getInt64();
  row.last_seq = st.getColumn(3).getInt64();
  if (!st.getColumn(4).isNull()) row.policy = parse_policy(st.getColumn(4).getString());
  if (!st.getColumn(5).isNull()) row.archived_at_ms = st.getColumn(5).getInt64();
  return row;
}

Result<void, StoreError> validate_append(std::string_view thread_id,
                                         std::span<const NewEvent> events) {
  if (thread_id.empty() || thread_id.size() > kMaxThreadIdBytes || !is_valid_utf8(thread_id)) {
    return StoreError{StoreErrorCode::InvalidArgument,
                      fmt::format("thread id must be 1 to {} bytes of UTF-8", kMaxThreadIdBytes)};
  }
  for (const NewEvent& e : events) {
    if (e.kind.empty()) {
      return StoreError{StoreErrorCode::InvalidArgument,
                        fmt::format("append to thread {}: an event has an empty kind", thread_id)};
    }
  }
  return {};
}

// The payload to store: the given text when it is valid UTF-8, else a repaired copy.
struct PreparedPayload {
  const std::string* text = nullptr;
  std::string repaired;
};

PreparedPayload prepare_payload(const std::string& raw) {
  PreparedPayload p;
  if (is_valid_utf8(raw)) {
    p.text = &raw;
  } else {
    p.repaired = repair_utf8(raw);
    p.text = &p.repaired;
  }
  return p;
}

}  // namespace

struct Store::Statements {
  explicit Statements(SQLite::Database& db)
      : select_thread(db, kSelectThread),
        insert_thread(db, kInsertThread),
        update_thread(db, kUpdateThread),
        find_producer_id(db, kFindProducerId),
        insert_event(db, kInsertEvent),
        upsert_checkpoint(db, kUpsertCheckpoint),
        updated_at_taken(db, kUpdatedAtTaken),
        load_state(db, kLoadState),
        save_state(db, kSaveState),
        write_summary(db, kWriteSummary),
        delete_turns_from(db, kDeleteTurnsFrom),
        delete_items_from(db, kDeleteItemsFrom),
        insert_turn(db, kInsertTurn),
        insert_item(db, kInsertItem) {}
  SQLite::Statement select_thread;
  SQLite::Statement insert_thread;
  SQLite::Statement update_thread;
  SQLite::Statement find_producer_id;
  SQLite::Statement insert_event;
  SQLite::Statement upsert_checkpoint;
  SQLite::Statement updated_at_taken;
  SQLite::Statement load_state;
  SQLite::Statement save_state;
  SQLite::Statement write_summary;
  SQLite::Statement delete_turns_from;
  SQLite::Statement delete_items_from;
  SQLite::Statement insert_turn;
  SQLite::Statement insert_item;
};

// The ProjectionWriter hooks get: the store's own statements, inside its transaction.
// Throws SQLite::Exception, which rolls the append back.
class Store::Writer final : public ProjectionWriter {
 public:
  explicit Writer(Statements& s) : s_(s) {}

  std::optional<std::string> load_state(std::string_view thread_id,
                                        std::string_view projection) override {
    auto& q = s_.load_state;
    q.reset();
    q.bind(1, std::string(thread_id));
    q.bind(2, std::string(projection));
    std::optional<std::string> out;
    if (q.executeStep()) out = q.getColumn(0).getString();
    q.reset();
    return out;
  }

  void save_state(std::string_view thread_id, std::string_view projection,
                  std::string_view state) override {
    auto& q = s_.save_state;
    q.reset();
    q.bind(1, std::string(thread_id));
    q.bind(2, std::string(projection));
    q.bind(3, std::string(state));
    q.exec();
  }

  void write_summary(std::string_view thread_id, const ThreadSummaryColumns& c) override {
    auto& q = s_.write_summary;
    q.reset();
    if (c.created_at_ms) {
      q.bind(1, *c.created_at_ms);
    } else {
      q.bind(1);
    }
    q.bind(2, c.preview);
    int i = 3;
    for (const auto* v : {&c.name, &c.model_provider, &c.model, &c.reasoning_effort,
                          &c.approval_policy, &c.sandbox, &c.cwd, &c.source, &c.originator,
                          &c.cli_version, &c.forked_from_id, &c.git_info}) {
      bind_optional(q, i++, *v);
    }
    q.bind(i, std::string(thread_id));
    q.exec();
    q.clearBindings();
  }

  void replace_turns_from(std::string_view thread_id, std::int64_t first_ordinal,
                          const std::vector<HistoryTurnRow>& turns) override {
    const std::string tid(thread_id);
    for (auto* q : {&s_.delete_turns_from, &s_.delete_items_from}) {
      q->reset();
      q->bind(1, tid);
      q->bind(2, first_ordinal);
      q->exec();
    }
    std::int64_t ordinal = first_ordinal;
    for (const HistoryTurnRow& t : turns) {
      auto& qt = s_.insert_turn;
      qt.reset();
      qt.bind(1, tid);
      qt.bind(2, ordinal);
      qt.bindNoCopy(3, t.turn_id);
      qt.bindNoCopy(4, t.turn_json);
      qt.exec();
      std::int64_t item_ordinal = 0;
      for (const auto& [id, json] : t.items) {
        auto& qi = s_.insert_item;
        qi.reset();
        qi.bind(1, tid);
        qi.bind(2, ordinal);
        qi.bind(3, item_ordinal++);
        qi.bindNoCopy(4, id);
        qi.bindNoCopy(5, json);
        qi.exec();
      }
      ++ordinal;
    }
    s_.insert_turn.clearBindings();
    s_.insert_item.clearBindings();
  }

 private:
  Statements& s_;
};

Store::Store(std::string path, std::unique_ptr<SQLite::Database> db)
    : path_(std::move(path)), db_(std::move(db)) {}

Store::~Store() = default;

Result<std::unique_ptr<Store>, StoreError> Store::open(const std::string& path,
                                                       const StoreOptions& options) {
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
    return sqlite_failure(fmt::format("append to thread {}", thread_id), path_, e.getErrorCode(),
                          e.what());
  } catch (const std::exception& e) {
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
    return sqlite_failure(fmt::format("append to thread {}", current_thread), path_,
                          e.getErrorCode(), e.what());
  } catch (const std::exception& e) {
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
    Writer writer(s);
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
    StoredEvent e;
    e.thread_id = q.getColumn(0).getString();
    e.seq = q.getColumn(1).getInt64();
    e.position = q.getColumn(2).getInt64();
    e.ts_ms = q.getColumn(3).getInt64();
    e.kind = q.getColumn(4).getString();
    e.type = optional_text(q.getColumn(5));
    e.turn_id = optional_text(q.getColumn(6));
    e.producer_id = optional_text(q.getColumn(7));
    e.payload = q.getColumn(8).getString();
    e.line_extras = optional_text(q.getColumn(9));
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

namespace {

constexpr const char* kListColumns =
    "SELECT id, created_at_ms, updated_at_ms, last_seq, persistence_policy, archived_at_ms, "
    "preview, name, model_provider, model, reasoning_effort, approval_policy, sandbox, cwd, "
    "source, originator, cli_version, forked_from_id, git_info FROM threads ";

ThreadListRow read_list_row(SQLite::Statement& q) {
  ThreadListRow r;
  r.thread = read_thread_row(q);
  r.summary.created_at_ms = r.thread.created_at_ms;
  r.summary.preview = q.getColumn(6).getString();
  int i = 7;
  for (auto* v : {&r.summary.name, &r.summary.model_provider, &r.summary.model,
                  &r.summary.reasoning_effort, &r.summary.approval_policy, &r.summary.sandbox,
                  &r.summary.cwd, &r.summary.source, &r.summary.originator,
                  &r.summary.cli_version, &r.summary.forked_from_id, &r.summary.git_info}) {
    *v = optional_text(q.getColumn(i++));
  }
  return r;
}

}  // namespace

Result<std::vector<ThreadListRow>, StoreError> Store::list_threads(const ThreadListQuery& query) {
  try {
    std::string sql = std::string(kListColumns) + "WHERE (archived_at_ms IS NOT NULL) = ?";
    if (!query.include_empty) sql += " AND preview != ''";
    sql += " ORDER BY updated_at_ms DESC LIMIT ?";
    SQLite::Statement q(*db_, sql);
    q.bind(1, query.archived ? 1 : 0);
    q.bind(2, query.limit);
    std::vector<ThreadListRow> out;
    while (q.executeStep()) out.push_back(read_list_row(q));
    return out;
  } catch (const SQLite::Exception& e) {
    return sqlite_failure("listing threads", path_, e.getErrorCode(), e.what());
  }
}

Result<std::optional<ThreadListRow>, StoreError> Store::thread_summary(std::string_view thread_id) {
  try {
    SQLite::Statement q(*db_, std::string(kListColumns) + "WHERE id = ?");
    q.bind(1, std::string(thread_id));
    if (!q.executeStep()) return std::optional<ThreadListRow>{};
    return std::optional<ThreadListRow>{read_list_row(q)};
  } catch (const SQLite::Exception& e) {
    return sqlite_failure(fmt::format("reading thread {}", thread_id), path_, e.getErrorCode(),
                          e.what());
  }
}

Result<std::vector<HistoryTurnRow>, StoreError> Store::read_history(std::string_view thread_id) {
  try {
    std::vector<HistoryTurnRow> turns;
    SQLite::Statement qt(*db_,
                         "SELECT turn_id, turn_json FROM turns WHERE thread_id = ? ORDER BY ordinal");
    qt.bind(1, std::string(thread_id));
    while (qt.executeStep()) turns.push_back({qt.getColumn(0).getString(), qt.getColumn(1).getString(), {}});
    SQLite::Statement qi(*db_,
                         "SELECT turn_ordinal, item_id, item_json FROM items WHERE thread_id = ? "
                         "ORDER BY turn_ordinal, ordinal");
    qi.bind(1, std::string(thread_id));
    while (qi.executeStep()) {
      const auto t = static_cast<std::size_t>(qi.getColumn(0).getInt64());
      if (t < turns.size())
        turns[t].items.emplace_back(qi.getColumn(1).getString(), qi.getColumn(2).getString());
    }
    return turns;
  } catch (const SQLite::Exception& e) {
    return sqlite_failure(fmt::format("reading the history of thread {}", thread_id), path_,
                          e.getErrorCode(), e.what());
  }
}

Result<std::int64_t, StoreError> Store::rebuild_projections(
    const std::function<void(std::int64_t, std::int64_t)>& progress) {
  if (!stmts_) {
    return StoreError{StoreErrorCode::ReadOnly,
                      fmt::format("rebuild {}: the store was opened read-only", path_)};
  }
  std::vector<ThreadRow> threads;
  auto listed = read_threads([&](const ThreadRow& t) {
    threads.push_back(t);
    return true;
  });
  if (!listed) return std::move(listed).error();
  for (AppendHook* hook : hooks_) hook->reset();
  constexpr std::size_t kChunk = 8192;  // events handed to the hooks at a time
  std::int64_t done = 0;
  for (const ThreadRow& t : threads) {
    try {
      SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement clear(*db_, "DELETE FROM projection_state WHERE thread_id = ?");
      clear.bind(1, t.id);
      clear.exec();
      Writer writer(*stmts_);
      writer.write_summary(t.id, ThreadSummaryColumns{});
      writer.replace_turns_from(t.id, 0, {});
      std::vector<StoredEvent> chunk;
      std::optional<std::string> failure;
      auto fold = [&]() {
        for (AppendHook* hook : hooks_) {
          auto r = hook->after_append(t, chunk, writer);
          if (!r) {
            failure = r.error();
            return false;
          }
        }
        chunk.clear();
        return true;
      };
      SQLite::Statement q(*db_, std::string(kEventColumns) + "WHERE thread_id = ? ORDER BY seq");
      q.bind(1, t.id);
      auto read = visit_rows(q, [&](const StoredEvent& e) {
        chunk.push_back(e);
        return chunk.size() < kChunk || fold();
      });
      if (!read) return std::move(read).error();
      if (!failure && !chunk.empty()) fold();
      if (failure) {
        return StoreError{StoreErrorCode::Internal,
                          fmt::format("rebuild of thread {} failed: {}", t.id, *failure)};
      }
      tx.commit();
    } catch (const SQLite::Exception& e) {
      return sqlite_failure(fmt::format("rebuilding thread {}", t.id), path_, e.getErrorCode(),
                            e.what());
    } catch (const std::exception& e) {
      return StoreError{StoreErrorCode::Internal,
                        fmt::format("rebuilding thread {}: {}", t.id, e.what())};
    }
    ++done;
    if (progress) progress(done, static_cast<std::int64_t>(threads.size()));
  }
  return done;
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
