# Reliability tests (issue 10): hostile input. Included from tests/CMakeLists.txt.
#
#   e2e_hostile_input   item 9: big and endless lines, invalid UTF-8, surrogates, NULs, BOM,
#                       100k nesting, huge numbers, duplicate keys, a client that never reads,
#                       100 socket clients for SPOOL_SOAK_SECONDS (default 10)
#   e2e_list_churn      item 7: 10k threads paged 7 at a time under inserts and updates
#   e2e_delete_canary   item 10: thread/delete leaves no byte of the thread in the db/WAL
#   e2e_timezones and tz_<tests>_<zone>
#                       item 8: the layer suites and an e2e test under three time zones
#
# The node tests read their sizes from the environment (see each file's header); a variable
# set when running ctest (e.g. SPOOL_SOAK_SECONDS=60) reaches them. Sanitizer builds get
# smaller defaults through SPOOL_SANITIZED_BUILD.

# Time zones far from UTC (+08:00, +14:00, -03:30 with DST). Their tzdata files must exist,
# or the runs would silently use UTC.
set(SPOOL_TEST_TIME_ZONES Asia/Taipei Pacific/Kiritimati America/St_Johns)
foreach(zone IN LISTS SPOOL_TEST_TIME_ZONES)
  if(NOT EXISTS /usr/share/zoneinfo/${zone})
    message(WARNING "tzdata has no ${zone}: install tzdata for the time zone tests")
  endif()
endforeach()

# The layer suites whose code handles times (parsing, folding, storing, serving), each run
# whole under each zone. Sanitizer builds, several times slower, run them under the zone
# farthest from UTC only (the e2e test still runs under all three).
set(_spool_tz_suite_zones ${SPOOL_TEST_TIME_ZONES})
if(SPOOL_SANITIZE)
  set(_spool_tz_suite_zones Pacific/Kiritimati)
endif()
foreach(zone IN LISTS _spool_tz_suite_zones)
  string(REPLACE "/" "_" zone_id "${zone}")
  foreach(suite base_tests eventstore_tests projections_tests views_tests app_tests server_tests)
    add_test(NAME tz_${suite}_${zone_id} COMMAND ${suite})
    set_tests_properties(tz_${suite}_${zone_id} PROPERTIES ENVIRONMENT "TZ=${zone}" TIMEOUT 600
                         LABELS "reliability;timezone")
  endforeach()
endforeach()

if(SPOOL_NODE_EXECUTABLE)
  set(_spool_hostile_env "SPOOL_BINARY=$<TARGET_FILE:spool>"
      "NODE_PATH=${PROJECT_SOURCE_DIR}/node_modules")
  if(SPOOL_SANITIZE)
    list(APPEND _spool_hostile_env "SPOOL_SANITIZED_BUILD=1")
  endif()
  foreach(e2e hostile_input list_churn delete_canary timezones)
    add_test(NAME e2e_${e2e}
      COMMAND ${SPOOL_NODE_EXECUTABLE} --test ${PROJECT_SOURCE_DIR}/tests/e2e/${e2e}.test.mjs)
    set_tests_properties(e2e_${e2e} PROPERTIES ENVIRONMENT "${_spool_hostile_env}" TIMEOUT 600
                         LABELS "reliability")
  endforeach()
  foreach(zone IN LISTS SPOOL_TEST_TIME_ZONES)
    string(REPLACE "/" "_" zone_id "${zone}")
    add_test(NAME tz_e2e_timezones_${zone_id}
      COMMAND ${SPOOL_NODE_EXECUTABLE} --test ${PROJECT_SOURCE_DIR}/tests/e2e/timezones.test.mjs)
    set_tests_properties(tz_e2e_timezones_${zone_id} PROPERTIES
      ENVIRONMENT "${_spool_hostile_env};TZ=${zone}" TIMEOUT 300 LABELS "reliability;timezone")
  endforeach()
endif()
