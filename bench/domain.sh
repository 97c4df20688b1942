#!/usr/bin/env bash
# mxray benchmark: `mxray domain` against checkdmarc on the rig's test domains, and the
# full audit against the sum of its steps, without and with 50 ms of round-trip time.
#
# Usage: bench/domain.sh       (as root; Debian 12; ~12 minutes plus the build)
#
# What it does:
#  1. Installs what is missing (apt: hyperfine, iproute2, iputils-ping, iptables, python3,
#     python3-venv, tcpdump, curl; the rig's packages via tests/servers/install.sh),
#     checkdmarc from PyPI into a venv (bench/out/domain/venv, version pinned below), and
#     builds mxray once from a clean export of HEAD, as bench/run.sh does (same target
#     dir, target/bench; export in /tmp/mxray-bench-domain-src; MXRAY_BENCH_SOURCE as there).
#  2. Creates the network namespace `mxray-bench-domain` (only lo) and starts a rig in it
#     (state dir /tmp/mxray-bench-domain-rig), apart from the test rig of the root
#     namespace. checkdmarc only speaks to port 53, so a second knotd serves the same zone
#     files on 127.0.0.1:53 in the namespace (config: the rig's knot.conf with the listen
#     address, run dir, database and log changed; state in RIG/knot53), and every tool
#     here uses it: mxray with --resolver 127.0.0.1:53, checkdmarc with -n 127.0.0.1.
#     /etc/netns/mxray-bench-domain/resolv.conf (nameserver 127.0.0.1), written once the
#     rig runs (its daemons keep the unreachable one), gives the tools a system resolver
#     too: checkdmarc fetches MTA-STS policies and connects to MX hosts through
#     getaddrinfo, and curl does. checkdmarc gets the rig's CA through
#     REQUESTS_CA_BUNDLE and SSL_CERT_FILE (its HTTPS and STARTTLS checks verify).
#  3. Checks, then times (hyperfine -N, warmup 1), with DOMAINS = good spf11 dnone dpct
#     dext nullmx cnamemx (.mxray.test):
#       mxray-dns-7        mxray domain --no-probe, each of DOMAINS in turn (each.sh)
#       checkdmarc-7       checkdmarc DOMAINS -n 127.0.0.1 (one run, all domains)
#       mxray-full-7       mxray domain (MX probed on port 25, MTA-STS policy fetched), each
#       checkdmarc-tls-7   checkdmarc ... --check-mx-tls
#       the same four on good alone (mxray-dns-good, checkdmarc-good, mxray-full-good,
#       checkdmarc-tls-good), and the steps of the full audit of good one by one:
#       mxray-dns-good-sel mxray domain good --no-probe --dkim-selector default (no guessing)
#       mxray-server-mail  mxray server mail.mxray.test --ports 25 (the MX probe)
#       curl-policy        curl https://mta-sts.good.mxray.test/.well-known/mta-sts.txt
#       kdig-serial-good   kdig asking mxray's own queries for good (captured) one at a time
#       mxray-dns-spf11    mxray domain spf11 --no-probe (the deep SPF tree)
#       kdig-serial-spf11  the same for spf11
#       mxray-start, checkdmarc-start: `--version`, the start-up alone (checkdmarc: Python
#       and its imports)
#     mxray runs with --fail-on never (the seeded flaws are errors; hyperfine wants exit 0).
#  4. The same with 50 ms RTT: `tc qdisc ... netem delay 25ms` on lo, or, on a kernel
#     without sch_netem, iptables AND ip6tables NFQUEUE rules on lo's OUTPUT with
#     bench/delay.py (25 ms each way; the MX has an AAAA, ::1, probed too) and
#     tcp_autocorking=0 (see bench/run.sh). RTT checked with ping over IPv4 and IPv6.
#     The checkdmarc commands get fewer runs there (one run of checkdmarc-tls-7 is ~15 s).
#     One run of each of mxray-dns-good, mxray-dns-spf11, mxray-full-good and
#     checkdmarc-good is captured with tcpdump: timeline-50ms-*.txt (every DNS query and
#     TCP connection, in ms, grouped into round trips).
#  5. bench/domain/report.py writes bench/out/domain/results.md (means ± σ, ratios
#     checkdmarc/mxray, full audit / sum of its steps, the timelines) and it is printed.
#
# Cleanup on any exit (trap): tcpdump and the delayer by their pids, the second knotd and
# the rig by their pid files (tests/servers/down.sh), the namespace and its resolv.conf.
# A namespace left over by a killed run is cleaned the same way at start. One benchmark at
# a time: it holds the lock of bench/run.sh (/tmp/mxray-bench.lock) while it runs.
#
# Tunables (environment): MXRAY_BENCH_DOMAIN_RUNS (20), MXRAY_BENCH_DOMAIN_LATENCY_RUNS
# (10), MXRAY_BENCH_DOMAIN_CHECKDMARC_LATENCY_RUNS (5), MXRAY_BENCH_DELAY_MS (25, one way),
# MXRAY_BENCH_DOMAIN_RIG_DIR (/tmp/mxray-bench-domain-rig), MXRAY_BENCH_SOURCE (HEAD; a
# revision, or worktree), MXRAY_BENCH_CHECKDMARC_VERSION (6.0.4).
# Results: bench/out/domain/ (gitignored).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/bench/domain
OUT=$ROOT/bench/out/domain
NS=mxray-bench-domain
RIG_DIR=${MXRAY_BENCH_DOMAIN_RIG_DIR:-/tmp/mxray-bench-domain-rig}
K53=$RIG_DIR/knot53
RUNS=${MXRAY_BENCH_DOMAIN_RUNS:-20}
LAT_RUNS=${MXRAY_BENCH_DOMAIN_LATENCY_RUNS:-10}
CDM_LAT_RUNS=${MXRAY_BENCH_DOMAIN_CHECKDMARC_LATENCY_RUNS:-5}
DELAY_MS=${MXRAY_BENCH_DELAY_MS:-25}
SOURCE=${MXRAY_BENCH_SOURCE:-HEAD}
CHECKDMARC_VERSION=${MXRAY_BENCH_CHECKDMARC_VERSION:-6.0.4}
SRC_DIR=/tmp/mxray-bench-domain-src
LOCK=/tmp/mxray-bench.lock
NETNS_ETC=/etc/netns/$NS
DNS_IP=127.0.0.1
DNS=$DNS_IP:53
VENV=$OUT/venv
DOMAINS=()
for d in good spf11 dnone dpct dext nullmx cnamemx; do DOMAINS+=("$d.mxray.test"); done
GOOD=good.mxray.test
POLICY_URL=https://mta-sts.$GOOD/.well-known/mta-sts.txt

log() { printf '\n== %s\n' "$*" >&2; }
die() { echo "bench/domain.sh: $*" >&2; exit 1; }

((EUID == 0)) || die "needs root (network namespace, the rig's daemons, port 53)"
[[ $RIG_DIR != "${MXRAY_RIG_DIR:-/tmp/mxray-rig}" ]] || die "MXRAY_BENCH_DOMAIN_RIG_DIR must differ from the test rig's dir"

exec 9>"$LOCK"
flock -n 9 || die "another benchmark (bench/run.sh or bench/domain.sh) holds $LOCK"

# --- 1. tools -----------------------------------------------------------------------------
log "installing what is missing"
APT_PKGS=(hyperfine iproute2 iputils-ping iptables python3 python3-venv tcpdump curl)
missing=()
for p in "${APT_PKGS[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "apt-get install ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for cmd in hyperfine ip tc ping iptables ip6tables python3 tcpdump curl cargo; do
  command -v "$cmd" >/dev/null || die "$cmd not found after install"
done

mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.md "$OUT"/*.txt "$OUT"/*.tsv "$OUT"/*.log "$OUT"/*.pcap "$OUT"/*.err "$OUT"/delay.ready

log "checkdmarc $CHECKDMARC_VERSION (PyPI) in $VENV"
if [[ "$("$VENV/bin/checkdmarc" --version 2>/dev/null || true)" != "$CHECKDMARC_VERSION" ]]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "checkdmarc==$CHECKDMARC_VERSION" >&2
fi
CHECKDMARC=$VENV/bin/checkdmarc
[[ "$("$CHECKDMARC" --version)" == "$CHECKDMARC_VERSION" ]] || die "checkdmarc $CHECKDMARC_VERSION did not install"

# The committed revision, built from a clean export as bench/run.sh does.
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
  find "$SRC_DIR" -type f -exec touch {} +   # newer than any older export's build
  (cd "$SRC_DIR" && CARGO_TARGET_DIR="$ROOT/target/bench" cargo build --release)
  cp "$ROOT/target/bench/release/mxray" "$OUT/mxray"
  RIG_SCRIPTS=$SRC_DIR/tests/servers
  BUILT="commit $rev (clean export)"
fi
MXRAY=$OUT/mxray
"$RIG_SCRIPTS/install.sh" >&2
for cmd in kdig knotd; do command -v "$cmd" >/dev/null || die "$cmd missing after the rig's install.sh"; done

# --- 2. namespace, rig, Knot on port 53 ------------------------------------------------------
in_ns() { ip netns exec "$NS" "$@"; }
DELAYER_PID=
TCPDUMP_PID=
ETC_NETNS_CREATED=

running() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

# stop_pid PID: TERM, up to 2 s, then KILL; reaps it when it is our child.
stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 40); do running "$1" || break; sleep 0.05; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# The second knotd, by its pid file (only if that pid is a knotd).
stop_knot53() {
  local pid
  [[ -r $K53/run/knot.pid ]] || return 0
  pid=$(tr -dc '0-9' <"$K53/run/knot.pid")
  [[ -n $pid ]] && running "$pid" && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == knotd ]] || return 0
  stop_pid "$pid"
}

teardown() {
  [[ -z $TCPDUMP_PID ]] || stop_pid "$TCPDUMP_PID"
  TCPDUMP_PID=
  [[ -z $DELAYER_PID ]] || stop_pid "$DELAYER_PID"
  DELAYER_PID=
  stop_knot53
  if ip netns list | grep -qx "$NS\( .*\)\?"; then
    in_ns env MXRAY_RIG_DIR="$RIG_DIR" "$RIG_SCRIPTS/down.sh" >&2 || true
    ip netns del "$NS" || true
  fi
  rm -f "$NETNS_ETC/resolv.conf"
  [[ ! -d $NETNS_ETC ]] || rmdir "$NETNS_ETC" 2>/dev/null || true
  [[ -z $ETC_NETNS_CREATED ]] || rmdir /etc/netns 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  log "cleaning up (namespace $NS, rig $RIG_DIR)"
  teardown
  ((rc == 0)) || echo "bench/domain.sh: FAILED (exit $rc)" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

teardown   # what a killed run left (we hold the lock)
log "namespace $NS + rig in $RIG_DIR"
ip netns add "$NS"
ip -n "$NS" link set lo up
in_ns env MXRAY_RIG_DIR="$RIG_DIR" "$RIG_SCRIPTS/up.sh" >&2
# The namespace's system resolver, for checkdmarc's and curl's getaddrinfo. `ip netns exec`
# bind-mounts it into each command it starts from now on, but not into the rig's daemons,
# started above: they keep the root namespace's resolv.conf, whose server is unreachable
# from here, so Postfix's look-up of a client's PTR (::1 is not in /etc/hosts) fails at once,
# as in bench/run.sh. Through this file it would take two delayed round trips per
# connection, the server's resolver 25 ms away: an artifact no real MX has.
[[ -d /etc/netns ]] || ETC_NETNS_CREATED=1
mkdir -p "$NETNS_ETC"
echo "nameserver $DNS_IP" >"$NETNS_ETC/resolv.conf"
# shellcheck source=/dev/null
source "$RIG_DIR/rig.env"
CA=$MXRAY_RIG_CA

log "second knotd on $DNS (same zone files)"
mkdir -p "$K53/run" "$K53/db"
sed -e "s#$RIG_DIR/knot/run#$K53/run#g" \
  -e "s#^\( *listen:\).*#\1 [ $DNS_IP@53 ]#" \
  -e "s#\(storage: \"\)$RIG_DIR/knot/db\"#\1$K53/db\"#" \
  -e "s#\(target: \"\)$RIG_DIR/log/knot.log\"#\1$K53/knot.log\"#" \
  "$RIG_DIR/knot/knot.conf" >"$K53/knot.conf"
for want in "listen: [ $DNS_IP@53 ]" "storage: \"$K53/db\"" "pidfile: \"$K53/run/knot.pid\"" "target: \"$K53/knot.log\""; do
  grep -qF "$want" "$K53/knot.conf" || die "could not derive $K53/knot.conf from the rig's knot.conf ($want)"
done
touch "$K53/knot.log"
chown -R knot:knot "$K53"
in_ns knotd -d -c "$K53/knot.conf" </dev/null >>"$K53/knotd.stdio" 2>&1 || die "knotd on :53 did not start: $(tail -5 "$K53/knot.log")"
for _ in $(seq 100); do
  in_ns kdig +time=1 +retry=0 @"$DNS_IP" -p 53 "$GOOD" MX 2>/dev/null | grep -q 'status: NOERROR' && break
  sleep 0.05
done
in_ns kdig +time=1 +retry=0 @"$DNS_IP" -p 53 "$GOOD" MX | grep -q 'status: NOERROR' ||
  die "Knot does not answer on $DNS: $(tail -5 "$K53/knot.log")"

# --- the commands ----------------------------------------------------------------------------
MXC="--resolver $DNS --ca-file $CA --format json --fail-on never"
CDM_ENV="env REQUESTS_CA_BUNDLE=$CA SSL_CERT_FILE=$CA"
EACH="bash $HERE/each.sh"
DOMAIN_LIST=$(IFS=,; echo "${DOMAINS[*]}")
KDIG="kdig @$DNS_IP -p 53 +notcp +retry=0 +time=2 +noall"
declare -A CMD=(
  [mxray-dns-7]="$EACH $DOMAIN_LIST $MXRAY domain --no-probe $MXC"
  [checkdmarc-7]="$CDM_ENV $CHECKDMARC ${DOMAINS[*]} -n $DNS_IP"
  [mxray-full-7]="$EACH $DOMAIN_LIST $MXRAY domain $MXC"
  [checkdmarc-tls-7]="$CDM_ENV $CHECKDMARC ${DOMAINS[*]} -n $DNS_IP --check-mx-tls"
  [mxray-dns-good]="$MXRAY domain $GOOD --no-probe $MXC"
  [checkdmarc-good]="$CDM_ENV $CHECKDMARC $GOOD -n $DNS_IP"
  [mxray-full-good]="$MXRAY domain $GOOD $MXC"
  [checkdmarc-tls-good]="$CDM_ENV $CHECKDMARC $GOOD -n $DNS_IP --check-mx-tls"
  [mxray-dns-good-sel]="$MXRAY domain $GOOD --no-probe --dkim-selector default $MXC"
  [mxray-server-mail]="$MXRAY server mail.mxray.test --ports 25 --resolver $DNS --ca-file $CA --format json"
  [curl-policy]="curl -sS --fail --cacert $CA -o /dev/null $POLICY_URL"
  [mxray-dns-spf11]="$MXRAY domain spf11.mxray.test --no-probe $MXC"
  [mxray-start]="$MXRAY --version"
  [checkdmarc-start]="$CHECKDMARC --version"
)
MXRAY_IDS=(mxray-dns-7 mxray-full-7 mxray-dns-good mxray-full-good mxray-dns-good-sel
  mxray-server-mail curl-policy kdig-serial-good mxray-dns-spf11 kdig-serial-spf11 mxray-start)
CDM_IDS=(checkdmarc-7 checkdmarc-tls-7 checkdmarc-good checkdmarc-tls-good checkdmarc-start)

# capture TAG NAME CMD...: one run of CMD with its DNS queries and TCP connections captured
# (OUT/TAG-NAME.pcap, .out, .timeline.txt). tcpdump reads (--immediate-mode) and writes (-U)
# each packet at once, so none is left in a buffer when it is stopped.
capture() {
  local tag=$1 name=$2 t0 t1 rc=0
  shift 2
  # Not through in_ns: $! must be tcpdump itself (ip netns exec execs it). A background job
  # ignores SIGINT, so it is stopped with TERM (it still writes out what it captured).
  ip netns exec "$NS" tcpdump -i lo -n --immediate-mode -U -s 256 -w "$OUT/$tag-$name.pcap" 'udp port 53 or tcp' \
    2>"$OUT/$tag-$name.tcpdump.log" &
  TCPDUMP_PID=$!
  for _ in $(seq 100); do grep -q 'listening on' "$OUT/$tag-$name.tcpdump.log" && break; sleep 0.05; done
  grep -q 'listening on' "$OUT/$tag-$name.tcpdump.log" || die "tcpdump did not start: $(cat "$OUT/$tag-$name.tcpdump.log")"
  t0=$EPOCHREALTIME
  in_ns "$@" >"$OUT/$tag-$name.out" 2>"$OUT/$tag-$name.err" || rc=$?
  t1=$EPOCHREALTIME
  sleep 0.2   # the last packets
  stop_pid "$TCPDUMP_PID"
  TCPDUMP_PID=
  ((rc == 0)) || die "$name failed (exit $rc), see $OUT/$tag-$name.err"
  { echo "# wall time $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }') ms: $*"
    python3 "$HERE/timeline.py" "$OUT/$tag-$name.pcap"; } >"$OUT/$tag-$name.timeline.txt"
}

# check TAG: every tool once, output kept and checked (bench/domain/check.py).
check() {
  local tag=$1 d s
  log "[$tag] checks"
  for d in "${DOMAINS[@]}"; do
    s=${d%.mxray.test}
    # shellcheck disable=SC2086 # MXC is a word list on purpose
    in_ns "$MXRAY" domain "$d" --no-probe $MXC >"$OUT/$tag-check-mxray-dns-$s.json" || die "mxray domain $d --no-probe failed"
    python3 "$HERE/check.py" mxray "$OUT/$tag-check-mxray-dns-$s.json" "$d"
    # shellcheck disable=SC2086
    in_ns "$MXRAY" domain "$d" $MXC >"$OUT/$tag-check-mxray-full-$s.json" || die "mxray domain $d failed"
    python3 "$HERE/check.py" mxray "$OUT/$tag-check-mxray-full-$s.json" "$d" --probe
  done
  # shellcheck disable=SC2086
  in_ns ${CMD[checkdmarc-7]} >"$OUT/$tag-check-checkdmarc.json" 2>"$OUT/$tag-check-checkdmarc.err" ||
    die "checkdmarc failed, see $OUT/$tag-check-checkdmarc.err"
  python3 "$HERE/check.py" checkdmarc "$OUT/$tag-check-checkdmarc.json" "${DOMAINS[@]}"
  # shellcheck disable=SC2086
  in_ns ${CMD[checkdmarc-tls-7]} >"$OUT/$tag-check-checkdmarc-tls.json" 2>"$OUT/$tag-check-checkdmarc-tls.err" ||
    die "checkdmarc --check-mx-tls failed, see $OUT/$tag-check-checkdmarc-tls.err"
  python3 "$HERE/check.py" checkdmarc "$OUT/$tag-check-checkdmarc-tls.json" "${DOMAINS[@]}" --tls
  # shellcheck disable=SC2086
  in_ns ${CMD[mxray-server-mail]} >"$OUT/$tag-check-server.json" || die "mxray server failed"
  python3 "$HERE/check.py" server "$OUT/$tag-check-server.json"
  in_ns curl -sS --fail --cacert "$CA" "$POLICY_URL" >"$OUT/$tag-check-policy.txt" || die "curl $POLICY_URL failed"
  grep -q '^version: STSv1' "$OUT/$tag-check-policy.txt" || die "curl: no policy in $OUT/$tag-check-policy.txt"
  echo "  curl: policy fetched" >&2
}

# measure TAG RUNS CDM_RUNS: the hyperfine runs of one scenario.
measure() {
  local tag=$1 runs=$2 cdm_runs=$3 id args=()
  for id in "${MXRAY_IDS[@]}"; do args+=(-n "$id" "${CMD[$id]}"); done
  log "[$tag] hyperfine: mxray and its steps ($runs runs)"
  in_ns hyperfine -N --style basic --warmup 1 --runs "$runs" \
    --export-json "$OUT/$tag.json" --export-markdown "$OUT/$tag.md" "${args[@]}" >&2
  args=()
  for id in "${CDM_IDS[@]}"; do args+=(-n "$id" "${CMD[$id]}"); done
  log "[$tag] hyperfine: checkdmarc ($cdm_runs runs)"
  in_ns hyperfine -N --style basic --warmup 1 --runs "$cdm_runs" \
    --export-json "$OUT/$tag-checkdmarc.json" --export-markdown "$OUT/$tag-checkdmarc.md" "${args[@]}" >&2
}

rtt() { # rtt TAG [-6]: ping RTT in the namespace, ms (avg of 5)
  local f=$OUT/ping-$1${2:-}.txt
  if [[ ${2:-} == -6 ]]; then in_ns ping -6 -c 5 -i 0.2 ::1 >"$f"; else in_ns ping -c 5 -i 0.2 "$DNS_IP" >"$f"; fi
  awk -F/ '/^rtt/ {print $5}' "$f"
}

# --- 3. no added latency ---------------------------------------------------------------------
RTT0=$(rtt 0ms)
check 0ms
# mxray's own queries, captured at 0 ms, become the sequential references (kdig, one at a time).
# shellcheck disable=SC2086 # MXC is a word list on purpose
capture 0ms mxray-dns-good "$MXRAY" domain "$GOOD" --no-probe $MXC
# shellcheck disable=SC2086
capture 0ms mxray-dns-spf11 "$MXRAY" domain spf11.mxray.test --no-probe $MXC
for s in good spf11; do
  python3 "$HERE/timeline.py" --queries "$OUT/0ms-mxray-dns-$s.pcap" >"$OUT/queries-$s.txt"
  n=$(wc -l <"$OUT/queries-$s.txt")
  ((n >= 10)) || die "only $n DNS queries captured for mxray domain $s.mxray.test"
  CMD[kdig-serial-$s]="$KDIG $(tr '\n' ' ' <"$OUT/queries-$s.txt")"
  # shellcheck disable=SC2086 # a word list on purpose
  in_ns ${CMD[kdig-serial-$s]} >/dev/null || die "kdig (mxray's queries for $s, one at a time) failed"
  echo "  kdig-serial-$s: $n queries" >&2
done
{
  for id in "${MXRAY_IDS[@]}" "${CDM_IDS[@]}"; do printf '%s\t%s\n' "$id" "${CMD[$id]}"; done
} >"$OUT/commands.tsv"
measure 0ms "$RUNS" "$RUNS"

# --- 4. 50 ms RTT ------------------------------------------------------------------------------
log "adding ${DELAY_MS} ms each way on lo"
if in_ns tc qdisc add dev lo root netem delay "${DELAY_MS}ms" 2>"$OUT/netem.txt"; then
  DELAY_METHOD="tc netem delay ${DELAY_MS}ms on lo"
else
  echo "netem unavailable ($(tr -d '\n' <"$OUT/netem.txt")): NFQUEUE + bench/delay.py" >&2
  # See bench/run.sh: a packet held in NFQUEUE stays charged to its socket (autocorking).
  in_ns sysctl -qw net.ipv4.tcp_autocorking=0
  # One queue for both families: the kernel ignores delay.py's per-family bind (since 3.8).
  in_ns iptables -I OUTPUT -o lo -j NFQUEUE --queue-num 0 --queue-bypass
  in_ns ip6tables -I OUTPUT -o lo -j NFQUEUE --queue-num 0 --queue-bypass
  rm -f "$OUT/delay.ready"
  # Ahead of the other processes on a shared machine, or its own scheduling delay adds to
  # every packet's (seen as a 70 ms ping on a loaded 2-core machine).
  ip netns exec "$NS" nice -n -10 python3 "$ROOT/bench/delay.py" 0 "$DELAY_MS" "$OUT/delay.ready" 2>"$OUT/delay.log" &
  DELAYER_PID=$!
  for _ in $(seq 100); do [[ -s $OUT/delay.ready ]] && break; sleep 0.05; done
  if [[ ! -s $OUT/delay.ready ]] || ! kill -0 "$DELAYER_PID"; then
    die "bench/delay.py did not start: $(cat "$OUT/delay.log")"
  fi
  DELAY_METHOD="kernel has no sch_netem: iptables + ip6tables NFQUEUE on lo OUTPUT + bench/delay.py ${DELAY_MS}ms each way, tcp_autocorking=0"
fi
RTT50=$(rtt 50ms)
RTT50_6=$(rtt 50ms -6)
for r in "$RTT50" "$RTT50_6"; do
  awk -v r="$r" -v d="$DELAY_MS" 'BEGIN { exit !(r >= 2*d - 5 && r <= 2*d + 15) }' ||
    die "ping RTT is $r ms (IPv4 $RTT50, IPv6 $RTT50_6), expected about $((2 * DELAY_MS)) ms"
done
echo "ping RTT $RTT50 ms (IPv6 $RTT50_6 ms): $DELAY_METHOD" >&2
check 50ms
log "[50ms] timelines (tcpdump)"
# shellcheck disable=SC2086 # MXC is a word list on purpose
capture 50ms mxray-dns-good "$MXRAY" domain "$GOOD" --no-probe $MXC
# shellcheck disable=SC2086
capture 50ms mxray-dns-spf11 "$MXRAY" domain spf11.mxray.test --no-probe $MXC
# shellcheck disable=SC2086
capture 50ms mxray-full-good "$MXRAY" domain "$GOOD" $MXC
capture 50ms checkdmarc-good env REQUESTS_CA_BUNDLE="$CA" SSL_CERT_FILE="$CA" "$CHECKDMARC" "$GOOD" -n "$DNS_IP"
capture 50ms checkdmarc-tls-good env REQUESTS_CA_BUNDLE="$CA" SSL_CERT_FILE="$CA" "$CHECKDMARC" "$GOOD" -n "$DNS_IP" --check-mx-tls
measure 50ms "$LAT_RUNS" "$CDM_LAT_RUNS"
[[ -z $DELAYER_PID ]] || kill -0 "$DELAYER_PID" || die "bench/delay.py died during the run: $(cat "$OUT/delay.log")"

# --- 5. report -----------------------------------------------------------------------------------
{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc=$(nproc)"
  echo "kernel=$(uname -r)"
  echo "cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "mem=$(awk '/^MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "commit=$BUILT"
  echo "mxray=$("$MXRAY" --version)"
  echo "checkdmarc=$("$CHECKDMARC" --version) (Python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())'))"
  echo "knot=$(knotd --version | head -1)"
  echo "curl=$(curl --version | head -1 | cut -d' ' -f1-2)"
  echo "kdig=$(kdig --version | head -1)"
  echo "hyperfine=$(hyperfine --version)"
  echo "rtt_0ms=$RTT0"
  echo "rtt_50ms=$RTT50"
  echo "rtt6_50ms=$RTT50_6"
  echo "delay_method=$DELAY_METHOD"
  echo "runs=$RUNS"
  echo "lat_runs=$LAT_RUNS"
  echo "cdm_lat_runs=$CDM_LAT_RUNS"
  echo "domains=${DOMAINS[*]}"
} >"$OUT/meta.txt"
python3 "$HERE/report.py" "$OUT" >"$OUT/results.md"
log "results ($OUT/results.md)"
cat "$OUT/results.md"
