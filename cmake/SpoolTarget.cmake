# spool_target_defaults(target): the flags every target of ours gets. Warnings are errors
# on our code only; third-party headers come in through imported targets as -isystem.
# The same warning set is clean under GCC 12 and Clang 14 (the fuzz build).
function(spool_target_defaults target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough
    -Wcast-qual -Wformat=2 -Wundef -Werror)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  if(SPOOL_SANITIZE)
    target_compile_options(${target} PUBLIC
      -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
  if(SPOOL_FUZZ)
    # Every library a fuzzer links is instrumented for coverage (fuzzer-no-link) and checked
    # by ASan + UBSan; a UBSan finding aborts, so libFuzzer records it as a crash. The fuzz
    # executables add -fsanitize=fuzzer themselves (fuzz/CMakeLists.txt).
    target_compile_options(${target} PUBLIC
      -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()

# spool_library(name SOURCES...): one static library per layer folder.
function(spool_library name)
  add_library(${name} STATIC ${ARGN})
  spool_target_defaults(${name})
endfunction()
