#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Replays the fuzz corpus (seeds: every model of the ONNX backend test data, plus the
# regressions committed in tests/fuzz/regressions), then fuzzes for $1 seconds. A crash,
# sanitizer report, leak or timeout fails, leaving its input in build/fuzz-artifacts/ (add it
# to tests/fuzz/regressions/ with the fix).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
# A fixed seed by default, so the test command is repeatable: the same mutations on every
# run, capped at 2,000 per second of the budget so a faster machine does not go further. To explore, give another seed and more time:
#   ONNXWASM_FUZZ_SEED=$RANDOM tests/fuzz/run.sh 1800
# The default run starts from the seeds alone; an exploring run keeps what it found.
if [ -n "${ONNXWASM_FUZZ_SEED:-}" ]; then seed=$ONNXWASM_FUZZ_SEED; else seed=1; rm -rf build/fuzz-corpus; fi
data=${ONNXWASM_ONNX_DATA:?set by scripts/test.sh}
fuzzer=build/sanitize/ow_fuzz_load
seeds=build/fuzz-seeds
if [ ! -f "$seeds/.done" ]; then
  rm -rf "$seeds" && mkdir -p "$seeds"
  i=0
  while IFS= read -r f; do cp "$f" "$seeds/seed_$i.onnx"; i=$((i + 1)); done \
    < <(find "$data" -name '*.onnx' | sort)
  touch "$seeds/.done"
fi
mkdir -p build/fuzz-corpus build/fuzz-artifacts
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
"$fuzzer" -runs=0 -rss_limit_mb=4096 -timeout=30 "$seeds" tests/fuzz/regressions 2>&1 | tail -3
set +e
"$fuzzer" -max_total_time="$seconds" -runs="${ONNXWASM_FUZZ_RUNS:-$((seconds * 2000))}" -timeout=10 -rss_limit_mb=3072 -malloc_limit_mb=1024 \
  -seed="$seed" -artifact_prefix=build/fuzz-artifacts/ -print_final_stats=1 build/fuzz-corpus "$seeds" \
  >build/fuzz.log 2>&1
rc=$?
set -e
grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)" build/fuzz.log || true
if [ "$rc" != 0 ]; then
  tail -40 build/fuzz.log
  echo "fuzz: FAILED (input saved in build/fuzz-artifacts/)"
  exit "$rc"
fi
echo "fuzz: ok (seed $seed)"
