// Internal to eventstore/*.cpp: the store's SQL, its prepared statements, and the
// ProjectionWriter it hands to hooks. Nothing outside eventstore/ includes this.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/utf8.h"
#include "eventstore/store.h"

namespace spool::eventstore::detail {

inline constexpr std::size_t kMaxThreadIdBytes = 256;

inline constexpr const char* kSelectThread =
    "SELECT id, created_at_ms, updated_at_ms, last_seq, persistence_policy, archived_at_ms "
    "FROM threads WHERE id = ?";
inline constexpr const char* kInsertThread =
    "INSERT INTO threads (id, created_at_ms, updated_at_ms, last_seq) VALUES (?, ?, ?, 0)";
inline constexpr const char* kUpdateThread =
    "UPDATE threads SET updated_at_ms = ?, last_seq = ?, archived_at_ms = ? WHERE id = ?";
inline constexpr const char* kFindProducerId =
    "SELECT seq, position FROM events WHERE thread_id = ? AND producer_id = ?";
inline constexpr const char* kInsertEvent =
    "INSERT INTO events (thread_id, seq, ts_ms, kind, type, turn_id, producer_id, payload, "
    "line_extras) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
inline constexpr const char* kEventColumns =
    "SELECT thread_id, seq, position, ts_ms, kind, type, turn_id, producer_id, payload, "
    "line_extras FROM events ";
inline constexpr const char* kUpsertCheckpoint =
    "INSERT INTO import_files (identity, path, thread_id, offset, lines, archived, updated_at_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (identity) DO UPDATE SET path = excluded.path, "
    "thread_id = excluded.thread_id, offset = excluded.offset, lines = excluded.lines, "
    "archived = excluded.archived, updated_at_ms = excluded.updated_at_ms";
inline constexpr const char* kUpdatedAtTaken =
    "SELECT 1 FROM threads WHERE updated_at_ms = ? AND id != ?";
inline constexpr const char* kLoadState =
    "SELECT state FROM projection_state WHERE thread_id = ? AND projection = ?";
inline constexpr const char* kSaveState =
    "INSERT INTO projection_state (thread_id, projection, state) VALUES (?, ?, ?) "
    "ON CONFLICT (thread_id, projection) DO UPDATE SET state = excluded.state";
inline constexpr const char* kWriteSummary =
    "UPDATE threads SET created_at_ms = COALESCE(?, created_at_ms), preview = ?, name = ?, "
    "model_provider = ?, model = ?, reasoning_effort = ?, approval_policy = ?, sandbox = ?, "
    "cwd = ?, source = ?, originator = ?, cli_version = ?, forked_from_id = ?, git_info = ? "
    "WHERE id = ?";
inline constexpr const char* kDeleteTurnsFrom = "DELETE FROM turns WHERE thread_id = ? AND ordinal >= ?";
inline constexpr const char* kDeleteItemsFrom =
    "DELETE FROM items WHERE thread_id = ? AND turn_ordinal >= ?";
inline constexpr const char* kInsertTurn =
    "INSERT INTO turns (thread_id, ordinal, turn_id, turn_json) VALUES (?, ?, ?, ?)";
inline constexpr const char* kInsertItem =
    "INSERT INTO items (thread_id, turn_ordinal, ordinal, item_id, item_json) "
    "VALUES (?, ?, ?, ?, ?)";
inline constexpr const char* kSelectCheckpoint =
    "SELECT identity, path, thread_id, offset, lines, archived FROM import_files "
    "WHERE identity = ?";

inline void bind_optional(SQLite::Statement& st, int index, const std::optional<std::string>& v) {
  if (v) {
    st.bindNoCopy(index, *v);
  } else {
    st.bind(index);  // NULL
  }
}

inline std::optional<std::string> optional_text(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

inline ThreadRow read_thread_row(SQLite::Statement& st) {
  ThreadRow row;
  row.id = st.getColumn(0).getString();
  row.created_at_ms = st.getColumn(1).getInt64();
  row.updated_at_ms = st.getColumn(2).getInt64();
  row.last_seq = st.getColumn(3).getInt64();
  if (!st.getColumn(4).isNull()) row.policy = parse_policy(st.getColumn(4).getString());
  if (!st.getColumn(5).isNull()) row.archived_at_ms = st.getColumn(5).getInt64();
  return row;
}

// The event at the current row of a statement that selects kEventColumns.
inline StoredEvent read_event_row(SQLite::Statement& q) {
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
  return e;
}

// store_threads.cpp: forks and lineage.
inline constexpr std::string_view kThreadForked = "thread_forked";

// Records the fork an appended spool/thread_forked event declares (the thread_forks row),
// after checking it: a payload {"forked_from_id": string, "through_seq": integer}, a parent
// other than the thread that has that seq, no earlier fork event in the thread, and no
// cycle. REQUIRES: inside the append's transaction, the event already inserted. Throws
// SQLite::Exception.
Result<void, StoreError> record_fork(SQLite::Database& db, const std::string& thread_id,
                                     std::int64_t seq, const std::string& payload);

// Visits the thread's lineage up to its own seq `through_seq` (see Store::read_lineage):
// for a fork whose fork event is at or before through_seq, its parent's lineage up to the
// recorded through_seq first. Returns the number visited; stops when `visit` returns false.
// Throws SQLite::Exception, and std::runtime_error on a cycle of forks.
std::int64_t visit_lineage(SQLite::Database& db, std::string_view thread_id,
                           std::int64_t through_seq, const std::function<bool(const StoredEvent&)>& visit);

inline Result<void, StoreError> validate_append(std::string_view thread_id,
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

inline PreparedPayload prepare_payload(const std::string& raw) {
  PreparedPayload p;
  if (is_valid_utf8(raw)) {
    p.text = &raw;
  } else {
    p.repaired = repair_utf8(raw);
    p.text = &p.repaired;
  }
  return p;
}

}  // namespace spool::eventstore::detail

namespace spool::eventstore {
using namespace detail;  // NOLINT: internal header, included by eventstore/*.cpp only

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
  Writer(SQLite::Database& db, Statements& s) : db_(db), s_(s) {}

  void read_events(std::string_view thread_id, std::int64_t through_seq,
                   const std::function<void(const StoredEvent&)>& visit) override {
    SQLite::Statement q(db_, std::string(kEventColumns) +
                                 "WHERE thread_id = ? AND seq <= ? ORDER BY seq");
    q.bind(1, std::string(thread_id));
    q.bind(2, through_seq);
    while (q.executeStep()) visit(read_event_row(q));
  }

  void read_lineage(std::string_view thread_id, std::int64_t through_seq,
                    const std::function<void(const StoredEvent&)>& visit) override {
    visit_lineage(db_, thread_id, through_seq, [&](const StoredEvent& e) {
      visit(e);
      return true;
    });
  }

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
  SQLite::Database& db_;
  Statements& s_;
};

}  // namespace spool::eventstore
