#!/usr/bin/env bash
# mxray benchmark: `mxray domain --from FILE` over N synthetic domains, DNS only and with
# port-25 probes, peak RSS at 1,000 vs 10,000 domains, and 1, 2 and 4 shard processes side by
# side over the same list.
#
# Usage: bench/bulk.sh        (as root; the rig's packages; a release build of the work tree
#                              at target/release/mxray, built here if missing; ~1–2 minutes)
#
# What it does:
#  1. Creates the network namespace `mxray-bench-bulk` (only lo) and starts a rig in it
#     (state dir /tmp/mxray-bench-bulk-rig), apart from any other rig: its Postfix hosts on
#     127.0.0.10–17 are the MX hosts.
#  2. Writes the zone bulk.test with N domains d0…d(N-1).bulk.test, each with an MX, SPF with
#     two includes, DMARC p=reject with rua, and a DKIM key at selector `default`; MX hosts
#     mx0…mx49.bulk.test on 127.0.0.10–17 (domains 0–299 all on mx0: a few hundred sharing
#     one MX host). A second knotd serves it with copies of the rig's zones on 127.0.0.1:5353.
#  3. Times (wall clock and peak RSS, GNU time) with --dkim-selector default --fail-on never:
#       dns-1000, dns-10000      --no-probe over the first 1,000 / all 10,000 domains
#       probe-1000               port 25 probed (--no-legacy-tls), per-address 5
#       shards-K                 K processes (--shard k/K) at once over the 10,000, DNS only
#     and checks each output has one NDJSON line per domain.
# Results: bench/out/bulk/results.md (the NDJSON outputs are deleted once counted). Cleanup on any exit (trap): the second knotd by its pid,
# the rig (tests/servers/down.sh), the namespace.
#
# Tunables: MXRAY_BENCH_BULK_N (10000), MXRAY_BENCH_BULK_CONCURRENCY (64).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out/bulk
NS=mxray-bench-bulk
RIG_DIR=/tmp/mxray-bench-bulk-rig
N=${MXRAY_BENCH_BULK_N:-10000}
CONC=${MXRAY_BENCH_BULK_CONCURRENCY:-64}
die() { echo "bench/bulk.sh: $*" >&2; exit 1; }
((EUID == 0)) || die "needs root (network namespace, rig daemons)"
((N >= 1000)) || die "MXRAY_BENCH_BULK_N must be at least 1000"
for cmd in ip knotd /usr/bin/time; do command -v "$cmd" >/dev/null || die "$cmd missing"; done

mkdir -p "$OUT"
[[ -x $ROOT/target/release/mxray ]] || (cd "$ROOT" && cargo build --release --quiet)
MXRAY=$ROOT/target/release/mxray
KNOT=$RIG_DIR/bulk-knot

in_ns() { ip netns exec "$NS" env MXRAY_RIG_DIR="$RIG_DIR" "$@"; }
cleanup() {
  if [[ -f $KNOT/knot.pid ]]; then kill "$(cat "$KNOT/knot.pid")" 2>/dev/null || true; fi
  in_ns "$ROOT/tests/servers/down.sh" >/dev/null 2>&1 || true
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add "$NS"
ip -n "$NS" link set lo up
in_ns "$ROOT/tests/servers/up.sh" >"$OUT/rig.log" 2>&1 || die "rig: $(tail -5 "$OUT/rig.log")"

# --- the zone -------------------------------------------------------------------------------
mkdir -p "$KNOT/zones" "$KNOT/db"
cp "$RIG_DIR"/knot/zones/*.zone "$KNOT/zones/"
key=$(grep -m1 '^default._domainkey' "$ROOT/tests/servers/conf/zones/mxray.test.zone" | sed 's/.*TXT *//')
python3 - "$N" "$key" >"$KNOT/zones/bulk.test.zone" <<'EOF'
import sys
n, key = int(sys.argv[1]), sys.argv[2]
print("$ORIGIN bulk.test.\n$TTL 3600")
print("@ SOA ns.bulk.test. hostmaster.bulk.test. 1 3600 600 86400 60\n@ NS ns.bulk.test.\nns A 127.0.0.1")
for m in range(50):
    print(f"mx{m} A 127.0.0.{10 + m % 8}")
print('_spf1 TXT "v=spf1 ip4:192.0.2.0/24 -all"\n_spf2 TXT "v=spf1 ip4:198.51.100.0/24 -all"')
for i in range(n):
    mx = 0 if i < 300 else 1 + i % 49
    d = f"d{i}"
    print(f"{d} MX 10 mx{mx}.bulk.test.")
    print(f'{d} TXT "v=spf1 include:_spf1.bulk.test include:_spf2.bulk.test -all"')
    print(f'_dmarc.{d} TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{d}.bulk.test"')
    print(f"default._domainkey.{d} TXT {key}")
EOF
{
  echo "server:"
  echo "    rundir: \"$KNOT\""
  echo "    pidfile: \"$KNOT/knot.pid\""
  echo "    listen: [ 127.0.0.1@5353 ]"
  echo "    udp-workers: 1"
  echo "    tcp-workers: 1"
  echo "    background-workers: 1"
  echo "log:"
  echo "  - target: \"$KNOT/knot.log\""
  echo "    any: warning"
  echo "database:"
  echo "    storage: \"$KNOT/db\""
  echo "template:"
  echo "  - id: default"
  echo "    storage: \"$KNOT/zones\""
  echo "    file: \"%s.zone\""
  echo "    zonefile-sync: -1"
  echo "    zonefile-load: whole"
  echo "    journal-content: none"
  echo "zone:"
  for z in "$KNOT"/zones/*.zone; do echo "  - domain: $(basename "$z" .zone)"; done
} >"$KNOT/knot.conf"
in_ns knotd -c "$KNOT/knot.conf" -d
for _ in $(seq 50); do
  in_ns "$MXRAY" domain d1.bulk.test --no-probe --resolver 127.0.0.1:5353 --format json 2>/dev/null \
    | grep -q '"v=DMARC1; p=reject' && break
  sleep 0.2
done

seq 0 $((N - 1)) | sed 's/.*/d&.bulk.test/' >"$OUT/all.txt"
head -1000 "$OUT/all.txt" >"$OUT/first1000.txt"
BASE=(--resolver 127.0.0.1:5353 --ca-file "$RIG_DIR/ca/ca.pem" --timeout 5 --helo client.mxray.test
  --dkim-selector default --fail-on never --concurrency "$CONC")

# name, list, extra args: one timed run; prints "name domains seconds rate peak_rss_kib"
measure() {
  local name=$1 list=$2
  shift 2
  local lines
  in_ns /usr/bin/time -f "%e %M" -o "$OUT/$name.time" "$MXRAY" domain --from "$list" "${BASE[@]}" "$@" \
    >"$OUT/$name.ndjson" 2>"$OUT/$name.stderr"
  lines=$(wc -l <"$OUT/$name.ndjson")
  [[ $lines == "$(wc -l <"$list")" ]] || die "$name: $lines reports for $(wc -l <"$list") domains"
  read -r secs rss <"$OUT/$name.time"
  echo "$name $lines $secs $(python3 -c "print(round($lines / max($secs, 0.01)))") $rss"
}

shards() {
  local k=$1 start end
  start=$(date +%s.%N)
  for i in $(seq 1 "$k"); do
    in_ns "$MXRAY" domain --from "$OUT/all.txt" "${BASE[@]}" --no-probe --shard "$i/$k" \
      >"$OUT/shards-$k-$i.ndjson" 2>/dev/null &
  done
  wait
  end=$(date +%s.%N)
  local lines
  lines=$(cat "$OUT"/shards-"$k"-*.ndjson | wc -l)
  [[ $lines == "$N" ]] || die "shards-$k: $lines reports for $N domains"
  local secs
  secs=$(python3 -c "print(round($end - $start, 2))")
  echo "shards-$k $lines $secs $(python3 -c "print(round($lines / $secs))") -"
}

{
  echo "# mxray domain --from: $N synthetic domains, concurrency $CONC, $(nproc) cores"
  echo
  echo "| run | domains | seconds | domains/s | peak RSS (KiB) |"
  echo "|---|---|---|---|---|"
  for row in "$(measure dns-1000 "$OUT/first1000.txt" --no-probe)" \
    "$(measure dns-$N "$OUT/all.txt" --no-probe)" \
    "$(measure probe-1000 "$OUT/first1000.txt" --no-legacy-tls)" \
    "$(shards 1)" "$(shards 2)" "$(shards 4)"; do
    read -r a b c d e <<<"$row"
    echo "| $a | $b | $c | $d | $e |"
  done
} >"$OUT/results.md"
# The outputs are some 10 KB per domain: keep the results, not a disk full of reports.
rm -f "$OUT"/*.ndjson
cat "$OUT/results.md"
