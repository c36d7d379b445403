// Internal: turns SQLite failures into StoreErrors. Only eventstore/*.cpp includes this.
#pragma once

#include <string_view>

#include "eventstore/store_error.h"

namespace spool::eventstore {

// `primary_code` is SQLite's result code (the low byte of an extended code).
StoreErrorCode code_for_sqlite(int primary_code);

// "<operation> on <path>: <sqlite message>", with a hint for the codes that have one.
StoreError sqlite_failure(std::string_view operation, std::string_view path, int sqlite_code,
                          std::string_view sqlite_message);

}  // namespace spool::eventstore
