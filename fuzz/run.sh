#!/usr/bin/env bash
# Fuzzes every decoder of outside input with libFuzzer (cargo fuzz, nightly), SECONDS_EACH
# seconds per target, growing the saved corpora in fuzz/corpus and minimizing them after.
# A crash is saved under fuzz/artifacts/<target>/; make it a regression test (see
# crates/forms/tests/fuzz_regressions.rs) before fixing it. The test suite replays the corpora
# on stable (crates/cli/tests/fuzz_corpus.rs).
#
# Usage: fuzz/run.sh [target ...]        (SECONDS_EACH=60; needs `cargo install cargo-fuzz`
#                                          and the nightly toolchain)
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${SECONDS_EACH:-60}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || mapfile -t TARGETS < <(cargo +nightly fuzz list)
for target in "${TARGETS[@]}"; do
    # Workbooks are tens of kilobytes; everything else fits in 4 KiB.
    case "$target" in report_workbook|line_extract) max_len=65536 ;; *) max_len=4096 ;; esac
    mkdir -p "corpus/$target"
    cargo +nightly fuzz run "$target" "corpus/$target" -- \
        -max_total_time="$SECONDS_EACH" -max_len="$max_len" -rss_limit_mb=4096
    cargo +nightly fuzz cmin "$target" "corpus/$target" -- -max_len="$max_len" -rss_limit_mb=4096
done
