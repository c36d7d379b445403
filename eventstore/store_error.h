// The errors the event store returns as values. Every message names the operation, the
// database or thread involved, and what to do about it when there is something to do.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace spool::eventstore {

enum class StoreErrorCode {
  Conflict,         // append: expected_last_seq is stale; current_last_seq says what it is
  InvalidArgument,  // a bad thread id, kind, or policy name
  NotFound,         // no thread with that id
  InvalidEvent,     // a payload that is not JSON (the message names thread and seq)
  NewerSchema,      // the database was written by a newer Spool; it was not touched
  NotSpoolDatabase, // a SQLite database of some other program, or a file that is not one
  Corrupt,          // quick_check or a read found corruption
  DiskFull,         // SQLITE_FULL: nothing of the failed write was kept
  Busy,             // another writer held the lock past busy_timeout
  ReadOnly,         // the database or its directory cannot be written
  CantOpen,         // the file or its directory does not exist or cannot be opened
  Io,               // any other I/O error from the operating system
  Internal,         // anything else; a bug
};

std::string_view to_string(StoreErrorCode code);

struct StoreError {
  StoreErrorCode code = StoreErrorCode::Internal;
  std::string message;
  std::int64_t current_last_seq = 0;  // set with Conflict
};

}  // namespace spool::eventstore
