// Where Spool keeps its files: $SPOOL_HOME, else ~/.spool.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"

namespace spool::app {

// $SPOOL_HOME when set and non-empty, else $HOME/.spool. Fails when neither can be found.
Result<std::filesystem::path, std::string> spool_home();

// The database to use: `explicit_path` when given, else <spool_home>/spool.db. Creates the
// parent directory (mode 0700) when it is missing.
Result<std::filesystem::path, std::string> resolve_db_path(const std::string& explicit_path);

}  // namespace spool::app
