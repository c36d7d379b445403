#include "eventstore/sqlite_error.h"

#include <fmt/format.h>
#include <sqlite3.h>

namespace spool::eventstore {

std::string_view to_string(StoreErrorCode code) {
  switch (code) {
    case StoreErrorCode::Conflict: return "conflict";
    case StoreErrorCode::InvalidArgument: return "invalid argument";
    case StoreErrorCode::NotFound: return "not found";
    case StoreErrorCode::InvalidEvent: return "invalid event";
    case StoreErrorCode::NewerSchema: return "newer schema";
    case StoreErrorCode::NotSpoolDatabase: return "not a spool database";
    case StoreErrorCode::Corrupt: return "corrupt database";
    case StoreErrorCode::DiskFull: return "disk full";
    case StoreErrorCode::Busy: return "database busy";
    case StoreErrorCode::ReadOnly: return "read-only database";
    case StoreErrorCode::CantOpen: return "cannot open database";
    case StoreErrorCode::Io: return "I/O error";
    case StoreErrorCode::Internal: return "internal error";
  }
  return "internal error";
}

StoreErrorCode code_for_sqlite(int primary_code) {
  switch (primary_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return StoreErrorCode::Busy;
    case SQLITE_FULL: return StoreErrorCode::DiskFull;
    case SQLITE_CORRUPT: return StoreErrorCode::Corrupt;
    case SQLITE_NOTADB: return StoreErrorCode::NotSpoolDatabase;
    case SQLITE_READONLY:
    case SQLITE_PERM: return StoreErrorCode::ReadOnly;
    case SQLITE_CANTOPEN: return StoreErrorCode::CantOpen;
    case SQLITE_IOERR: return StoreErrorCode::Io;
    default: return StoreErrorCode::Internal;
  }
}

StoreError sqlite_failure(std::string_view operation, std::string_view path, int sqlite_code,
                          std::string_view sqlite_message) {
  const StoreErrorCode code = code_for_sqlite(sqlite_code);
  std::string_view hint;
  switch (code) {
    case StoreErrorCode::DiskFull:
      hint = " (the disk is full: nothing of this write was kept; free space and retry)";
      break;
    case StoreErrorCode::Io:
      hint = " (an I/O error while using the database file: nothing of this write was kept; "
             "check the disk, then retry)";
      break;
    case StoreErrorCode::Busy:
      hint = " (another process held the write lock too long; retry)";
      break;
    case StoreErrorCode::Corrupt:
      hint = " (the database file is damaged: stop Spool and run `spool doctor --recover`)";
      break;
    case StoreErrorCode::NotSpoolDatabase:
      hint = " (the file is not a SQLite database, or its header is damaged; it was not "
             "changed: point --db at a Spool database)";
      break;
    default: break;
  }
  return StoreError{code, fmt::format("{} on {}: {}{}", operation, path, sqlite_message, hint)};
}

}  // namespace spool::eventstore
