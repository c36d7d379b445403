// Internal: opening, identifying, checking and migrating a Spool database file.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "eventstore/store.h"

namespace spool::eventstore {

// 'SPOL': written to PRAGMA application_id by the first migration, so Spool recognises its
// own files and refuses other programs' SQLite databases.
inline constexpr int kSpoolApplicationId = 0x53504f4c;

// Opens `path` and makes it ready: refuses foreign, corrupt and newer files without writing
// to them, then sets WAL, synchronous, foreign keys and applies pending migrations.
Result<std::unique_ptr<SQLite::Database>, StoreError> open_database(const std::string& path,
                                                                    const StoreOptions& options);

// PRAGMA quick_check: a Corrupt error naming the first problems and the way to recover.
Result<void, StoreError> check_integrity(SQLite::Database& db, const std::string& path);

}  // namespace spool::eventstore
