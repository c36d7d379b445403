#!/usr/bin/env bash
# A new machine, one command: install what is missing, build, and run Spool's main job on
# the embedded default (SQLite at $SPOOL_HOME/spool.db, SPOOL_HOME defaulting to ~/.spool).
# Until `spool serve` exists, the main job is `spool doctor`, which creates and checks the
# database.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh default --target spool
exec build/spool doctor "$@"
