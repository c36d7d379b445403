# Reliability tests (issue 10): crash_and_concurrency. Included from tests/CMakeLists.txt.
#
# Items 1, 2, 5 and 6: kill -9 at random moments (the append driver, `spool serve`,
# `spool import`), faults between the event insert and the projection update, two processes
# appending to one database, the cross-process turn lease, idempotent retries. Each test
# prints its figures (Catch2 WARN). Sanitizer builds run smaller counts
# (SPOOL_RELIABILITY_SANITIZED); the environment variables in crash_settings.h override them.

# The append driver: appends through eventstore::Store with the projections attached and
# prints each committed append, for the tests to kill it and check what it acknowledged.
add_executable(reliability_append_driver reliability/tools/append_driver.cpp)
spool_target_defaults(reliability_append_driver)
target_link_libraries(reliability_append_driver PRIVATE spool_views spool_eventstore fmt::fmt)

spool_test(crash_and_concurrency_tests
  reliability/concurrent_appends_test.cpp
  reliability/crash_checks.cpp
  reliability/crash_child.cpp
  reliability/crash_kill_test.cpp
  reliability/fault_projection_test.cpp
  reliability/idempotency_retry_test.cpp
  support/temp_dir.cpp)
target_link_libraries(crash_and_concurrency_tests PRIVATE
  spool_views spool_eventstore spool_bench SQLiteCpp fmt::fmt nlohmann_json::nlohmann_json)
target_compile_definitions(crash_and_concurrency_tests PRIVATE
  RELIABILITY_APPEND_DRIVER="$<TARGET_FILE:reliability_append_driver>"
  SPOOL_RELIABILITY_SANITIZED=$<BOOL:${SPOOL_SANITIZE}>)
add_dependencies(crash_and_concurrency_tests spool reliability_append_driver)

# Two `spool serve` processes on one database racing for a turn (node, like tests/e2e).
if(SPOOL_NODE_EXECUTABLE)
  add_test(NAME e2e_two_servers_turn
    COMMAND ${SPOOL_NODE_EXECUTABLE} --test ${PROJECT_SOURCE_DIR}/tests/e2e/two_servers_turn.test.mjs)
  set_tests_properties(e2e_two_servers_turn PROPERTIES
    ENVIRONMENT "SPOOL_BINARY=$<TARGET_FILE:spool>;NODE_PATH=${PROJECT_SOURCE_DIR}/node_modules"
    TIMEOUT 120)
endif()
