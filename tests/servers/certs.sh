#!/usr/bin/env bash
# Generates the rig's test PKI under $1 (the rig state dir), fresh on every start:
#   ca/ca.pem, ca/ca.key          test CA (the trust anchor the tests pin)
#   certs/NAME.key, certs/NAME.pem  leaf key and certificate
#   certs/NAME.chain.pem            key + certificate, the form Postfix's
#                                   smtpd_tls_chain_files takes
# Leaves: mail, plainauth, closed, legacy (valid, CA-signed for NAME.mxray.test;
# one key shared by these four "well-run" hosts); expired (CA-signed, validity
# entirely in the past); wrongname (CA-signed, but for other.mxray.test only);
# selfsigned (self-signed). All RSA 2048 / SHA-256 / serverAuth.
set -euo pipefail

RIG=$1
CONF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/conf/openssl-ca.cnf"
export RIG_CA_DIR="$RIG/ca" RIG_SAN=unused OPENSSL_CONF=/dev/null
mkdir -p "$RIG_CA_DIR/issued" "$RIG/certs"
: >"$RIG_CA_DIR/index.txt"
C=$RIG/certs

newkey() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }

# Key generation is the slow part (~0.2 s CPU per RSA-2048 key, on a 2-core box
# often shared with compilers): as few keys as possible, made in parallel.
pids=()
newkey "$RIG_CA_DIR/ca.key" & pids+=($!)
for n in mail expired wrongname selfsigned; do
  newkey "$C/$n.key" & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
for n in plainauth closed legacy; do cp "$C/mail.key" "$C/$n.key"; done

stamp() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
# Valid leaves start a day back so small clock differences never matter.
NOW_START=$(stamp '-1 day') NOW_END=$(stamp '+1 year')

# sign CERTNAME SAN [STARTDATE ENDDATE] — CA-signed leaf for SAN.
sign() {
  local n=$1 san=$2 start=${3:-$NOW_START} end=${4:-$NOW_END}
  openssl req -new -config "$CONF" -key "$C/$n.key" -subj "/CN=$san" -out "$C/$n.csr"
  RIG_SAN=$san openssl ca -batch -notext -config "$CONF" -extensions leaf_ext \
    -startdate "$start" -enddate "$end" -in "$C/$n.csr" -out "$C/$n.pem" 2>/dev/null
  rm -f "$C/$n.csr"
}

# CA: backdated so that the expired leaf was issued inside the CA's validity
# (a realistic "expired", not "issued before its issuer existed").
openssl req -new -config "$CONF" -key "$RIG_CA_DIR/ca.key" -subj "/CN=mxray rig test CA" \
  -out "$RIG_CA_DIR/ca.csr"
openssl ca -batch -notext -selfsign -config "$CONF" -keyfile "$RIG_CA_DIR/ca.key" \
  -extensions ca_ext -startdate 20200101000000Z \
  -enddate "$(stamp '+10 years')" \
  -in "$RIG_CA_DIR/ca.csr" -out "$RIG_CA_DIR/ca.pem" 2>/dev/null
rm -f "$RIG_CA_DIR/ca.csr"

sign mail mail.mxray.test
sign plainauth plainauth.mxray.test
sign closed closed.mxray.test
sign legacy legacy.mxray.test
sign wrongname other.mxray.test
sign expired expired.mxray.test 20210101000000Z 20220101000000Z

openssl req -x509 -config "$CONF" -key "$C/selfsigned.key" -sha256 -days 365 \
  -subj "/CN=selfsigned.mxray.test" \
  -addext "basicConstraints=critical,CA:FALSE" \
  -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
  -addext "extendedKeyUsage=serverAuth" \
  -addext "subjectAltName=DNS:selfsigned.mxray.test" \
  -out "$C/selfsigned.pem"

for n in mail expired wrongname selfsigned plainauth closed legacy; do
  cat "$C/$n.key" "$C/$n.pem" >"$C/$n.chain.pem"
done
chmod 644 "$RIG_CA_DIR/ca.pem" "$C"/*.pem
chmod 600 "$RIG_CA_DIR/ca.key" "$C"/*.key "$C"/*.chain.pem
