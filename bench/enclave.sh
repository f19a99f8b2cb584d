#!/usr/bin/env bash
# Measures the enclave's overhead (issue 4, "Overhead"): `bonded bench enclave` on one generated
# enterprise-year recorded on an in-memory chain, REPEAT times. Each run prints one JSON line:
# the direct reconciliation of the channel's files, the same from the channel's blocks in
# process, a cold verification (fresh enclave, whole channel) and resumed verifications (the
# enclave holds the channel up to the block before), each resumed run paired with a direct run
# timed just before it. The script prints every line and the medians over the repeats.
#
# Usage: bench/enclave.sh                (LINES=100000, RUNS=21 per repeat, REPEAT=3)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
LINES=${LINES:-100000}
RUNS=${RUNS:-21}
REPEAT=${REPEAT:-3}
BONDED=${CARGO_TARGET_DIR:-$ROOT/target}/release/bonded

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }

cargo build --release --locked -p bonded --manifest-path "$ROOT/Cargo.toml" >&2

declare -A values
keys=(direct_ms from_blocks_ms enclave_cold_ms enclave_resumed_ms paired_direct_ms
      paired_overhead_percent)
for run in $(seq "$REPEAT"); do
    line=$("$BONDED" bench enclave --lines "$LINES" --runs "$RUNS" 2>/dev/null)
    echo "run $run: $line"
    for key in "${keys[@]}"; do
        values[$key]+="$(field "$key" <<<"$line") "
    done
done
for key in "${keys[@]}"; do
    echo "median $key: $(tr ' ' '\n' <<<"${values[$key]}" | grep -v '^$' | median)"
done
