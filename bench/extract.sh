#!/usr/bin/env bash
# Measures reading the customs line extract (Báo cáo hàng chi tiết) and loading it into the
# ledger: `bonded bench extract` generates an extract of SIZE_MB megabytes once per format and
# keeps it in WORK, then each run times parsing it with `read_extract` and recording its
# declarations, signed by customs, on a fresh single-node ledger on redb until every one is
# ordered. Both formats are measured: .xlsx (rust_xlsxwriter) and an XML spreadsheet saved as
# .xls, as the customs system exports it. The script prints every JSON line and the medians
# of RUNS runs on the kept file (a run that first generates it is printed apart).
#
# Usage: bench/extract.sh                (SIZE_MB=70, RUNS=3, FORMATS="xlsx xml-spreadsheet",
#                                          data under target/bench-extract)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZE_MB=${SIZE_MB:-70}
RUNS=${RUNS:-3}
FORMATS=${FORMATS:-"xlsx xml-spreadsheet"}
WORK=${WORK:-$ROOT/target/bench-extract}
BONDED=${CARGO_TARGET_DIR:-$ROOT/target}/release/bonded

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }

cargo build --release --locked -p bonded --manifest-path "$ROOT/Cargo.toml" >&2
mkdir -p "$WORK"

# The machine may be shared: its load average says how much.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() { "$BONDED" bench extract --size-mb "$SIZE_MB" --dir "$WORK" --format "$1" 2>/dev/null; }

for format in $FORMATS; do
    extension=xlsx
    [ "$format" = xml-spreadsheet ] && extension=xls
    # The run that generates the file pays for it in memory and page cache: not in the medians.
    if [ ! -e "$WORK/extract-${SIZE_MB}mb.$extension" ]; then
        echo "$format generating run: $(run "$format")"
    fi
    declare -A values=()
    for index in $(seq "$RUNS"); do
        line=$(run "$format")
        echo "$format run $index: $line"
        for key in parse_ms load_ms total_ms; do
            values[$key]+="$(field "$key" <<<"$line") "
        done
    done
    for key in parse_ms load_ms total_ms; do
        echo "$format median $key: $(tr ' ' '\n' <<<"${values[$key]}" | grep -v '^$' | median)"
    done
    unset values
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
