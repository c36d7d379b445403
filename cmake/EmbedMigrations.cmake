# Script mode: cmake -DIN_DIR=<migrations> -DOUT=<file.cpp> -P EmbedMigrations.cmake
# Writes one C++ raw string literal per migrations/NNNN_name.sql, in name order, so the
# binary carries its schema and never reads SQL files at run time.
file(GLOB files "${IN_DIR}/*.sql")
list(SORT files)
set(entries "")
foreach(f IN LISTS files)
  get_filename_component(name "${f}" NAME)
  file(READ "${f}" sql)
  string(FIND "${sql}" ")spool_sql\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${name} contains the raw-string delimiter )spool_sql\"")
  endif()
  string(APPEND entries "      {\"${name}\", R\"spool_sql(${sql})spool_sql\"},\n")
endforeach()
set(content "// Generated from migrations/*.sql by cmake/EmbedMigrations.cmake. Do not edit.
#include \"eventstore/migrations.h\"

namespace spool::eventstore {

const std::vector<Migration>& all_migrations() {
  static const std::vector<Migration> kAll = {
${entries}  };
  return kAll;
}

}  // namespace spool::eventstore
")
# Only touch the output when it changes, so unrelated reconfigures do not rebuild.
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
  if(old STREQUAL content)
    return()
  endif()
endif()
file(WRITE "${OUT}" "${content}")
