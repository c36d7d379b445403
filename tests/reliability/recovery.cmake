# Reliability tests (issue 10): recovery. Included from tests/CMakeLists.txt.
#
# recovery_tests: damaged, truncated, empty and foreign database files (serve refuses them,
# `spool doctor --recover` salvages what is readable), and the disk-full test (a tmpfs
# mounted by the test; needs root, else it warns and skips).
# SPOOL_RECOVERY_THREADS overrides the number of threads of the damaged databases.
spool_test(recovery_tests
  reliability/disk_full_test.cpp
  reliability/recovery_api_test.cpp
  reliability/recovery_cli_test.cpp
  reliability/recovery_open_test.cpp
  support/run_process.cpp
  support/temp_dir.cpp)
target_link_libraries(recovery_tests PRIVATE spool_bench spool_eventstore spool_views SQLiteCpp
                      nlohmann_json::nlohmann_json)
add_dependencies(recovery_tests spool)  # the CLI and disk-full tests spawn `spool`
# Fewer threads under the sanitizers, where appends are several times slower.
if(SPOOL_SANITIZE)
  target_compile_definitions(recovery_tests PRIVATE SPOOL_RECOVERY_DEFAULT_THREADS=150)
else()
  target_compile_definitions(recovery_tests PRIVATE SPOOL_RECOVERY_DEFAULT_THREADS=400)
endif()
