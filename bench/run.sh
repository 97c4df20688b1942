#!/usr/bin/env bash
# mxray benchmark: `mxray server` against the peers (swaks + openssl s_client, and
# testssl.sh) on the real-server rig, without and with 50 ms of round-trip time.
#
# Usage: bench/run.sh          (as root; Debian 12; ~8 minutes plus the build)
#
# What it does:
#  1. Installs what is missing (apt: swaks, its Perl TLS modules, testssl.sh,
#     hyperfine, iproute2, iputils-ping, iptables, python3; the rig's packages via
#     tests/servers/install.sh) and builds mxray once (`cargo build --release`) from
#     a clean export of HEAD in /tmp/mxray-bench-src (target dir target/bench), so
#     uncommitted edits in the work tree are neither measured nor able to break
#     the build; MXRAY_BENCH_SOURCE=worktree builds the work tree instead, any
#     other value is a git revision. The binary is copied to bench/out/mxray, so a
#     rebuild elsewhere during the run cannot change what is measured.
#  2. Creates the network namespace `mxray-bench` (only lo, up) and starts a
#     second rig inside it (state dir /tmp/mxray-bench-rig), apart from any rig
#     running in the root namespace. Every tool runs inside that namespace:
#     nothing can leave it, and nothing else shares its loopback.
#  3. No added latency: one hyperfine run (warmup 1) of
#       mxray-ip        mxray server 127.0.0.10 --tls-name mail.mxray.test, 5 ports
#       mxray-name      the same by name: A lookup through the rig's Knot
#       mxray-nolegacy  mxray-ip with --no-legacy-tls
#       mxray-port-P    mxray-ip on one port P alone (25, 465, 587, 993, 995)
#       peers           bench/peers.sh: swaks on 25/587/465, openssl s_client on 993/995
#     then testssl --starttls smtp -p -S on port 25 (fewer runs: it is slow).
#     Every mxray command has --resolver 127.0.0.1:5300: for an IP literal mxray
#     still looks up the PTR and confirms it forward; the rig's Knot answers.
#  4. 50 ms RTT: `tc qdisc add dev lo root netem delay 25ms` in the namespace; on a
#     kernel without sch_netem, the fallback is an iptables NFQUEUE rule on lo's
#     OUTPUT and bench/delay.py, which releases each packet 25 ms after it
#     arrived (each packet crosses OUTPUT once: 25 ms each way), with
#     net.ipv4.tcp_autocorking=0 in the namespace (see the comment there). The RTT is
#     checked with ping (must be within 45-65 ms) and recorded. Same measurements,
#     fewer runs.
#  5. bench/report.py writes bench/out/results.md (means ± σ, ratios
#     peers/mxray, testssl/mxray, mxray(5 ports) / max and / sum of the single
#     ports, mxray's own phase timeline) and it is printed.
# Before timing, each tool runs once with its output kept in bench/out/*-check.*
# and checked (all five ports reached over verified TLS), so a failing tool
# cannot look fast; hyperfine also fails on any non-zero exit, except for testssl
# (flaky exit status, see check(); its non-zero exits are counted in the report).
#
# Cleanup on any exit (trap): the delayer is stopped by its pid, the rig by
# tests/servers/down.sh (pid files), then the namespace is deleted. A namespace
# left over by a killed run is cleaned the same way at start (under a lock).
#
# Tunables (environment): MXRAY_BENCH_RUNS (default 30), MXRAY_BENCH_LATENCY_RUNS
# (10), MXRAY_BENCH_TESTSSL_RUNS (3), MXRAY_BENCH_LATENCY_TESTSSL_RUNS (2),
# MXRAY_BENCH_DELAY_MS (25, one way), MXRAY_BENCH_RIG_DIR (/tmp/mxray-bench-rig),
# MXRAY_BENCH_SOURCE (HEAD; a revision, or worktree).
# Results: bench/out/ (gitignored): *.json and *.md from hyperfine, results.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out
NS=mxray-bench
RIG_DIR=${MXRAY_BENCH_RIG_DIR:-/tmp/mxray-bench-rig}
RUNS=${MXRAY_BENCH_RUNS:-30}
LAT_RUNS=${MXRAY_BENCH_LATENCY_RUNS:-10}
TESTSSL_RUNS=${MXRAY_BENCH_TESTSSL_RUNS:-3}
LAT_TESTSSL_RUNS=${MXRAY_BENCH_LATENCY_TESTSSL_RUNS:-2}
DELAY_MS=${MXRAY_BENCH_DELAY_MS:-25}
HOST_IP=127.0.0.10
TLS_NAME=mail.mxray.test
DNS=127.0.0.1:5300
PORTS=(25 465 587 993 995)
LOCK=/tmp/mxray-bench.lock
SOURCE=${MXRAY_BENCH_SOURCE:-HEAD}
SRC_DIR=/tmp/mxray-bench-src

log() { printf '\n== %s\n' "$*" >&2; }
die() { echo "bench/run.sh: $*" >&2; exit 1; }

((EUID == 0)) || die "needs root (network namespace, rig daemons on ports 25/465/...)"
[[ $RIG_DIR != "${MXRAY_RIG_DIR:-/tmp/mxray-rig}" ]] || die "MXRAY_BENCH_RIG_DIR must differ from the test rig's dir"

# One run at a time: the namespace name and the rig dir are fixed.
exec 9>"$LOCK"
flock -n 9 || die "another bench/run.sh holds $LOCK"

# --- 1. tools -----------------------------------------------------------------------
log "installing what is missing"
APT_PKGS=(swaks libnet-ssleay-perl libio-socket-ssl-perl libio-socket-inet6-perl testssl.sh
  hyperfine iproute2 iputils-ping iptables python3)
missing=()
for p in "${APT_PKGS[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "apt-get install ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for cmd in swaks testssl hyperfine ip tc ping iptables python3 openssl cargo; do
  command -v "$cmd" >/dev/null || die "$cmd not found after install"
done

# The committed revision is built from a clean export (git archive), not the work
# tree: others may be mid-edit there. MXRAY_BENCH_SOURCE=worktree builds the work
# tree as it is instead.
mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.md "$OUT"/*.txt "$OUT"/*.tsv "$OUT"/*.log "$OUT"/delay.ready
if [[ $SOURCE == worktree ]]; then
  log "building mxray (release) from the work tree"
  (cd "$ROOT" && cargo build --release)
  cp "$ROOT/target/release/mxray" "$OUT/mxray"
  RIG_SCRIPTS=$ROOT/tests/servers
  BUILT="work tree at $(git -C "$ROOT" rev-parse --short HEAD)"
  git -C "$ROOT" diff --quiet HEAD -- src Cargo.toml Cargo.lock || BUILT+=" + uncommitted changes"
else
  rev=$(git -C "$ROOT" rev-parse --short "$SOURCE^{commit}") || die "MXRAY_BENCH_SOURCE=$SOURCE is not a commit"
  log "building mxray (release) from a clean export of $rev"
  rm -rf "$SRC_DIR"
  mkdir -p "$SRC_DIR"
  git -C "$ROOT" archive "$rev" | tar -x -C "$SRC_DIR"
  # git archive stamps files with the commit time; touch them so cargo never
  # takes an older export's build for this one (dependencies stay cached).
  find "$SRC_DIR" -type f -exec touch {} +
  (cd "$SRC_DIR" && CARGO_TARGET_DIR="$ROOT/target/bench" cargo build --release)
  cp "$ROOT/target/bench/release/mxray" "$OUT/mxray"
  RIG_SCRIPTS=$SRC_DIR/tests/servers
  BUILT="commit $rev (clean export)"
fi
MXRAY=$OUT/mxray
"$RIG_SCRIPTS/install.sh" >&2   # the rig's packages, as the built revision lists them

# --- 2. namespace and rig ---------------------------------------------------------------
in_ns() { ip netns exec "$NS" "$@"; }
DELAYER_PID=

# running PID: alive and not a zombie (kill -0 succeeds on an unreaped child).
running() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

teardown() {
  if [[ -n $DELAYER_PID ]] && kill -0 "$DELAYER_PID" 2>/dev/null; then
    kill -TERM "$DELAYER_PID" 2>/dev/null || true
    for _ in $(seq 40); do running "$DELAYER_PID" || break; sleep 0.05; done
    kill -KILL "$DELAYER_PID" 2>/dev/null || true
    wait "$DELAYER_PID" 2>/dev/null || true
  fi
  DELAYER_PID=
  if ip netns list | grep -qx "$NS\( .*\)\?"; then
    in_ns env MXRAY_RIG_DIR="$RIG_DIR" "$RIG_SCRIPTS/down.sh" >&2 || true
    ip netns del "$NS" || true
  fi
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  log "cleaning up (namespace $NS, rig $RIG_DIR)"
  teardown
  ((rc == 0)) || echo "bench/run.sh: FAILED (exit $rc)" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A namespace left by a killed run (we hold the lock, so it is not in use).
teardown
log "namespace $NS + rig in $RIG_DIR"
ip netns add "$NS"
ip -n "$NS" link set lo up
in_ns env MXRAY_RIG_DIR="$RIG_DIR" "$RIG_SCRIPTS/up.sh" >&2
# shellcheck source=/dev/null
source "$RIG_DIR/rig.env"
CA=$MXRAY_RIG_CA

# --- the commands --------------------------------------------------------------------
ALL_PORTS=$(IFS=,; echo "${PORTS[*]}")
MX_COMMON="--ports $ALL_PORTS -4 --ca-file $CA --resolver $DNS --format json"
declare -A CMD=(
  [mxray-ip]="$MXRAY server $HOST_IP --tls-name $TLS_NAME $MX_COMMON"
  [mxray-name]="$MXRAY server $TLS_NAME $MX_COMMON"
  [mxray-nolegacy]="$MXRAY server $HOST_IP --tls-name $TLS_NAME $MX_COMMON --no-legacy-tls"
  [peers]="bash $ROOT/bench/peers.sh $CA $HOST_IP $TLS_NAME"
  [testssl]="timeout 900 testssl --quiet --color 0 --warnings batch --openssl-timeout 5 --connect-timeout 5 --nodns none --ip $HOST_IP --add-ca $CA --starttls smtp -p -S $TLS_NAME:25"
)
# Every testssl run of a scenario (check, warmup, measured) also logs to
# bench/out/testssl-TAG.log, so the report can count its flaky warnings.
testssl_cmd() { echo "${CMD[testssl]/testssl --quiet/testssl --append --logfile $OUT/testssl-$1.log --quiet}"; }
for p in "${PORTS[@]}"; do
  CMD[mxray-port-$p]="$MXRAY server $HOST_IP --tls-name $TLS_NAME --ports $p -4 --ca-file $CA --resolver $DNS --format json"
done
MAIN_IDS=(mxray-ip mxray-name mxray-nolegacy peers)
for p in "${PORTS[@]}"; do MAIN_IDS+=("mxray-port-$p"); done
{
  for id in "${MAIN_IDS[@]}"; do printf '%s\t%s\n' "$id" "${CMD[$id]}"; done
  printf '%s\t%s\n' testssl "$(testssl_cmd TAG)"
} >"$OUT/commands.tsv"

# check TAG: runs each tool once with its output kept and checks what it saw.
check() {
  local tag=$1 id n
  for id in mxray-ip mxray-name mxray-nolegacy; do
    # shellcheck disable=SC2086 # the command is a word list on purpose
    in_ns ${CMD[$id]} >"$OUT/$id-$tag-check.json" || die "$id failed (exit $?), see $OUT/$id-$tag-check.json"
    python3 - "$OUT/$id-$tag-check.json" <<'PY' || die "$id: not every port reached over verified TLS"
import json, sys
d = json.load(open(sys.argv[1]))
probes = d["evidence"]["probes"]
ok = [p for p in probes if (p.get("tls") or {}).get("version")
      and p["tls"]["verification"]["trusted"] and p["tls"]["verification"]["name_matches"]]
sys.exit(0 if len(probes) == 5 and len(ok) == 5 else 1)
PY
  done
  # shellcheck disable=SC2086
  in_ns ${CMD[peers]} >"$OUT/peers-$tag-check.txt" 2>&1 || die "peers.sh failed, see $OUT/peers-$tag-check.txt"
  n=$(grep -c '^=== TLS started' "$OUT/peers-$tag-check.txt" || true)
  ((n == 3)) || die "peers: $n of 3 swaks TLS sessions, see $OUT/peers-$tag-check.txt"
  n=$(grep -c '^Verification: OK' "$OUT/peers-$tag-check.txt" || true)
  ((n == 2)) || die "peers: $n of 2 verified s_client sessions, see $OUT/peers-$tag-check.txt"
  # testssl's exit status is not a verdict on the run: its session-resumption
  # sub-test against Postfix is flaky ("Connect problem: Ticket resumption test
  # not possible" makes it exit non-zero now and then). It must finish and show
  # the protocols and a trusted chain.
  n=0
  # shellcheck disable=SC2046 # the command is a word list on purpose
  in_ns $(testssl_cmd "$tag") >"$OUT/testssl-$tag-check.txt" 2>&1 || n=$?
  echo "testssl check run: exit $n" >&2
  if ! grep -q '^ Done ' "$OUT/testssl-$tag-check.txt" ||
    ! grep -q 'TLS 1.3 .*offered' "$OUT/testssl-$tag-check.txt" ||
    ! grep -q 'Chain of trust *Ok' "$OUT/testssl-$tag-check.txt"; then
    die "testssl did not see TLS 1.3 and a trusted chain, see $OUT/testssl-$tag-check.txt"
  fi
}

# rtt TAG: ping RTT inside the namespace, in ms (avg of 5), also kept in the output dir.
rtt() {
  in_ns ping -c 5 -i 0.2 "$HOST_IP" >"$OUT/ping-$1.txt"
  awk -F/ '/^rtt/ {print $5}' "$OUT/ping-$1.txt"
}

# measure TAG RUNS TESTSSL_RUNS: the hyperfine runs of one scenario.
measure() {
  local tag=$1 runs=$2 truns=$3 id args=()
  for id in "${MAIN_IDS[@]}"; do args+=(-n "$id" "${CMD[$id]}"); done
  log "[$tag] hyperfine: mxray variants, single ports, peers ($runs runs)"
  in_ns hyperfine -N --style basic --warmup 1 --runs "$runs" \
    --export-json "$OUT/$tag.json" --export-markdown "$OUT/$tag.md" "${args[@]}" >&2
  log "[$tag] hyperfine: testssl ($truns runs)"
  in_ns hyperfine -N --style basic --warmup 1 --runs "$truns" --ignore-failure \
    --export-json "$OUT/$tag-testssl.json" --export-markdown "$OUT/$tag-testssl.md" \
    -n testssl "$(testssl_cmd "$tag")" >&2
}

# --- 3. no added latency -----------------------------------------------------------------
log "[0ms] checks"
RTT0=$(rtt 0ms)
check 0ms
measure 0ms "$RUNS" "$TESTSSL_RUNS"

# --- 4. 50 ms RTT ----------------------------------------------------------------------
log "adding ${DELAY_MS} ms each way on lo"
if in_ns tc qdisc add dev lo root netem delay "${DELAY_MS}ms" 2>"$OUT/netem.txt"; then
  DELAY_METHOD="tc netem delay ${DELAY_MS}ms on lo"
else
  echo "netem unavailable ($(tr -d '\n' <"$OUT/netem.txt")): NFQUEUE + bench/delay.py" >&2
  # netem orphans a delayed packet from its socket; a packet held in NFQUEUE stays
  # charged to it, and TCP autocorking then holds the socket's next small write
  # until the previous packet is released (up to the whole delay, an artifact no
  # real link has). The sysctl is per namespace.
  in_ns sysctl -qw net.ipv4.tcp_autocorking=0
  in_ns iptables -I OUTPUT -o lo -j NFQUEUE --queue-num 0 --queue-bypass
  rm -f "$OUT/delay.ready"
  # Not through in_ns: $! must be the delayer itself (ip netns exec execs it).
  ip netns exec "$NS" python3 "$ROOT/bench/delay.py" 0 "$DELAY_MS" "$OUT/delay.ready" 2>"$OUT/delay.log" &
  DELAYER_PID=$!
  for _ in $(seq 100); do [[ -s $OUT/delay.ready ]] && break; sleep 0.05; done
  if [[ ! -s $OUT/delay.ready ]] || ! kill -0 "$DELAYER_PID"; then
    die "bench/delay.py did not start: $(cat "$OUT/delay.log")"
  fi
  DELAY_METHOD="kernel has no sch_netem: iptables NFQUEUE on lo OUTPUT + bench/delay.py ${DELAY_MS}ms each way, tcp_autocorking=0"
fi
RTT50=$(rtt 50ms)
awk -v r="$RTT50" -v d="$DELAY_MS" 'BEGIN { exit !(r >= 2*d - 5 && r <= 2*d + 15) }' ||
  die "ping RTT is $RTT50 ms, expected about $((2 * DELAY_MS)) ms"
echo "ping RTT $RTT50 ms ($DELAY_METHOD)" >&2
log "[50ms] checks"
check 50ms
measure 50ms "$LAT_RUNS" "$LAT_TESTSSL_RUNS"
[[ -z $DELAYER_PID ]] || kill -0 "$DELAYER_PID" || die "bench/delay.py died during the run: $(cat "$OUT/delay.log")"

# --- 5. report --------------------------------------------------------------------------
{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc=$(nproc)"
  echo "kernel=$(uname -r)"
  echo "cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "mem=$(awk '/^MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "commit=$BUILT"
  echo "mxray=$("$MXRAY" --version)"
  echo "swaks=$(swaks --version 2>&1 | awk '/version/ {print $3; exit}')"
  echo "openssl=$(openssl version)"
  echo "testssl=$(dpkg-query -W -f='${Version}' testssl.sh)"
  echo "hyperfine=$(hyperfine --version)"
  echo "rtt_0ms=$RTT0"
  echo "rtt_50ms=$RTT50"
  echo "delay_method=$DELAY_METHOD"
  echo "runs=$RUNS"
  echo "lat_runs=$LAT_RUNS"
  echo "testssl_runs=$TESTSSL_RUNS"
  echo "lat_testssl_runs=$LAT_TESTSSL_RUNS"
} >"$OUT/meta.txt"
python3 "$ROOT/bench/report.py" "$OUT" >"$OUT/results.md"
log "results ($OUT/results.md)"
cat "$OUT/results.md"
