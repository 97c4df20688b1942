#!/usr/bin/env bash
# Starts the mxray real-server test rig (Knot DNS, Postfix, Dovecot, nginx) without systemd,
# under ${MXRAY_RIG_DIR:-/tmp/mxray-rig}, wiped and recreated on every start.
# Writes $RIG/rig.env for the end-to-end tests; see README.md for the topology.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
T0=$EPOCHREALTIME

PASSWORD=mxray-rig-alice   # alice@mxray.test (fixed: throwaway data on loopback)
PASSWORD2=mxray-rig-bob    # bob@mxray.test
MAILUID=65534              # nobody/nogroup owns all mail (Postfix virtual + Dovecot)

for cmd in knotd kdig dovecot postfix nginx openssl ss; do
  command -v "$cmd" >/dev/null || { echo "up.sh: $cmd missing: run tests/servers/install.sh" >&2; exit 1; }
done
if [[ -d $RIG && -n "$(ls -A "$RIG")" && ! -e $RIG/.mxray-rig ]]; then
  echo "up.sh: $RIG exists and is not a rig dir; refusing to wipe it" >&2; exit 1
fi

# --- fresh PKI, made while a previous rig shuts down (Dovecot takes ~1 s) ----
PKI=$(mktemp -d "$RIG.pki.XXXXXX")
trap 'rm -rf "$PKI"' EXIT
"$HERE/certs.sh" "$PKI" 2>"$PKI/certs.log" &
certs_job=$!

"$HERE/down.sh" >/dev/null
rm -rf "$RIG"
mkdir -p "$RIG"/{log,knot/run,knot/db,knot/zones,dovecot/run,dovecot/state,postfix,postfix-queue,mail,nginx/tmp}
touch "$RIG/.mxray-rig"

# Every listener the rig must end up with: "daemon proto addr:port".
# Postfix's are read from master.cf so the two never drift apart.
EXPECTED=()
for a in 127.0.0.1 '[::1]'; do EXPECTED+=("knot tcp $a:5300" "knot udp $a:5300"); done
for a in 127.0.0.10 '[::1]'; do for p in 110 143 993 995; do EXPECTED+=("dovecot tcp $a:$p"); done; done
EXPECTED+=("nginx tcp 127.0.0.30:443" "nginx tcp 127.0.0.30:80")
while read -r l; do EXPECTED+=("postfix tcp $l"); done \
  < <(awk '$2 == "inet" {print $1}' "$HERE/conf/master.cf")
# The other servers (up_other.sh).
for a in 127.0.0.50 127.0.0.51; do for p in 25 587 465; do EXPECTED+=("exim tcp $a:$p"); done; done
EXPECTED+=("exim tcp 127.0.0.51:2525")
EXPECTED+=("aiosmtpd tcp 127.0.0.52:587" "aiosmtpd tcp 127.0.0.52:465" "aiosmtpd tcp 127.0.0.54:587")
EXPECTED+=("opensmtpd tcp 127.0.0.60:25")
for a in 127.0.0.55 127.0.0.56 127.0.0.58 127.0.0.59; do for p in 110 143 993 995; do EXPECTED+=("courier tcp $a:$p"); done; done

# missing: prints the EXPECTED entries that are not listening right now.
missing() {
  local -A up=()
  local s e
  while read -r s; do up[$s]=1; done < <(ss -Hlnt | awk '{print "tcp " $4}'; ss -Hlnu | awk '{print "udp " $4}')
  for e in "${EXPECTED[@]}"; do [[ -n ${up[${e#* }]:-} ]] || echo "$e"; done
}

fail() { # fail DAEMON MESSAGE: report with the daemon's logs, stop everything, exit 1.
  echo "up.sh: $1: $2" >&2
  for f in "$RIG/log/$1.log" "$RIG/log/$1.stdio"; do
    [[ -s $f ]] && { echo "--- tail of $f" >&2; tail -n 15 "$f" >&2; }
  done
  wait || true   # let background starts finish, so down.sh sees their pid files
  "$HERE/down.sh" >/dev/null 2>&1 || true
  exit 1
}

# Something else already on our sockets (a rig in another dir, a system daemon)?
busy=$(missing | sort | comm -13 - <(printf '%s\n' "${EXPECTED[@]}" | sort) | cut -d' ' -f2- | head -4)
[[ -z $busy ]] || fail rig "already in use by another process (see ss -lntup): $(echo "$busy" | tr "\n" " ")..."

render() { sed "s#@RIG@#$RIG#g" "$HERE/conf/$1" >"$2"; }

# Daemons get stdin from /dev/null and stdout/stderr into files: an inherited
# stdout would keep the caller's pipe open (hangs `up.sh | tee`, Command::output()).
start() { local name=$1; shift; "$@" </dev/null >>"$RIG/log/$name.stdio" 2>&1; }

# --- Postfix: private instance, config dir $RIG/postfix ---------------------
# Its master loads no certificate (each smtpd does, per connection), so it
# starts while the certificates are still being made.
# `postfix start` runs check-fatal (creates the queue dirs, checks the config)
# and check-warn (warnings only, ~0.5-1 s of find/postconf on a busy box).
# The quick-start file is postfix-script's own switch to skip both after we
# ran check-fatal ourselves.
render main.cf "$RIG/postfix/main.cf"
render master.cf "$RIG/postfix/master.cf"
printf '%s\n' "alice@mxray.test mxray.test/alice/" "bob@mxray.test mxray.test/bob/" >"$RIG/postfix/vmailbox"
printf '%s\n' "alice@mxray.test alice@mxray.test" "bob@mxray.test bob@mxray.test" >"$RIG/postfix/senders"
# Postfix sleeps (300 ms steps) until a config or texthash file it reads is at
# least a second old, against half-written files: backdate ours.
touch -d "@$((EPOCHSECONDS - 5))" "$RIG"/postfix/{main.cf,master.cf,vmailbox,senders}
( start postfix postfix -c "$RIG/postfix" check-fatal &&
  touch "$RIG/postfix-queue/quick-start" &&
  start postfix postfix -c "$RIG/postfix" start ) &
postfix_job=$!

# --- mailboxes: alice and bob, Maildirs owned by the uid both servers use ----
printf '%s:{PLAIN}%s:%s:%s::\n' alice@mxray.test "$PASSWORD" $MAILUID $MAILUID \
  bob@mxray.test "$PASSWORD2" $MAILUID $MAILUID >"$RIG/dovecot/users"
chown root:dovecot "$RIG/dovecot/users"; chmod 640 "$RIG/dovecot/users"
for u in alice bob; do mkdir -p "$RIG/mail/mxray.test/$u"/{cur,new,tmp}; done
chown -R $MAILUID:$MAILUID "$RIG/mail"; chmod -R u=rwX,g=rX,o= "$RIG/mail"

# --- certificates in place, then what loads them or depends on them at start ----
wait "$certs_job" || { mv "$PKI/certs.log" "$RIG/log/certs.log"; fail certs "certificate generation failed"; }
mv "$PKI/ca" "$PKI/certs" "$RIG/"
mv "$PKI/certs.log" "$RIG/log/certs.log"

# Knot: the zone carries the TLSA record of tlsaok.mxray.test, the SHA-256 of the public key
# (SPKI, DER) of the certificate just made (DANE-EE 3 1 1).
if ! spki=$(openssl x509 -in "$RIG/certs/tlsaok.pem" -noout -pubkey | openssl pkey -pubin -outform DER |
  sha256sum) || [[ ! ${spki%% *} =~ ^[0-9a-f]{64}$ ]]; then
  fail certs "no SPKI hash for tlsaok's certificate"
fi
spki=${spki%% *}
render knot.conf "$RIG/knot/knot.conf"
for z in "$HERE"/conf/zones/*.zone; do
  sed "s#@TLSAOK_SPKI_SHA256@#$spki#g" "$z" >"$RIG/knot/zones/${z##*/}"
done
touch "$RIG/log/knot.log"
chown -R knot:knot "$RIG/knot" "$RIG/log/knot.log"
start knot knotd -d -c "$RIG/knot/knot.conf" || fail knot "knotd did not start"

# nginx: MTA-STS policies (conf/mta-sts/*.txt) and autoconfig files (conf/autoconfig/*.xml);
# conf/nginx.conf picks one per host name.
render nginx.conf "$RIG/nginx/nginx.conf"
cp -r "$HERE/conf/mta-sts" "$RIG/nginx/mta-sts"
cp -r "$HERE/conf/autoconfig" "$RIG/nginx/autoconfig"
chmod -R a+rX "$RIG/nginx/mta-sts" "$RIG/nginx/autoconfig"
touch "$RIG/log/nginx.log"
start nginx nginx -p "$RIG/nginx" -c "$RIG/nginx/nginx.conf" -e "$RIG/log/nginx.log" ||
  fail nginx "nginx did not start"

render dovecot.conf "$RIG/dovecot/dovecot.conf"
start dovecot dovecot -c "$RIG/dovecot/dovecot.conf" || fail dovecot "dovecot did not start"
"$HERE/up_other.sh" "$PASSWORD" || fail other "the other servers did not start (up_other.sh)"
wait "$postfix_job" || fail postfix "postfix start failed"

# --- readiness (bounded) ------------------------------------------------------
deadline=$((SECONDS + 15))
while gone=$(missing) && [[ -n $gone ]]; do
  if ((SECONDS >= deadline)); then
    read -r daemon proto addr <<<"$gone"
    fail "$daemon" "nothing listens on $proto $addr after 15 s"
  fi
  sleep 0.05
done

# Listening is not answering: a bad per-listener option only shows when smtpd
# starts. Read the greeting of every plaintext listener and query Knot on each
# socket, all in parallel. (Implicit-TLS ports were checked as listening above;
# their certificates are the ones the same host's plaintext ports load.)
greet() { # greet ADDR PORT EXPECTED_PREFIX
  # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
  timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" && IFS= read -r -t 4 l <&3 && [[ $l == "$2"* ]]' \
    "${1//[\[\]]/}" "$2" "$3"
}
dns() { kdig +time=1 +retry=2 "$1" @"$2" -p 5300 mxray.test SOA | grep -q 'status: NOERROR'; }
sts() { # sts ADDR PORT NAME: NAME's policy, fetched as mxray does (SNI; name and chain checked against the CA)
  local out
  out=$(printf 'GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$3" |
    timeout 5 openssl s_client -quiet -connect "$1:$2" -servername "$3" -verify_hostname "$3" \
      -CAfile "$RIG/ca/ca.pem" -verify_return_error 2>/dev/null) || return 1
  [[ $out == "HTTP/1.1 200 "* && $out == *$'\r\nContent-Type: text/plain\r\n'* && $out == *$'\nversion: STSv1\n'* ]]
}
autoconfig() { # autoconfig ADDR NAME PATH: an autoconfig file over HTTPS, checked like sts
  local out
  out=$(printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$3" "$2" |
    timeout 5 openssl s_client -quiet -connect "$1:443" -servername "$2" -verify_hostname "$2" \
      -CAfile "$RIG/ca/ca.pem" -verify_return_error 2>/dev/null) || return 1
  [[ $out == "HTTP/1.1 200 "* && $out == *$'\r\nContent-Type: application/xml\r\n'* && $out == *"<clientConfig"* ]]
}
autoconfig_http() { # autoconfig_http ADDR NAME: the plain-HTTP-only file on port 80
  # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
  timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/80" &&
    printf "GET /mail/config-v1.1.xml HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" "$1" >&3 &&
    out=$(cat <&3) && [[ $out == "HTTP/1.1 200 "* && $out == *"<clientConfig"* ]]' "$1" "$2"
}
declare -A jobs=()
for e in "${EXPECTED[@]}"; do
  read -r daemon proto addr <<<"$e"
  port=${addr##*:}; host=${addr%:*}; host=${host//[\[\]]/}
  case $daemon:$proto:$port in
    knot:udp:*) dns +notcp "$host" & ;;
    knot:tcp:*) dns +tcp "$host" & ;;
    nginx:tcp:443) { sts "$host" "$port" mta-sts.good.mxray.test &&
        autoconfig "$host" autoconfig.disco.mxray.test /mail/config-v1.1.xml &&
        autoconfig "$host" acdisco.mxray.test /.well-known/autoconfig/mail/config-v1.1.xml; } & ;;
    nginx:tcp:80) autoconfig_http "$host" autoconfig.discohttp.mxray.test & ;;
    *:465|*:10465|*:993|*:995) continue ;;
    *:143) greet "$host" "$port" '* OK' & ;;
    *:110) greet "$host" "$port" '+OK' & ;;
    *) greet "$host" "$port" '220 ' & ;;
  esac
  jobs[$!]="$daemon $proto $addr"
done
for pid in "${!jobs[@]}"; do
  wait "$pid" || fail "${jobs[$pid]%% *}" "no proper greeting/answer on ${jobs[$pid]#* }"
done

# Some mistakes only warn: e.g. smtpd with an unreadable certificate still
# greets but answers STARTTLS with "454 TLS not available". Any warning is a bug here.
for d in postfix dovecot knot nginx; do
  if bad=$(grep -iE 'warning|error|fatal|panic|critical|\[(warn|alert|emerg)\]' "$RIG/log/$d.log"); then
    fail "$d" "problems logged at start:"$'\n'"$(head -5 <<<"$bad")"
  fi
done
for f in "$RIG"/log/exim/*-panic.log "$RIG"/log/courier-*.log "$RIG/log/aiosmtpd.log"; do
  [[ -e $f ]] || continue
  if bad=$(grep -iE 'warning|error|fatal|panic|critical|traceback' "$f"); then
    fail other "problems logged at start in $f:"$'\n'"$(head -5 <<<"$bad")"
  fi
done

# --- hand-over ------------------------------------------------------------------
printf 'export %s=%q\n' \
  MXRAY_RIG_DIR "$RIG" \
  MXRAY_RIG_DNS 127.0.0.1:5300 \
  MXRAY_RIG_CA "$RIG/ca/ca.pem" \
  MXRAY_RIG_USER alice@mxray.test \
  MXRAY_RIG_PASSWORD "$PASSWORD" \
  MXRAY_RIG_MAILDIR "$RIG/mail/mxray.test/alice" \
  MXRAY_RIG_USER2 bob@mxray.test \
  MXRAY_RIG_PASSWORD2 "$PASSWORD2" >"$RIG/rig.env"

cat <<SUMMARY
mxray rig up in $(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}') s — state $RIG; env: source $RIG/rig.env
  DNS (Knot)  127.0.0.1:5300 [::1]:5300 udp+tcp  mxray.test, 0.0.127.in-addr.arpa, ::/64 ip6.arpa, rua.test
  domains     good, spf11, voids, dnone, dkim, nullmx, cnamemx, nomx, stsbad, daneok, ... .mxray.test (README)
  MTA-STS     127.0.0.30:443    nginx, https://mta-sts.DOMAIN/.well-known/mta-sts.txt
  autoconfig  127.0.0.30:443/80 nginx, disco, acdisco, discoconflict, discohttp, discobadcert .mxray.test
  DNSBL       bl.mxray.test     lists 127.0.0.10 (--dnsbl-zone bl.mxray.test)
  mail        127.0.0.10 [::1]  smtp 25/587/465, imap 143/993, pop3 110/995 (clean)
  expired     127.0.0.11        smtp 25/587/465, expired certificate
  wrongname   127.0.0.12        smtp 25/587/465, certificate for other.mxray.test
  selfsigned  127.0.0.13        smtp 25/587/465, self-signed certificate
  notls       127.0.0.14        smtp 25/587, no STARTTLS, AUTH in clear on 587
  plainauth   127.0.0.15        smtp 25/587/465, 587 offers AUTH before STARTTLS
  closed      127.0.0.16        smtp 25 only
  legacy      127.0.0.17        smtp 25, STARTTLS also accepts TLS 1.0/1.1
  noptr .18, badptr .19 (PTR -> elsewhere .20): nothing listens
  soon        127.0.0.21        smtp 25, certificate expires in 10 days
  future      127.0.0.22        smtp 25, certificate valid only from 30 days ahead
  weakkey     127.0.0.23        smtp 25, RSA-1024 certificate
  chain       127.0.0.24        smtp 25, leaf from an intermediate CA, sent without it
  fullchain   127.0.0.25        smtp 25, the same, sent with the intermediate (clean)
  banner      127.0.0.26        smtp 25, greets as relay.internal.example
  oldtls      127.0.0.27        smtp 25, STARTTLS with only TLS 1.0/1.1
  tlsaok      127.0.0.31        smtp 25 (clean), TLSA 3 1 1 matching its key
  tlsabad     127.0.0.32        smtp 25 (clean), TLSA 3 1 1 matching nothing
  exim        127.0.0.50        Exim 25/587/465 (clean; user alice)
  eximbad     127.0.0.51        Exim 25 expired cert + TLS 1.0/1.1, 587 AUTH before TLS, 435 on AUTH, 2525 no TLS
  aiosmtpd    127.0.0.52        aiosmtpd 587/465 (clean; user alice); aiosmtpdbad .54: 587 no TLS, AUTH in clear
  opensmtpd   127.0.0.60        OpenSMTPD 6.8 on 25: STARTTLS answered with the internal_error alert
  courier     127.0.0.55        Courier IMAP 143/993, POP3 110/995 (TLS required; user alice)
  courierbad  127.0.0.56        Courier, plaintext login allowed, self-signed cert, TLS 1.0/1.1
  courierdown 127.0.0.58        Courier whose authdaemond is down: every login gets a temporary problem
  couriernotls 127.0.0.59       Courier whose certificate file is missing: STARTTLS, then plain text
  users       alice@mxray.test / $PASSWORD, bob@mxray.test / $PASSWORD2
SUMMARY
