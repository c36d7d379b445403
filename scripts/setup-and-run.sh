#!/usr/bin/env bash
# A new machine, one command: install what is missing, build, and run Spool's main job,
# `spool serve`, on the embedded default (SQLite at $SPOOL_HOME/spool.db, SPOOL_HOME
# defaulting to ~/.spool). It speaks JSON-RPC on stdin/stdout until stdin closes (Ctrl-D)
# or SIGTERM/SIGINT; arguments go to `spool serve` (e.g. --listen unix:/tmp/spool.sock).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh default --target spool
build/spool doctor >&2
exec build/spool serve "$@"
