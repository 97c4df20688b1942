#!/bin/sh
# Builds every fuzz target and runs each in turn on a copy of its seed corpus (fuzz/corpus/T),
# FUZZ_SECONDS (30) each, one job at a time. Exits non-zero when any target crashes, fails an
# assertion, hangs or runs out of memory; the input is then in fuzz/artifacts/T/.
#
#   fuzz/smoke.sh                  # every target, 30 s each
#   FUZZ_SECONDS=180 fuzz/smoke.sh smtp_reply dns_answers
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain; on a stable one the
# script sets RUSTC_BOOTSTRAP=1, which lets stable rustc take the -Z flags cargo-fuzz passes.
# FUZZ_SANITIZER (default none: the targets are safe Rust, and it runs twice as fast) is
# passed to `cargo fuzz` as --sanitizer (address, leak, memory, thread or none).
set -eu
cd "$(dirname "$0")"
seconds=${FUZZ_SECONDS:-30}
sanitizer=${FUZZ_SANITIZER:-none}
if ! rustc --version | grep -q nightly; then
    export RUSTC_BOOTSTRAP=1
fi
if [ $# -gt 0 ]; then
    targets="$*"
else
    targets=$(cargo fuzz list)
fi
cargo fuzz build --sanitizer "$sanitizer"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=""
for t in $targets; do
    mkdir -p "$work/$t" "artifacts/$t"
    seeds="corpus/$t"
    [ -d "$seeds" ] || seeds=""
    echo "== $t: ${seconds} s"
    # New inputs go to the scratch directory, never into the committed seeds.
    if cargo fuzz run --sanitizer "$sanitizer" "$t" "$work/$t" $seeds -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$work/$t.log" 2>&1; then
        grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/$t.log" || true
    else
        tail -n 40 "$work/$t.log"
        echo "== $t FAILED (input in fuzz/artifacts/$t/)"
        failed="$failed $t"
    fi
done
if [ -n "$failed" ]; then
    echo "failed:$failed"
    exit 1
fi
echo "all targets ran ${seconds} s without a failure"
