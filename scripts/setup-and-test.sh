#!/usr/bin/env bash
# A new machine, one command: install what is missing, build, and run the whole test suite,
# first in the normal build, then in the AddressSanitizer + UndefinedBehaviorSanitizer build.
# Then the threaded tests of the normal build under valgrind (scripts/run-valgrind.sh) and
# each libFuzzer target for SPOOL_FUZZ_SECONDS (default 30) on its seed corpus
# (scripts/run-fuzzers.sh, a clang build of only what the fuzzers link).
# Set SPOOL_SKIP_ASAN=1 to run only the normal build (quicker, for local iteration);
# SPOOL_SKIP_VALGRIND=1 and SPOOL_SKIP_FUZZ=1 skip those steps.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The Node test tools (ajv, typescript), exactly as package-lock.json pins them.
npm ci --no-audit --no-fund --loglevel=error

run_suite() {
  local preset=$1
  echo "== build ($preset)"
  scripts/build.sh "$preset"
  echo "== test ($preset)"
  ctest --preset "$preset" -j "$(nproc)"
}

run_suite default
if [[ "${SPOOL_SKIP_ASAN:-0}" != 1 ]]; then
  run_suite asan
fi
if [[ "${SPOOL_SKIP_VALGRIND:-0}" != 1 ]]; then
  echo "== valgrind (threaded tests of the default build)"
  scripts/run-valgrind.sh
fi
if [[ "${SPOOL_SKIP_FUZZ:-0}" != 1 ]]; then
  scripts/run-fuzzers.sh
fi
