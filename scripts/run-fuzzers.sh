#!/usr/bin/env bash
# Builds the `fuzz` preset (clang, libFuzzer + ASan + UBSan; only the fuzzers and the
# libraries they link) and runs each fuzz target for SPOOL_FUZZ_SECONDS (default 30) on a
# scratch copy of its committed seed corpus fuzz/corpus/<target>/ (what it finds is not
# committed), SPOOL_FUZZ_PARALLEL (default 2) targets at a time. Fails when any target
# crashes, hangs, runs out of memory or breaks one of its checks; the input is kept under
# <build>/fuzz-artifacts/<target>/ and printed in base64, to commit under
# fuzz/regressions/<target>/ (tests/reliability/fuzz_regressions_test.cpp replays those).
#
# Usage: scripts/run-fuzzers.sh [target...]   (default: every target)
# Environment: SPOOL_FUZZ_SECONDS, SPOOL_FUZZ_PARALLEL, SPOOL_FUZZ_BUILD_DIR (default
# build-fuzz), SPOOL_FUZZ_SKIP_BUILD=1 (run what is already built).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${SPOOL_FUZZ_SECONDS:-30}
parallel=${SPOOL_FUZZ_PARALLEL:-2}
build=${SPOOL_FUZZ_BUILD_DIR:-build-fuzz}
all_targets=(framer_router protocol_decode rollout_import)
targets=("$@")
if (($# == 0)); then targets=("${all_targets[@]}"); fi

# Longest input each target tries: a few lines of JSON-RPC, one JSON value, a short rollout.
max_len() {
  case $1 in
    framer_router) echo 8192 ;;
    protocol_decode) echo 4096 ;;
    rollout_import) echo 8192 ;;
    *) echo "run-fuzzers: unknown target $1" >&2; exit 2 ;;
  esac
}

if [[ "${SPOOL_FUZZ_SKIP_BUILD:-0}" != 1 ]]; then
  echo "== build (fuzz)"
  build_start=$(date +%s)
  cmake --preset fuzz -B "$build" >/dev/null
  cmake --build "$build" --target spool_fuzzers -j "$(nproc)"
  echo "run-fuzzers: build took $(($(date +%s) - build_start)) s"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts="$build/fuzz-artifacts"

# Runs one target; its log goes to $work/<target>.log, its exit status to $work/<target>.rc.
run_target() {
  local t=$1 dir="$work/$1"
  rm -rf "$artifacts/$t"  # what an earlier run left
  mkdir -p "$dir/corpus" "$artifacts/$t"
  cp fuzz/corpus/"$t"/* "$dir/corpus/"
  local rc=0
  # -close_fd_mask=2: the code under test logs to stderr (bad notifications and the like);
  # libFuzzer's and the sanitizers' reports still come through. -detect_leaks=0 turns off
  # only libFuzzer's leak check after each new input (a full heap scan, 2-6x slower here,
  # since the logger's ring of recent lines grows); LeakSanitizer still checks the whole
  # process at exit and fails the run on any leak.
  "$build/fuzz/fuzz_$t" "$dir/corpus" \
    -max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=20 -rss_limit_mb=2048 \
    -close_fd_mask=2 -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$artifacts/$t/" \
    >"$work/$t.log" 2>&1 || rc=$?
  echo "$rc" >"$work/$t.rc"
}

echo "== fuzz (${targets[*]}: $seconds s each, $parallel at a time)"
fuzz_start=$(date +%s)
for t in "${targets[@]}"; do
  max_len "$t" >/dev/null
  while (($(jobs -rp | wc -l) >= parallel)); do wait -n || true; done
  run_target "$t" &
done
wait

failed=0
for t in "${targets[@]}"; do
  log="$work/$t.log"
  rc=$(cat "$work/$t.rc")
  stat_of() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  seeds=$(ls "fuzz/corpus/$t" | wc -l)
  echo "fuzz $t: $(stat_of number_of_executed_units) execs, $(stat_of average_exec_per_sec)/s," \
       "$(sed -E 's/^#[0-9]+[[:space:]]+DONE +//; s/ exec\/s.*//' <<<"$done_line")," \
       "seeds $seeds, peak rss $(stat_of peak_rss_mb) MB, exit $rc"
  if [[ "$rc" != 0 ]]; then
    failed=1
    echo "---- fuzz $t failed; the end of its log:"
    tail -n 60 "$log"
    for a in "$artifacts/$t"/*; do
      [[ -f "$a" ]] || continue
      echo "---- $a ($(stat -c %s "$a") bytes), base64:"
      head -c 65536 "$a" | base64
    done
  fi
done
echo "run-fuzzers: fuzzing took $(($(date +%s) - fuzz_start)) s"
exit "$failed"
