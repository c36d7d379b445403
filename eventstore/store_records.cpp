// The store's account-wide records, kept beside the event log but not in it: the rate-limit
// snapshots the model provider reported and feedback reports (migration 0007).
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include "eventstore/sqlite_error.h"
#include "eventstore/store.h"
#include "eventstore/store_internal.h"

namespace spool::eventstore {

namespace {

constexpr const char* kFeedbackColumns =
    "SELECT id, created_at_ms, thread_id, classification, reason, tags, logs, upload_url, "
    "upload_status, upload_error, uploaded_at_ms FROM feedback ";

std::string_view upload_name(FeedbackUpload u) {
  switch (u) {
    case FeedbackUpload::NotConfigured:
      return "not_configured";
    case FeedbackUpload::Pending:
      return "pending";
    case FeedbackUpload::Uploaded:
      return "uploaded";
    case FeedbackUpload::Failed:
      return "failed";
  }
  return "failed";
}

FeedbackUpload upload_of(std::string_view name) {
  if (name == "not_configured") return FeedbackUpload::NotConfigured;
  if (name == "pending") return FeedbackUpload::Pending;
  if (name == "uploaded") return FeedbackUpload::Uploaded;
  return FeedbackUpload::Failed;
}

template <class T>
void bind_nullable(SQLite::Statement& q, int index, const std::optional<T>& v) {
  if (v) {
    q.bind(index, *v);
  } else {
    q.bind(index);
  }
}

RateLimitRecord read_rate_limit(SQLite::Statement& q) {
  RateLimitRecord r;
  r.observed_at_ms = q.getColumn(0).getInt64();
  r.limit_id = q.getColumn(1).getString();
  r.snapshot_json = q.getColumn(2).getString();
  return r;
}

}  // namespace

Result<bool, StoreError> Store::record_rate_limits(const RateLimitRecord& record) {
  try {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement newest(*db_,
                             "SELECT snapshot FROM rate_limit_snapshots WHERE limit_id = ? "
                             "ORDER BY id DESC LIMIT 1");
    newest.bind(1, record.limit_id);
    if (newest.executeStep() && newest.getColumn(0).getString() == record.snapshot_json) {
      return false;
    }
    SQLite::Statement insert(*db_,
                             "INSERT INTO rate_limit_snapshots (observed_at_ms, limit_id, "
                             "snapshot) VALUES (?, ?, ?)");
    insert.bind(1, record.observed_at_ms);
    insert.bind(2, record.limit_id);
    insert.bind(3, record.snapshot_json);
    insert.exec();
    SQLite::Statement trim(*db_,
                           "DELETE FROM rate_limit_snapshots WHERE limit_id = ?1 AND id <= "
                           "(SELECT id FROM rate_limit_snapshots WHERE limit_id = ?1 "
                           "ORDER BY id DESC LIMIT 1 OFFSET ?2)");
    trim.bind(1, record.limit_id);
    trim.bind(2, kRateLimitHistory);
    trim.exec();
    tx.commit();
    return true;
  } catch (const SQLite::Exception& e) {
    return sqlite_failure("recording rate limits", path_, e.getErrorCode(), e.what());
  }
}

Result<std::vector<RateLimitRecord>, StoreError> Store::latest_rate_limits() {
  try {
    // One index seek per limit id: the newest row of each (SQLite's bare-column MAX rule).
    SQLite::Statement q(*db_,
                        "SELECT observed_at_ms, limit_id, snapshot, MAX(id) FROM "
                        "rate_limit_snapshots GROUP BY limit_id ORDER BY limit_id");
    std::vector<RateLimitRecord> out;
    while (q.executeStep()) out.push_back(read_rate_limit(q));
    return out;
  } catch (const SQLite::Exception& e) {
    return sqlite_failure("reading rate limits", path_, e.getErrorCode(), e.what());
  }
}

Result<std::vector<RateLimitRecord>, StoreError> Store::rate_limit_history(
    std::string_view limit_id, int limit) {
  try {
    SQLite::Statement q(*db_,
                        "SELECT observed_at_ms, limit_id, snapshot FROM rate_limit_snapshots "
                        "WHERE limit_id = ? ORDER BY id DESC LIMIT ?");
    q.bind(1, std::string(limit_id));
    q.bind(2, limit);
    std::vector<RateLimitRecord> out;
    while (q.executeStep()) out.push_back(read_rate_limit(q));
    return out;
  } catch (const SQLite::Exception& e) {
    return sqlite_failure("reading rate-limit history", path_, e.getErrorCode(), e.what());
  }
}

Result<void, StoreError> Store::add_feedback(const FeedbackRecord& r) {
  try {
    SQLite::Statement q(*db_,
                        "INSERT INTO feedback (id, created_at_ms, thread_id, classification, "
                        "reason, tags, logs, upload_url, upload_status, upload_error, "
                        "uploaded_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, r.id);
    q.bind(2, r.created_at_ms);
    bind_nullable(q, 3, r.thread_id);
    q.bind(4, r.classification);
    bind_nullable(q, 5, r.reason);
    bind_nullable(q, 6, r.tags_json);
    bind_nullable(q, 7, r.logs);
    bind_nullable(q, 8, r.upload_url);
    q.bind(9, std::string(upload_name(r.upload)));
    bind_nullable(q, 10, r.upload_error);
    bind_nullable(q, 11, r.uploaded_at_ms);
    q.exec();
    return {};
  } catch (const SQLite::Exception& e) {
    if ((e.getErrorCode() & 0xff) == SQLITE_CONSTRAINT) {
      return StoreError{StoreErrorCode::InvalidArgument,
                        fmt::format("feedback {} is already stored in {}", r.id, path_)};
    }
    return sqlite_failure(fmt::format("storing feedback {}", r.id), path_, e.getErrorCode(),
                          e.what());
  }
}

Result<void, StoreError> Store::set_feedback_upload(std::string_view id, FeedbackUpload upload,
                                                    std::optional<std::string> error,
                                                    std::optional<std::int64_t> uploaded_at_ms) {
  try {
    SQLite::Statement q(*db_,
                        "UPDATE feedback SET upload_status = ?, upload_error = ?, "
                        "uploaded_at_ms = ? WHERE id = ?");
    q.bind(1, std::string(upload_name(upload)));
    bind_nullable(q, 2, error);
    bind_nullable(q, 3, uploaded_at_ms);
    q.bind(4, std::string(id));
    if (q.exec() == 0) {
      return StoreError{StoreErrorCode::NotFound, fmt::format("no feedback {} in {}", id, path_)};
    }
    return {};
  } catch (const SQLite::Exception& e) {
    return sqlite_failure(fmt::format("recording the upload of feedback {}", id), path_,
                          e.getErrorCode(), e.what());
  }
}

Result<std::optional<FeedbackRecord>, StoreError> Store::feedback(std::string_view id) {
  try {
    SQLite::Statement q(*db_, std::string(kFeedbackColumns) + "WHERE id = ?");
    q.bind(1, std::string(id));
    if (!q.executeStep()) return std::optional<FeedbackRecord>{};
    FeedbackRecord r;
    r.id = q.getColumn(0).getString();
    r.created_at_ms = q.getColumn(1).getInt64();
    r.thread_id = detail::optional_text(q.getColumn(2));
    r.classification = q.getColumn(3).getString();
    r.reason = detail::optional_text(q.getColumn(4));
    r.tags_json = detail::optional_text(q.getColumn(5));
    r.logs = detail::optional_text(q.getColumn(6));
    r.upload_url = detail::optional_text(q.getColumn(7));
    r.upload = upload_of(q.getColumn(8).getString());
    r.upload_error = detail::optional_text(q.getColumn(9));
    if (!q.getColumn(10).isNull()) r.uploaded_at_ms = q.getColumn(10).getInt64();
    return std::optional<FeedbackRecord>{std::move(r)};
  } catch (const SQLite::Exception& e) {
    return sqlite_failure(fmt::format("reading feedback {}", id), path_, e.getErrorCode(),
                          e.what());
  }
}

}  // namespace spool::eventstore
