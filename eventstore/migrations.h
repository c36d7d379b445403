// The SQL migrations embedded at build time from migrations/NNNN_name.sql.
#pragma once

#include <vector>

namespace spool::eventstore {

struct Migration {
  const char* name;  // "0001_event_store.sql"
  const char* sql;
};

// Every migration in name order; entry i takes the schema from version i to i + 1.
// Defined in the generated migrations_data.cpp.
const std::vector<Migration>& all_migrations();

}  // namespace spool::eventstore
