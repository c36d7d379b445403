#!/usr/bin/env bash
# A new machine, one command: install what is missing, build, and run the whole test suite,
# first in the normal build, then in the AddressSanitizer + UndefinedBehaviorSanitizer build.
# Set SPOOL_SKIP_ASAN=1 to run only the normal build (quicker, for local iteration).
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
