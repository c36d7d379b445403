// Opening a database: identity and corruption checks first (read-only, so a file we refuse
// is never changed), then connection settings, then migrations.
#include "eventstore/open_database.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include "eventstore/migrations.h"
#include "eventstore/sqlite_error.h"

namespace spool::eventstore {
namespace {

int pragma_int(SQLite::Database& db, const char* pragma) {
  return db.execAndGet(fmt::format("PRAGMA {}", pragma)).getInt();
}

// Refuses files that are not Spool's, or that a newer Spool wrote. Reads only.
Result<void, StoreError> check_identity(SQLite::Database& db, const std::string& path) {
  const int app_id = pragma_int(db, "application_id");
  const int version = pragma_int(db, "user_version");
  if (app_id != 0 && app_id != kSpoolApplicationId) {
    return StoreError{StoreErrorCode::NotSpoolDatabase,
                      fmt::format("{} is a SQLite database of another program (application_id "
                                  "{:#010x}); Spool will not touch it. Point --db elsewhere.",
                                  path, static_cast<unsigned>(app_id))};
  }
  if (app_id == 0) {
    const int objects = db.execAndGet("SELECT count(*) FROM sqlite_schema").getInt();
    if (objects > 0 || version != 0) {
      return StoreError{StoreErrorCode::NotSpoolDatabase,
                        fmt::format("{} is a SQLite database of another program ({} schema "
                                    "objects, no Spool application id); Spool will not touch "
                                    "it. Point --db elsewhere.",
                                    path, objects)};
    }
  }
  const int known = binary_schema_version();
  if (version > known) {
    return StoreError{StoreErrorCode::NewerSchema,
                      fmt::format("{} has schema version {}, but this spool knows versions up "
                                  "to {}: it was written by a newer Spool. Upgrade spool to "
                                  "open it; the file was not changed.",
                                  path, version, known)};
  }
  return {};
}

// Applies each pending migration in its own BEGIN IMMEDIATE transaction together with the
// user_version bump, re-reading the version under the lock so that two processes opening
// one new file at once migrate it once.
Result<void, StoreError> migrate(SQLite::Database& db, const std::string& path) {
  const auto& all = all_migrations();
  for (;;) {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    const int version = pragma_int(db, "user_version");
    if (version > static_cast<int>(all.size())) {
      return StoreError{StoreErrorCode::NewerSchema,
                        fmt::format("{} was migrated to schema version {} by a newer Spool "
                                    "while this one (version {}) was opening it",
                                    path, version, all.size())};
    }
    if (version == static_cast<int>(all.size())) return {};  // tx rolls back: nothing written
    try {
      db.exec(all[static_cast<std::size_t>(version)].sql);
    } catch (const SQLite::Exception& e) {
      return sqlite_failure(fmt::format("migration {}", all[static_cast<std::size_t>(version)].name),
                            path, e.getErrorCode(), e.what());
    }
    if (version == 0) db.exec(fmt::format("PRAGMA application_id = {}", kSpoolApplicationId));
    db.exec(fmt::format("PRAGMA user_version = {}", version + 1));
    tx.commit();
  }
}

}  // namespace

Result<void, StoreError> check_integrity(SQLite::Database& db, const std::string& path) {
  SQLite::Statement q(db, "PRAGMA quick_check(5)");
  std::string problems;
  while (q.executeStep()) {
    const std::string row = q.getColumn(0).getString();
    if (row == "ok") continue;
    if (!problems.empty()) problems += "; ";
    problems += row;
  }
  if (problems.empty()) return {};
  return StoreError{StoreErrorCode::Corrupt,
                    fmt::format("{} is damaged: it failed quick_check: {}. It was not changed. "
                                "`spool doctor --recover --db {}` copies every readable thread "
                                "into a new database and keeps this file aside; or restore it "
                                "from a backup.",
                                path, problems, path)};
}

Result<std::unique_ptr<SQLite::Database>, StoreError> open_database(const std::string& path,
                                                                    const StoreOptions& options) {
  try {
    // NOMUTEX: a Store is used from one thread at a time (store.h), so SQLite's own
    // per-connection mutex is pure cost.
    const int flags = (options.read_only ? SQLite::OPEN_READONLY
                                         : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE)) |
                      SQLite::OPEN_NOMUTEX;
    auto db = std::make_unique<SQLite::Database>(path, flags, options.busy_timeout_ms);
    if (auto r = check_identity(*db, path); !r) return std::move(r).error();
    if (options.quick_check) {
      if (auto r = check_integrity(*db, path); !r) return std::move(r).error();
    }
    db->exec("PRAGMA foreign_keys = ON");
    // Deleted content is overwritten with zeros, so a deleted thread's bytes leave the file
    // (Store::delete_thread also checkpoints them out of the WAL).
    db->exec("PRAGMA secure_delete = ON");
    if (options.read_only) {
      const int version = pragma_int(*db, "user_version");
      if (version != binary_schema_version()) {
        return StoreError{StoreErrorCode::ReadOnly,
                          fmt::format("{} has schema version {} and this spool needs {}; open it "
                                      "once without read-only to migrate it",
                                      path, version, binary_schema_version())};
      }
      return db;
    }
    db->exec("PRAGMA journal_mode = WAL");
    db->exec(options.synchronous == Synchronous::Full ? "PRAGMA synchronous = FULL"
                                                      : "PRAGMA synchronous = NORMAL");
    if (auto r = migrate(*db, path); !r) return std::move(r).error();
    return db;
  } catch (const SQLite::Exception& e) {
    return sqlite_failure("opening the database", path, e.getErrorCode(), e.what());
  }
}

int binary_schema_version() { return static_cast<int>(all_migrations().size()); }

}  // namespace spool::eventstore
