#!/usr/bin/env bash
# Times `bonded reconcile` against DuckDB on one large enterprise-year (issue 3, "Performance").
#
# Steps: build bonded in release mode; generate the enterprise-year with `bonded generate`
# (1,000,000 declaration lines, 2,000 products, 3,000 materials, 60,000 norm rows); run
# `bonded reconcile` RUNS times under /usr/bin/time -v (wall time and peak RSS of the whole
# process, CSV parsing included); run the equivalent DuckDB SQL (bench/duckdb_equivalent.py)
# RUNS times on the same files; check that both agree on imports and consumption per material;
# print the median of each.
#
# Usage: bench/reconcile_vs_duckdb.sh            (RUNS=3, data in target/bench-reconcile)
# Environment: RUNS, WORK (scratch folder), SEED, DUCKDB_VERSION, CARGO_TARGET_DIR.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
SEED=${SEED:-1}
WORK=${WORK:-$ROOT/target/bench-reconcile}
DUCKDB_VERSION=${DUCKDB_VERSION:-2.0.1}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BONDED=$TARGET/release/bonded
VENV=$WORK/venv

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Seconds from the "Elapsed (wall clock)" line of /usr/bin/time -v (h:mm:ss or m:ss.cc).
wall_seconds() {
    grep 'Elapsed (wall clock)' "$1" | awk -F': ' '{ print $2 }' |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }'
}

# Peak resident set size in MiB from /usr/bin/time -v.
peak_mib() {
    grep 'Maximum resident set size' "$1" | awk '{ printf "%.0f\n", $NF / 1024 }'
}

echo "== build"
(cd "$ROOT" && cargo build --release --quiet -p bonded)
"$BONDED" --version

echo "== generate (seed $SEED)"
BUNDLE=$WORK/data/enterprise-001
if [ ! -f "$BUNDLE/.complete-$SEED" ]; then
    rm -rf "$WORK/data"
    "$BONDED" generate "$WORK/data" --enterprises 1 --seed "$SEED" \
        --lines 1000000 --products 2000 --materials 3000 --norms 60000
    touch "$BUNDLE/.complete-$SEED"
fi
for file in items declarations norms movements report; do
    printf '%-17s %9d rows %5d MiB\n' "$file.csv" "$(($(wc -l < "$BUNDLE/$file.csv") - 1))" \
        "$(($(stat -c %s "$BUNDLE/$file.csv") / 1048576))"
done

echo "== duckdb $DUCKDB_VERSION"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c \
    "import duckdb, sys; sys.exit(duckdb.__version__ != '$DUCKDB_VERSION')" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "duckdb==$DUCKDB_VERSION"
fi

echo "== bonded reconcile, $RUNS runs"
: > "$WORK/bonded.times"
for run in $(seq "$RUNS"); do
    /usr/bin/time -v -o "$WORK/time.txt" "$BONDED" reconcile "$BUNDLE" --out "$WORK/report.json"
    printf '%s %s\n' "$(wall_seconds "$WORK/time.txt")" "$(peak_mib "$WORK/time.txt")" |
        tee -a "$WORK/bonded.times"
done

echo "== duckdb, $RUNS runs"
: > "$WORK/duckdb.times"
for run in $(seq "$RUNS"); do
    /usr/bin/time -v -o "$WORK/time.txt" "$VENV/bin/python" "$ROOT/bench/duckdb_equivalent.py" \
        "$BUNDLE" > "$WORK/duckdb.out"
    query=$(awk '/^duckdb:/ { print $(NF - 1) }' "$WORK/duckdb.out")
    printf '%s %s %s\n' "$query" "$(wall_seconds "$WORK/time.txt")" \
        "$(peak_mib "$WORK/time.txt")" | tee -a "$WORK/duckdb.times"
done

echo "== check"
"$VENV/bin/python" "$ROOT/bench/duckdb_equivalent.py" "$BUNDLE" --check "$WORK/report.json"

echo "== medians of $RUNS runs (machine: $(nproc) cores)"
echo "bonded reconcile: $(cut -d' ' -f1 < "$WORK/bonded.times" | median) s wall," \
    "peak RSS $(cut -d' ' -f2 < "$WORK/bonded.times" | median) MiB"
echo "duckdb query:     $(cut -d' ' -f1 < "$WORK/duckdb.times" | median) s" \
    "(process wall $(cut -d' ' -f2 < "$WORK/duckdb.times" | median) s," \
    "peak RSS $(cut -d' ' -f3 < "$WORK/duckdb.times" | median) MiB)"
