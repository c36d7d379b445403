#!/usr/bin/env bash
# Runs the threaded unit tests of the Release build under valgrind (issue 10: "once under
# valgrind or TSan for the threaded parts"), failing on any error valgrind reports:
#   - memcheck (invalid reads/writes, uninitialised values, definite leaks) over all of
#     server_tests (DbExecutor's worker pools, NotificationOutbox, ...) and transport_tests
#     (the libuv event loop posted to from several threads, socket listeners with concurrent
#     clients, stdio), and base_tests' UUIDs made on several threads;
#   - helgrind (lock order, data races) over the event loop's cross-thread tests and the
#     UUID threads test. DbExecutor is not run under helgrind: its results travel in a
#     std::shared_ptr whose atomic reference count helgrind cannot see as synchronisation,
#     so every job reports a "possible data race" on the control block (false positives).
# Usage: scripts/run-valgrind.sh   (SPOOL_VALGRIND_BUILD_DIR: the Release build, default build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SPOOL_VALGRIND_BUILD_DIR:-build}
tests="$build/tests"
command -v valgrind >/dev/null || { echo "run-valgrind: valgrind is not installed" >&2; exit 1; }

failed=0
start_all=$(date +%s)
# run TOOL BINARY [CATCH2 TEST SPEC...]: one test binary under one valgrind tool.
run() {
  local tool=$1 binary=$2
  shift 2
  local opts=(--tool="$tool" --error-exitcode=99 -q)
  if [[ $tool == memcheck ]]; then
    opts+=(--leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite)
  fi
  local start=$SECONDS rc=0
  # --warn NoTests: a test spec that matches nothing fails instead of passing silently.
  valgrind "${opts[@]}" "$tests/$binary" --warn NoTests "$@" >"$work/log" 2>&1 || rc=$?
  local summary
  summary=$(grep -E '^(All tests passed|test cases:)' "$work/log" | tail -1 || true)
  echo "valgrind $tool $binary ${*:-(all)}: exit $rc, $((SECONDS - start)) s; $summary"
  if ((rc != 0)); then
    failed=1
    tail -n 80 "$work/log"
  fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run memcheck server_tests
run memcheck transport_tests
run memcheck base_tests "ids made on several threads are all unique"
run helgrind transport_tests "transport: event loop*"
run helgrind base_tests "ids made on several threads are all unique"

echo "run-valgrind: $(($(date +%s) - start_all)) s"
exit "$failed"
