#!/usr/bin/env bash
# Starts the rig's Courier IMAP/POP3 daemons (Debian's courier-imap/courier-pop, unpacked by
# install.sh under $2) for the rig in $1. Run by up.sh inside `unshare --mount`: Courier's
# authlib has its paths compiled in (/etc/courier/authdaemonrc and userdb.dat,
# /run/courier/authdaemon/socket, modules in /usr/lib/courier-authlib), so this private mount
# namespace binds the rig's own directories over them and nothing outside sees Courier.
# Writes one pid file per daemon into $1/courier/pids/ and leaves them running.
# With $3 = authdown (a namespace of its own): courierdown.mxray.test, whose authdaemond is not
# running, so every login meets Courier's "temporary problem".
set -euo pipefail
RIG=$1 C=$2 MODE=${3:-main}
D=$RIG/courier
mount --make-rprivate /
mount --bind "$D/etc" /etc/courier
if [[ $MODE == authdown ]]; then
  mount --bind "$D/run-authdown" /run/courier
else
  mount --bind "$D/run" /run/courier
fi
mount --bind "$C/usr/lib/courier-authlib" /usr/lib/courier-authlib
export LD_LIBRARY_PATH=$C/usr/lib:$C/usr/lib/x86_64-linux-gnu
L=$C/usr/lib/courier

# spawn NAME ENV... -- CMD...: a daemon in its own session, stdio into the rig's log dir.
spawn() {
  local name=$1; shift
  local envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  setsid env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH="$LD_LIBRARY_PATH" "${envs[@]}" "$@" \
    </dev/null >>"$RIG/log/courier-$name.log" 2>&1 &
  echo $! >"$D/pids/$name.pid"
}

TCPD=(-maxprocs=20 -maxperip=20 -nodnslookup -noidentlookup)
# host NAME ADDR TLS_REQUIRED TLS_PRIORITY: IMAP 143 (STARTTLS) and 993, POP3 110 (STLS) and 995.
# On 993/995 IMAP_TLS / POP3_TLS tell the login programs that couriertls is in front of them,
# and STARTTLS must be off there: otherwise they announce STARTTLS and, with TLS required,
# LOGINDISABLED inside TLS and refuse every login ("NO STARTTLS required").
host() {
  local name=$1 addr=$2 req=$3 prio=$4 cert=${5:-$D/etc/$1.pem}
  local tls=(COURIERTLS="$C/usr/bin/couriertls" TLS_CERTFILE="$cert"
    TLS_PRIORITY="$prio" TLS_VERIFYPEER=NONE TLS_CACHEFILE= TLS_DHPARAMS="$D/etc/dhparams.pem")
  local imap=(IMAP_CAPABILITY="IMAP4rev1 UIDPLUS CHILDREN NAMESPACE IDLE"
    IMAP_CAPABILITY_TLS="IMAP4rev1 UIDPLUS CHILDREN NAMESPACE IDLE AUTH=PLAIN"
    IMAP_STARTTLS=YES IMAP_TLS_REQUIRED="$req" IMAP_USELOCKS=1 IMAP_UMASK=022
    IMAP_TRASHFOLDERNAME=Trash IMAP_EMPTYTRASH= IMAP_MOVE_EXPUNGE_TO_TRASH=0
    IMAP_ULIMITD=131072 HEADERFROM=X-IMAP-Sender IMAP_IDLE_TIMEOUT=60
    AUTHSERVICE143=imap AUTHSERVICE993=imaps)
  local pop=(POP3AUTH="" POP3AUTH_TLS="LOGIN PLAIN" POP3_STARTTLS=YES POP3_TLS_REQUIRED="$req")
  spawn "$name-imap" "${tls[@]}" "${imap[@]}" -- "$C/usr/sbin/couriertcpd" -address="$addr" \
    "${TCPD[@]}" 143 "$L/courier/imaplogin" "$C/usr/bin/imapd" Maildir
  spawn "$name-imaps" "${tls[@]}" "${imap[@]}" IMAP_TLS=1 IMAP_STARTTLS=NO IMAP_TLS_REQUIRED=0 -- "$C/usr/sbin/couriertcpd" \
    -address="$addr" "${TCPD[@]}" 993 "$C/usr/bin/couriertls" -server -tcpd -user=courier \
    "$L/courier/imaplogin" "$C/usr/bin/imapd" Maildir
  spawn "$name-pop3" "${tls[@]}" "${pop[@]}" -- "$C/usr/sbin/couriertcpd" -address="$addr" \
    "${TCPD[@]}" 110 "$L/courier/courierpop3login" "$L/courier/courierpop3d" Maildir
  spawn "$name-pop3s" "${tls[@]}" "${pop[@]}" POP3_TLS=1 POP3_STARTTLS=NO POP3_TLS_REQUIRED=0 -- \
    "$C/usr/sbin/couriertcpd" -address="$addr" "${TCPD[@]}" 995 "$C/usr/bin/couriertls" -server -tcpd -user=courier \
    "$L/courier/courierpop3login" "$L/courier/courierpop3d" Maildir
}
if [[ $MODE == authdown ]]; then
  host courierdown 127.0.0.58 1 'NORMAL:-VERS-TLS1.0:-VERS-TLS1.1'
else
  spawn authdaemond -- "$L/courier-authlib/authdaemond"
  host courier 127.0.0.55 1 'NORMAL:-VERS-TLS1.0:-VERS-TLS1.1'
  host courierbad 127.0.0.56 0 'NORMAL:+VERS-TLS1.1:+VERS-TLS1.0:%COMPAT'
  # couriernotls: STARTTLS announced, but the certificate file is missing, so couriertls
  # cannot start after the go-ahead and the server answers the handshake in plain text.
  host couriernotls 127.0.0.59 0 'NORMAL' "$D/etc/missing.pem"
fi
