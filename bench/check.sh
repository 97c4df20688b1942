#!/usr/bin/env bash
# mxray benchmark: `mxray check` (settings judged, the configured endpoint probed, 465/587
# alongside, the From domain's SPF/DKIM/DMARC, one login, optionally one test message) against
# swaks doing the login (and the message) alone, on a rig in a network namespace of its own.
#
# Usage: bench/check.sh        (as root; needs the rig's packages, hyperfine, swaks; ~2 minutes
#                               plus a release build of the work tree)
#
#   mxray-login        mxray check smtp://alice@mail:587 --password-env --from alice@good
#   mxray-login-nl     the same with --no-legacy-tls (no TLS 1.0/1.1 probes)
#   mxray-send         mxray-login with --send-to alice@mxray.test
#   swaks-login-587    swaks: STARTTLS, verified chain, AUTH PLAIN, QUIT
#   swaks-send-587     swaks: the same and one message
#   swaks-login-465    swaks: implicit TLS, AUTH PLAIN, QUIT
# Each runs once first with its output checked (login accepted, message queued), so a failing
# tool cannot look fast. No latency is added (bench/run.sh and bench/domain.sh measure with
# 50 ms RTT). Results: bench/out/check/results.md (hyperfine).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out/check
NS=mxray-bench-check
RIG_DIR=/tmp/mxray-bench-check-rig
RUNS=${MXRAY_BENCH_RUNS:-30}
die() { echo "bench/check.sh: $*" >&2; exit 1; }
((EUID == 0)) || die "needs root (network namespace, rig daemons)"
for cmd in hyperfine swaks ip cargo; do command -v "$cmd" >/dev/null || die "$cmd missing"; done

mkdir -p "$OUT"
(cd "$ROOT" && cargo build --release --quiet)
cp "$ROOT/target/release/mxray" "$OUT/mxray"

in_ns() { ip netns exec "$NS" env MXRAY_RIG_DIR="$RIG_DIR" "$@"; }
cleanup() {
  in_ns "$ROOT/tests/servers/down.sh" >/dev/null 2>&1 || true
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add "$NS"
ip -n "$NS" link set lo up
in_ns "$ROOT/tests/servers/up.sh" >"$OUT/rig.log" 2>&1 || die "rig: $(tail -5 "$OUT/rig.log")"
# shellcheck disable=SC1091
source "$RIG_DIR/rig.env"
export PW=$MXRAY_RIG_PASSWORD

url="smtp://alice%40mxray.test@mail.mxray.test:587"
mx="$OUT/mxray check $url --password-env PW --from alice@good.mxray.test --resolver $MXRAY_RIG_DNS --ca-file $MXRAY_RIG_CA --format json"
sw="swaks --server 127.0.0.10 --tls-verify --tls-ca-path $MXRAY_RIG_CA --tls-sni mail.mxray.test --auth PLAIN --auth-user alice@mxray.test --auth-password $PW --from alice@good.mxray.test --to alice@mxray.test --timeout 30"
declare -A CMD=(
  [mxray-login]="$mx"
  [mxray-login-nl]="$mx --no-legacy-tls"
  [mxray-send]="$mx --send-to alice@mxray.test"
  [swaks-login-587]="$sw --port 587 --tls --quit-after AUTH"
  [swaks-send-587]="$sw --port 587 --tls"
  [swaks-login-465]="$sw --port 465 --tls-on-connect --quit-after AUTH"
)
ORDER=(mxray-login mxray-login-nl mxray-send swaks-login-587 swaks-send-587 swaks-login-465)

for name in "${ORDER[@]}"; do
  in_ns bash -c "${CMD[$name]}" >"$OUT/$name-check.txt" 2>&1 || die "$name failed: $(tail -3 "$OUT/$name-check.txt")"
  case $name in
  mxray-send) grep -q '"queue_id"' "$OUT/$name-check.txt" || die "$name: no queue id" ;;
  mxray-*) grep -q '"accepted": true' "$OUT/$name-check.txt" || die "$name: login not accepted" ;;
  swaks-send-*) grep -q 'queued as' "$OUT/$name-check.txt" || die "$name: not queued" ;;
  swaks-*) grep -q '235 2.7.0' "$OUT/$name-check.txt" || die "$name: login not accepted" ;;
  esac
done

args=()
for name in "${ORDER[@]}"; do args+=(-n "$name" "ip netns exec $NS bash -c '${CMD[$name]}'"); done
PW=$PW hyperfine -N --warmup 2 --runs "$RUNS" --export-markdown "$OUT/results.md" \
  --export-json "$OUT/results.json" "${args[@]}" >&2
cat "$OUT/results.md"
