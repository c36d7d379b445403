# spool_fuzz_entries: the fuzz targets' entry points (fuzz/entry_points.h) as a library, for
# the libFuzzer executables (fuzz/CMakeLists.txt) and the regression test
# (fuzz/regressions.cmake). Included from both; defined once.
if(NOT TARGET spool_fuzz_entries)
  spool_library(spool_fuzz_entries
    ${PROJECT_SOURCE_DIR}/fuzz/framer_router_entry.cpp
    ${PROJECT_SOURCE_DIR}/fuzz/protocol_decode_entry.cpp
    ${PROJECT_SOURCE_DIR}/fuzz/rollout_import_entry.cpp
    ${PROJECT_SOURCE_DIR}/fuzz/type_roundtrip.cpp)
  target_link_libraries(spool_fuzz_entries
    PUBLIC spool_rpc spool_protocol spool_eventstore spool_views spool_base
           nlohmann_json::nlohmann_json)
endif()
