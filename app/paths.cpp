#include "app/paths.h"

#include <fmt/format.h>

#include <cstdlib>
#include <system_error>

namespace spool::app {

Result<std::filesystem::path, std::string> spool_home() {
  if (const char* h = std::getenv("SPOOL_HOME"); h && *h) return std::filesystem::path(h);
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".spool";
  }
  return std::string("cannot find a home for Spool's files: set SPOOL_HOME or HOME");
}

Result<std::filesystem::path, std::string> resolve_db_path(const std::string& explicit_path) {
  std::filesystem::path db;
  if (!explicit_path.empty()) {
    db = explicit_path;
  } else {
    auto home = spool_home();
    if (!home) return fail(std::move(home).error());
    db = home.value() / "spool.db";
  }
  if (db == ":memory:") return db;
  const std::filesystem::path dir = db.has_parent_path() ? db.parent_path() : ".";
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  return db;
}

}  // namespace spool::app
