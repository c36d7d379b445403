#!/usr/bin/env bash
# Configures and builds one CMake preset (default: "default"; "asan" for the sanitizer build).
# Usage: scripts/build.sh [preset [extra cmake --build arguments, e.g. --target spool]]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-default}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)" "${@:2}"
