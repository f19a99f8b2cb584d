#!/usr/bin/env bash
# Measures the ledger node (issue 2, "Performance"): durable ingest through the submission path
# with `bonded bench ingest`, then offline verification of the same chain with `bonded verify`.
#
# Each run signs N declaration transactions from 50 enterprises (untimed), submits them through
# `Orderer::submit` (signature batch check, ordering log, state machine, one fsync'd redb
# transaction per batch) and prints its JSON line; the chain of the last run is then verified
# RUNS times. The script prints every line and the medians.
#
# Usage: bench/ledger.sh                 (N=200000, RUNS=3, data under target/bench-ledger)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-200000}
RUNS=${RUNS:-3}
WORK=${WORK:-$ROOT/target/bench-ledger}
BONDED=${CARGO_TARGET_DIR:-$ROOT/target}/release/bonded

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }

cargo build --release --locked -p bonded --manifest-path "$ROOT/Cargo.toml" >&2
rm -rf "$WORK" && mkdir -p "$WORK"

rates=() rss=() verify=()
for run in $(seq "$RUNS"); do
    rm -rf "$WORK/data"
    line=$("$BONDED" bench ingest --transactions "$N" --data "$WORK/data" 2>/dev/null)
    echo "ingest $run: $line"
    rates+=("$(field transactions_per_second <<<"$line")")
    rss+=("$(field peak_rss_bytes <<<"$line")")
done
for run in $(seq "$RUNS"); do
    line=$("$BONDED" verify --data "$WORK/data" 2>/dev/null)
    echo "verify $run: $line"
    seconds=$(field seconds <<<"$line")
    count=$(field transactions <<<"$line")
    verify+=("$(python3 -c "print($count / $seconds)")")
done
echo "median ingest transactions/s: $(printf '%s\n' "${rates[@]}" | median)"
echo "median ingest peak RSS bytes: $(printf '%s\n' "${rss[@]}" | median)"
echo "median verify transactions/s: $(printf '%s\n' "${verify[@]}" | median)"
