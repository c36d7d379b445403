# fuzz_regression_tests: every committed fuzz input (fuzz/regressions/<target>/*, then the
# seed corpus fuzz/corpus/<target>/*) through the fuzz targets' entry points, in the normal
# and the sanitizer builds. Included from tests/CMakeLists.txt (after spool_test is defined).
include(${PROJECT_SOURCE_DIR}/fuzz/entries.cmake)

spool_test(fuzz_regression_tests ${PROJECT_SOURCE_DIR}/tests/reliability/fuzz_regressions_test.cpp)
target_link_libraries(fuzz_regression_tests PRIVATE spool_fuzz_entries)
target_compile_definitions(fuzz_regression_tests PRIVATE
  SPOOL_FUZZ_DIR="${PROJECT_SOURCE_DIR}/fuzz")
