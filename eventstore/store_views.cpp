// The store's read side of the projections (list, one thread's summary, history) and the
// rebuild that refolds the log through the hooks.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include "eventstore/sqlite_error.h"
#include "eventstore/store.h"
#include "eventstore/store_internal.h"

namespace spool::eventstore {

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

}  // namespace spool::eventstore
