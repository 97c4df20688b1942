#!/usr/bin/env bash
# The peers' way to learn what `mxray server IP --ports 25,465,587,993,995` learns
# about the rig's clean host, one port after another (bench/run.sh times the whole
# script as one command):
#   25, 587  swaks: connect, greeting, EHLO, STARTTLS, TLS handshake (chain verified
#            against CA_FILE, SNI = TLS_NAME), peer certificate printed, EHLO again, QUIT
#   465      swaks --tls-on-connect: TLS handshake (same checks), greeting, EHLO, QUIT
#   993      openssl s_client: TLS handshake (chain and host name verified), greeting,
#            CAPABILITY, LOGOUT (sent at once; -ign_eof waits for the server to close)
#   995      openssl s_client: the same with POP3 CAPA, QUIT
# Fails (non-zero) if any step fails, so a broken peer cannot look fast.
# What the peers skip and mxray does: PTR + forward-confirmed reverse DNS, the
# TLS 1.0/1.1 probes, the host-name check on the SMTP ports (swaks verifies the
# chain only), AUTH-before-TLS analysis and the diagnosis.
#
# Usage: bench/peers.sh CA_FILE [IP [TLS_NAME]]   (defaults: 127.0.0.10 mail.mxray.test)
set -euo pipefail

if (($# < 1 || $# > 3)); then
  echo "usage: $0 CA_FILE [IP [TLS_NAME]]" >&2
  exit 2
fi
ca=$1
ip=${2:-127.0.0.10}
name=${3:-mail.mxray.test}

# smtp PORT TLS_FLAG: --tls (STARTTLS after EHLO) or --tls-on-connect (implicit TLS).
# --quit-after EHLO: with STARTTLS, QUIT after the EHLO that follows TLS.
smtp() {
  swaks --server "$ip" --port "$1" "$2" --quit-after EHLO --timeout 30 \
    --tls-verify --tls-ca-path "$ca" --tls-sni "$name" --tls-get-peer-cert
}

# mailbox PORT COMMAND...: implicit TLS, then the given lines (CRLF-terminated).
mailbox() {
  local port=$1
  shift
  printf '%s\r\n' "$@" |
    timeout 60 openssl s_client -connect "$ip:$port" -servername "$name" \
      -verify_hostname "$name" -CAfile "$ca" -verify_return_error -ign_eof -brief
}

smtp 25 --tls
smtp 587 --tls
smtp 465 --tls-on-connect
mailbox 993 'a CAPABILITY' 'a LOGOUT'
mailbox 995 'CAPA' 'QUIT'
