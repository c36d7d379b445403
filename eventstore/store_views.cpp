// The store's read side of the projections (list, one thread's summary, history) and the
// rebuild that refolds the log through the hooks.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <unordered_map>

#include "eventstore/list_sql.h"
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

// A LIKE pattern matching `term` anywhere, its wildcards taken literally (ESCAPE with a backslash).
std::string contains_pattern(std::string_view term) {
  std::string out = "%";
  for (const char c : term) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

}  // namespace

namespace detail {

// The list query: the archived flag picks the index's first column, the keyset condition
// and order follow the sort key (indexes end with "key, id"; migrations 0003 and 0005).
ListSql list_sql(const ThreadListQuery& query) {
  ListSql out;
  out.sql = std::string(kListColumns) + "WHERE (archived_at_ms IS NOT NULL) = ?";
  out.params.emplace_back(std::int64_t{query.archived ? 1 : 0});
  if (!query.include_empty) out.sql += " AND preview != ''";
  const auto in_list = [&](const char* column, const std::vector<std::string>& values) {
    if (values.empty()) return;
    out.sql += fmt::format(" AND {} IN (", column);
    for (std::size_t i = 0; i < values.size(); ++i) {
      out.sql += i == 0 ? "?" : ", ?";
      out.params.emplace_back(values[i]);
    }
    out.sql += ")";
  };
  in_list("model_provider", query.model_providers);
  in_list("source", query.sources);
  in_list("cwd", query.cwds);
  if (query.search_term) {
    // LIKE is case-insensitive for ASCII letters (SQLite without ICU).
    out.sql += " AND (preview LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')";
    const std::string pattern = contains_pattern(*query.search_term);
    out.params.emplace_back(pattern);
    out.params.emplace_back(pattern);
  }
  const char* key = query.sort_key == ThreadSortKey::CreatedAt ? "created_at_ms" : "updated_at_ms";
  const bool descending = query.order == SortOrder::Descending;
  if (query.after) {
    out.sql += fmt::format(" AND ({}, id) {} (?, ?)", key, descending ? "<" : ">");
    out.params.emplace_back(query.after->key_ms);
    out.params.emplace_back(query.after->id);
  }
  const char* dir = descending ? "DESC" : "ASC";
  out.sql += fmt::format(" ORDER BY {} {}, id {} LIMIT ?", key, dir, dir);
  out.params.emplace_back(static_cast<std::int64_t>(query.limit) + 1);  // one more: has_more
  return out;
}

}  // namespace detail

Result<ThreadListPage, StoreError> Store::list_threads(const ThreadListQuery& query) {
  if (query.limit < 1) {
    return StoreError{StoreErrorCode::InvalidArgument,
                      fmt::format("list threads: limit must be at least 1, not {}", query.limit)};
  }
  try {
    const ListSql list = list_sql(query);
    SQLite::Statement q(*db_, list.sql);
    int i = 1;
    for (const auto& p : list.params) {
      if (const auto* n = std::get_if<std::int64_t>(&p)) {
        q.bind(i++, *n);
      } else {
        q.bind(i++, std::get<std::string>(p));
      }
    }
    ThreadListPage page;
    while (q.executeStep()) page.rows.push_back(read_list_row(q));
    if (page.rows.size() > static_cast<std::size_t>(query.limit)) {
      page.rows.pop_back();
      page.has_more = true;
    }
    return page;
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

Result<TurnPage, StoreError> Store::list_turns(std::string_view thread_id,
                                               const TurnPageQuery& query) {
  if (query.limit < 1) {
    return StoreError{StoreErrorCode::InvalidArgument,
                      fmt::format("list turns of thread {}: limit must be at least 1, not {}",
                                  thread_id, query.limit)};
  }
  try {
    const std::string tid(thread_id);
    const bool descending = query.order == SortOrder::Descending;
    std::string sql = "SELECT ordinal, turn_id, turn_json FROM turns WHERE thread_id = ?";
    if (query.after_ordinal) sql += descending ? " AND ordinal < ?" : " AND ordinal > ?";
    sql += descending ? " ORDER BY ordinal DESC LIMIT ?" : " ORDER BY ordinal LIMIT ?";
    SQLite::Statement qt(*db_, sql);
    int i = 1;
    qt.bind(i++, tid);
    if (query.after_ordinal) qt.bind(i++, *query.after_ordinal);
    qt.bind(i, static_cast<std::int64_t>(query.limit) + 1);
    TurnPage page;
    while (qt.executeStep()) {
      page.turns.emplace_back(qt.getColumn(0).getInt64(),
                              HistoryTurnRow{qt.getColumn(1).getString(),
                                             qt.getColumn(2).getString(), {}});
    }
    if (page.turns.size() > static_cast<std::size_t>(query.limit)) {
      page.turns.pop_back();
      page.has_more = true;
    }
    if (page.turns.empty()) return page;
    // The page's ordinals are consecutive in the table's order, not necessarily as numbers:
    // fetch the items of the range between them and keep those of the page's turns.
    std::int64_t lo = page.turns.front().first;
    std::int64_t hi = page.turns.back().first;
    if (lo > hi) std::swap(lo, hi);
    std::unordered_map<std::int64_t, std::size_t> index;
    for (std::size_t t = 0; t < page.turns.size(); ++t) index[page.turns[t].first] = t;
    SQLite::Statement qi(*db_,
                         "SELECT turn_ordinal, item_id, item_json FROM items WHERE thread_id = ? "
                         "AND turn_ordinal BETWEEN ? AND ? ORDER BY turn_ordinal, ordinal");
    qi.bind(1, tid);
    qi.bind(2, lo);
    qi.bind(3, hi);
    while (qi.executeStep()) {
      const auto it = index.find(qi.getColumn(0).getInt64());
      if (it == index.end()) continue;
      page.turns[it->second].second.items.emplace_back(qi.getColumn(1).getString(),
                                                       qi.getColumn(2).getString());
    }
    return page;
  } catch (const SQLite::Exception& e) {
    return sqlite_failure(fmt::format("listing the turns of thread {}", thread_id), path_,
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
      Writer writer(*db_, *stmts_);
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
