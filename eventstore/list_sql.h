// The SQL of Store::list_threads, apart so that a test can EXPLAIN it (every order and
// filter must be served by an index on threads). Internal to eventstore/ and its tests.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "eventstore/store.h"

namespace spool::eventstore::detail {

struct ListSql {
  std::string sql;                                            // SELECT ... LIMIT ?
  std::vector<std::variant<std::int64_t, std::string>> params;  // bound in order, from 1
};

// REQUIRES: query.limit >= 1.
ListSql list_sql(const ThreadListQuery& query);

}  // namespace spool::eventstore::detail
