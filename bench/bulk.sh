#!/usr/bin/env bash
# mxray benchmark: `mxray domain --from FILE` over N synthetic domains, DNS only and with
# port-25 probes, peak RSS at 1,000 vs 10,000 domains, checkdmarc on a subset of the same
# list, and the DNS-only runs again with 50 ms of round-trip time (one process, and 1, 2 and 4
# shard processes side by side at a fixed per-process concurrency).
#
# Usage: bench/bulk.sh        (as root; Debian 12; ~3 minutes plus the build)
#
# What it does:
#  1. Installs what is missing (apt: iproute2, iptables, iputils-ping, python3, python3-venv,
#     time; the rig's packages via tests/servers/install.sh), checkdmarc from PyPI into a venv
#     (bench/out/bulk/venv, version pinned below), and builds mxray (`cargo build --release`
#     in the work tree, copied to bench/out/bulk/mxray so a rebuild during the run cannot
#     change what is measured).
#  2. Creates the network namespace `mxray-bench-bulk` (only lo) and starts a rig in it
#     (state dir /tmp/mxray-bench-bulk-rig), apart from any other rig: its Postfix hosts on
#     127.0.0.10–17 are the MX hosts.
#  3. Writes the zone bulk.test with N domains d0…d(N-1).bulk.test, each with an MX, SPF with
#     two includes, DMARC p=reject with rua, and a DKIM key at selector `default`; MX hosts
#     mx0…mx49.bulk.test on 127.0.0.10–17 (domains 0–299 all on mx0: a few hundred sharing
#     one MX host). A second knotd serves it with copies of the rig's zones on 127.0.0.1:53 of
#     the namespace: checkdmarc only speaks to port 53, and every tool here uses that server.
#  4. No added latency. Times (wall clock and peak RSS, GNU time) with --dkim-selector
#     default --fail-on never --concurrency C:
#       dns-1000, dns-N          --no-probe over the first 1,000 / all N domains
#       dns-1000-c32             dns-1000 at the default concurrency, 32
#       probe-1000               port 25 probed (--no-legacy-tls), per-address 5
#       checkdmarc-S             checkdmarc FILE -n 127.0.0.1 over the first S domains (it
#                                audits one domain after another: a subset keeps it short)
#       shards-K                 K processes (--shard k/K) at once over all N, DNS only
#     and checks each output has one report per domain (NDJSON lines; checkdmarc: JSON items
#     with the domain's DMARC record found).
#  5. 50 ms RTT: the kernel has no sch_netem here, so as bench/run.sh does: iptables and
#     ip6tables NFQUEUE rules on lo's OUTPUT and bench/delay.py (25 ms each way),
#     tcp_autocorking=0; the RTT is checked with ping. Then:
#       lat-dns-1000, lat-dns-N, lat-dns-1000-c32   as above
#       lat-checkdmarc-S2        checkdmarc over the first S2 domains
#       lat-shards-K             K = 1, 2, 4 processes at --concurrency SC each over the
#                                first M domains: latency-bound, so K processes do K times
#                                the work in flight
# Results: bench/out/bulk/results.md, the table and the targets computed from it
# (bench/bulk/ratios.py); the NDJSON outputs are deleted once counted (bench/bulk/check.py).
# Cleanup on any exit (trap): the delayer, the second knotd and the rig by their pids, the
# namespace. One run at a time (flock on /tmp/mxray-bench-bulk.lock); it shares nothing with
# bench/run.sh or bench/domain.sh (other namespaces), but whether one of them held
# /tmp/mxray-bench.lock during the run is recorded, as their load would slow this one.
#
# Tunables: MXRAY_BENCH_BULK_N (10000), MXRAY_BENCH_BULK_CONCURRENCY (C, 256),
# MXRAY_BENCH_BULK_CHECKDMARC (S, 200), MXRAY_BENCH_BULK_LATENCY_CHECKDMARC (S2, 20),
# MXRAY_BENCH_BULK_SHARD_CONCURRENCY (SC, 16), MXRAY_BENCH_BULK_SHARD_DOMAINS (M, 2000),
# MXRAY_BENCH_DELAY_MS (25, one way), MXRAY_BENCH_CHECKDMARC_VERSION (6.0.4).
set -euo pipefail
shopt -s inherit_errexit   # a failure inside $(...) of a run ends the script

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out/bulk
NS=mxray-bench-bulk
RIG_DIR=/tmp/mxray-bench-bulk-rig
N=${MXRAY_BENCH_BULK_N:-10000}
CONC=${MXRAY_BENCH_BULK_CONCURRENCY:-256}
CDM_N=${MXRAY_BENCH_BULK_CHECKDMARC:-200}
CDM_LAT_N=${MXRAY_BENCH_BULK_LATENCY_CHECKDMARC:-20}
SHARD_CONC=${MXRAY_BENCH_BULK_SHARD_CONCURRENCY:-16}
SHARD_N=${MXRAY_BENCH_BULK_SHARD_DOMAINS:-2000}
DELAY_MS=${MXRAY_BENCH_DELAY_MS:-25}
CHECKDMARC_VERSION=${MXRAY_BENCH_CHECKDMARC_VERSION:-6.0.4}
LOCK=/tmp/mxray-bench-bulk.lock
OTHER_LOCK=/tmp/mxray-bench.lock
VENV=$OUT/venv
log() { printf '\n== %s\n' "$*" >&2; }
die() { echo "bench/bulk.sh: $*" >&2; exit 1; }
((EUID == 0)) || die "needs root (network namespace, rig daemons, port 53)"
((N >= 1000)) || die "MXRAY_BENCH_BULK_N must be at least 1000"
((CDM_N <= N && SHARD_N <= N)) || die "the checkdmarc and shard subsets must not exceed N"

exec 9>"$LOCK"
flock -n 9 || die "another bench/bulk.sh holds $LOCK"
# other_bench: "yes" when bench/run.sh or bench/domain.sh holds its lock right now.
other_bench() { if flock -n "$OTHER_LOCK" true 2>/dev/null; then echo no; else echo yes; fi; }
OTHER_AT_START=$(other_bench)

# --- 1. tools --------------------------------------------------------------------------------
APT_PKGS=(iproute2 iptables iputils-ping python3 python3-venv time)
missing=()
for p in "${APT_PKGS[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
"$ROOT/tests/servers/install.sh" >&2
for cmd in ip iptables ip6tables ping knotd kdig python3 /usr/bin/time cargo; do
  command -v "$cmd" >/dev/null || die "$cmd missing"
done
mkdir -p "$OUT"
rm -f "$OUT"/*.ndjson "$OUT"/*.json "$OUT"/*.time "$OUT"/*.stderr "$OUT"/*.txt "$OUT"/*.md "$OUT"/delay.*
if [[ "$("$VENV/bin/checkdmarc" --version 2>/dev/null || true)" != "$CHECKDMARC_VERSION" ]]; then
  log "checkdmarc $CHECKDMARC_VERSION (PyPI) into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "checkdmarc==$CHECKDMARC_VERSION" >&2
fi
CHECKDMARC=$VENV/bin/checkdmarc
log "building mxray (release) from the work tree"
(cd "$ROOT" && cargo build --release --quiet)
cp "$ROOT/target/release/mxray" "$OUT/mxray"
MXRAY=$OUT/mxray
BUILT="work tree at $(git -C "$ROOT" rev-parse --short HEAD)"
git -C "$ROOT" diff --quiet HEAD -- src Cargo.toml Cargo.lock || BUILT+=" + uncommitted changes"
KNOT=$RIG_DIR/bulk-knot

# --- 2. namespace, rig, cleanup ----------------------------------------------------------------
in_ns() { ip netns exec "$NS" env MXRAY_RIG_DIR="$RIG_DIR" "$@"; }
DELAYER_PID=
stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 40); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  [[ -z $DELAYER_PID ]] || stop_pid "$DELAYER_PID"
  DELAYER_PID=
  if [[ -f $KNOT/knot.pid ]]; then kill "$(cat "$KNOT/knot.pid")" 2>/dev/null || true; fi
  if ip netns list | grep -qx "$NS\( .*\)\?"; then
    in_ns "$ROOT/tests/servers/down.sh" >/dev/null 2>&1 || true
    ip netns del "$NS" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cleanup
log "namespace $NS + rig in $RIG_DIR"
ip netns add "$NS"
ip -n "$NS" link set lo up
in_ns "$ROOT/tests/servers/up.sh" >"$OUT/rig.log" 2>&1 || die "rig: $(tail -5 "$OUT/rig.log")"

# --- 3. the zone -------------------------------------------------------------------------------
log "zone bulk.test ($N domains), knotd on 127.0.0.1:53"
mkdir -p "$KNOT/zones" "$KNOT/db"
cp "$RIG_DIR"/knot/zones/*.zone "$KNOT/zones/"
key=$(grep -m1 '^default._domainkey' "$ROOT/tests/servers/conf/zones/mxray.test.zone" | sed 's/.*TXT *//')
python3 "$ROOT/bench/bulk/zone.py" "$N" "$key" >"$KNOT/zones/bulk.test.zone"
{
  echo "server:"
  echo "    rundir: \"$KNOT\""
  echo "    pidfile: \"$KNOT/knot.pid\""
  echo "    listen: [ 127.0.0.1@53 ]"
  # One UDP socket per worker (SO_REUSEPORT). With the NFQUEUE delayer a held answer stays
  # charged to the socket that sent it, and one socket's 208 KiB send buffer overflowed at a
  # few thousand queries a second 25 ms away: answers were dropped and lookups waited for
  # their retry. Sixteen sockets share the load (no drops: /proc/net/snmp, checked below).
  echo "    udp-workers: 16"
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
  in_ns kdig +time=1 +retry=0 @127.0.0.1 -p 53 _dmarc.d1.bulk.test TXT 2>/dev/null | grep -q 'v=DMARC1; p=reject' && break
  sleep 0.2
done
in_ns kdig +time=1 +retry=0 @127.0.0.1 -p 53 _dmarc.d1.bulk.test TXT | grep -q 'v=DMARC1; p=reject' ||
  die "knotd does not serve bulk.test on 127.0.0.1:53: $(tail -5 "$KNOT/knot.log")"

seq 0 $((N - 1)) | sed 's/.*/d&.bulk.test/' >"$OUT/all.txt"
for n in 1000 "$CDM_N" "$CDM_LAT_N" "$SHARD_N"; do head -"$n" "$OUT/all.txt" >"$OUT/first$n.txt"; done
BASE=(--resolver 127.0.0.1:53 --ca-file "$RIG_DIR/ca/ca.pem" --timeout 5 --helo client.mxray.test
  --dkim-selector default --fail-on never)

# --- the runs: each prints "name domains seconds rate peak_rss_kib" -------------------------------
rate() { python3 -c "r = $1 / max($2, 0.01); print(round(r) if r >= 10 else round(r, 2))"; }

# measure NAME LIST CONCURRENCY ARGS...: one timed mxray run.
measure() {
  local name=$1 list=$2 conc=$3 lines secs rss
  shift 3
  in_ns /usr/bin/time -f "%e %M" -o "$OUT/$name.time" "$MXRAY" domain --from "$list" "${BASE[@]}" \
    --concurrency "$conc" "$@" >"$OUT/$name.ndjson" 2>"$OUT/$name.stderr"
  lines=$(wc -l <"$OUT/$name.ndjson")
  [[ $lines == "$(wc -l <"$list")" ]] || die "$name: $lines reports for $(wc -l <"$list") domains"
  python3 "$ROOT/bench/bulk/check.py" mxray "$OUT/$name.ndjson" >&2 || die "$name: reports incomplete"
  read -r secs rss <"$OUT/$name.time"
  echo "$name $lines $secs $(rate "$lines" "$secs") $rss"
}

# checkdmarc NAME LIST: checkdmarc over the list (a file of domains), one process.
checkdmarc() {
  local name=$1 list=$2 lines secs rss
  in_ns /usr/bin/time -f "%e %M" -o "$OUT/$name.time" "$CHECKDMARC" "$list" -n 127.0.0.1 \
    >"$OUT/$name.json" 2>"$OUT/$name.stderr" || die "$name failed: $(tail -3 "$OUT/$name.stderr")"
  lines=$(python3 "$ROOT/bench/bulk/check.py" checkdmarc "$OUT/$name.json") || die "$name: output incomplete"
  [[ $lines == "$(wc -l <"$list")" ]] || die "$name: $lines results for $(wc -l <"$list") domains"
  read -r secs rss <"$OUT/$name.time"
  echo "$name $lines $secs $(rate "$lines" "$secs") $rss"
}

# shards NAME K LIST CONCURRENCY: K processes (--shard k/K) at once over LIST, DNS only.
shards() {
  local name=$1 k=$2 list=$3 conc=$4 start end i lines secs
  start=$EPOCHREALTIME
  for i in $(seq 1 "$k"); do
    in_ns "$MXRAY" domain --from "$list" "${BASE[@]}" --no-probe --concurrency "$conc" --shard "$i/$k" \
      >"$OUT/$name-$i.ndjson" 2>/dev/null &
  done
  wait
  end=$EPOCHREALTIME
  lines=$(cat "$OUT/$name"-*.ndjson | wc -l)
  [[ $lines == "$(wc -l <"$list")" ]] || die "$name: $lines reports for $(wc -l <"$list") domains"
  cat "$OUT/$name"-*.ndjson >"$OUT/$name.ndjson"
  python3 "$ROOT/bench/bulk/check.py" mxray "$OUT/$name.ndjson" >&2 || die "$name: reports incomplete"
  secs=$(python3 -c "print(round($end - $start, 2))")
  echo "$name $lines $secs $(rate "$lines" "$secs") -"
}

# udp_drops: datagrams the namespace's sockets dropped so far (receive or send buffer full).
udp_drops() { in_ns awk '/^Udp:/ { getline; print $6 + $7; exit }' /proc/net/snmp; }
DROPS_START=$(udp_drops)
ROWS=()
# row CMD...: one of the runs above; a failure inside it ends the script.
row() {
  local r
  r=$("$@")
  ROWS+=("$r")
  echo "  $r" >&2
  rm -f "$OUT"/*.ndjson
}

log "no added latency"
row measure dns-1000 "$OUT/first1000.txt" "$CONC" --no-probe
row measure "dns-$N" "$OUT/all.txt" "$CONC" --no-probe
row measure dns-1000-c32 "$OUT/first1000.txt" 32 --no-probe
row measure probe-1000 "$OUT/first1000.txt" "$CONC" --no-legacy-tls
row checkdmarc "checkdmarc-$CDM_N" "$OUT/first$CDM_N.txt"
for k in 1 2 4; do row shards "shards-$k" "$k" "$OUT/all.txt" "$CONC"; done

# --- 5. 50 ms RTT --------------------------------------------------------------------------------
log "adding ${DELAY_MS} ms each way on lo"
if in_ns tc qdisc add dev lo root netem delay "${DELAY_MS}ms" 2>"$OUT/netem.txt"; then
  DELAY_METHOD="tc netem delay ${DELAY_MS}ms on lo"
else
  # As bench/run.sh: a packet held in NFQUEUE stays charged to its socket (autocorking).
  in_ns sysctl -qw net.ipv4.tcp_autocorking=0
  in_ns iptables -I OUTPUT -o lo -j NFQUEUE --queue-num 0 --queue-bypass
  in_ns ip6tables -I OUTPUT -o lo -j NFQUEUE --queue-num 0 --queue-bypass
  ip netns exec "$NS" python3 "$ROOT/bench/delay.py" 0 "$DELAY_MS" "$OUT/delay.ready" 2>"$OUT/delay.log" &
  DELAYER_PID=$!
  for _ in $(seq 100); do [[ -s $OUT/delay.ready ]] && break; sleep 0.05; done
  [[ -s $OUT/delay.ready ]] && kill -0 "$DELAYER_PID" || die "bench/delay.py did not start: $(cat "$OUT/delay.log")"
  DELAY_METHOD="no sch_netem: iptables + ip6tables NFQUEUE on lo OUTPUT + bench/delay.py, ${DELAY_MS} ms each way, tcp_autocorking=0"
fi
in_ns ping -c 5 -i 0.2 127.0.0.1 >"$OUT/ping.txt"
RTT=$(awk -F/ '/^rtt/ {print $5}' "$OUT/ping.txt")
awk -v r="$RTT" -v d="$DELAY_MS" 'BEGIN { exit !(r >= 2*d - 5 && r <= 2*d + 15) }' ||
  die "ping RTT is $RTT ms, expected about $((2 * DELAY_MS)) ms"
log "ping RTT $RTT ms"
row measure lat-dns-1000 "$OUT/first1000.txt" "$CONC" --no-probe
row measure "lat-dns-$N" "$OUT/all.txt" "$CONC" --no-probe
row measure lat-dns-1000-c32 "$OUT/first1000.txt" 32 --no-probe
row checkdmarc "lat-checkdmarc-$CDM_LAT_N" "$OUT/first$CDM_LAT_N.txt"
for k in 1 2 4; do row shards "lat-shards-$k" "$k" "$OUT/first$SHARD_N.txt" "$SHARD_CONC"; done
[[ -z $DELAYER_PID ]] || kill -0 "$DELAYER_PID" || die "bench/delay.py died during the run: $(cat "$OUT/delay.log")"
OTHER_AT_END=$(other_bench)
DROPS=$(($(udp_drops) - DROPS_START))

# --- results ----------------------------------------------------------------------------------------
{
  echo "# mxray domain --from: $N synthetic domains"
  echo
  echo "- $(date -u +%Y-%m-%dT%H:%M:%SZ), $BUILT, $("$MXRAY" --version), checkdmarc $CHECKDMARC_VERSION"
  echo "- $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- bench/run.sh or bench/domain.sh running (their lock held): at the start $OTHER_AT_START, at the end $OTHER_AT_END"
  echo "- concurrency $CONC (runs dns-*, probe-*, shards-*); lat-shards-*: $SHARD_CONC per process over the first $SHARD_N domains"
  echo "- lat-*: ping RTT $RTT ms ($DELAY_METHOD)"
  echo "- knotd on 127.0.0.1:53 with 16 UDP workers; UDP datagrams dropped for full socket buffers during all runs: $DROPS"
  echo
  echo "| run | domains | seconds | domains/s | peak RSS (KiB) |"
  echo "|---|---|---|---|---|"
  for r in "${ROWS[@]}"; do
    read -r a b c d e <<<"$r"
    echo "| $a | $b | $c | $d | $e |"
  done
  echo
  printf '%s\n' "${ROWS[@]}" | python3 "$ROOT/bench/bulk/ratios.py" "$N" "$CDM_N"
} >"$OUT/results.md"
rm -f "$OUT"/*.ndjson "$OUT"/checkdmarc-*.json "$OUT"/lat-checkdmarc-*.json
cat "$OUT/results.md"
