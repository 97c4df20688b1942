#!/usr/bin/env bash
# Generates the rig's test PKI under $1 (the rig state dir), fresh on every start:
#   ca/ca.pem, ca/ca.key          test CA (the trust anchor the tests pin)
#   ca/intermediate.pem, .key     intermediate CA signed by the test CA (EC P-256)
#   certs/NAME.key, certs/NAME.pem  leaf key and certificate
#   certs/NAME.chain.pem            key + certificate(s), the form Postfix's
#                                   smtpd_tls_chain_files takes
# Leaves: mail, plainauth, closed, legacy, soon, future, banner, oldtls, chain,
# fullchain, tlsaok, tlsabad (CA-signed for NAME.mxray.test; one key shared by these
# "well-run" hosts); mta-sts (the same key; CA-signed for every name of
# conf/zones/mxray.test.zone with A 127.0.0.30: nginx's MTA-STS policy and autoconfig hosts); expired (CA-signed, validity entirely in the past); wrongname
# (CA-signed, but for other.mxray.test only); selfsigned (self-signed).
# All RSA 2048 / SHA-256 / serverAuth, except:
#   soon       valid, but expires 10 days (and 12 hours) after the rig starts
#   future     valid only from 30 days after the rig starts
#   weakkey    RSA 1024 key
#   chain      issued by the intermediate, with an AIA caIssuers URL;
#              chain.chain.pem holds the leaf only (the intermediate is left out)
#   fullchain  the same kind of leaf; fullchain.chain.pem holds leaf + intermediate
set -euo pipefail

RIG=$1
CONF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/conf/openssl-ca.cnf"
export RIG_CA_DIR="$RIG/ca" RIG_CA_DB=index.txt RIG_SAN=unused OPENSSL_CONF=/dev/null
mkdir -p "$RIG_CA_DIR/issued" "$RIG_CA_DIR/db" "$RIG/certs"
: >"$RIG_CA_DIR/db/index.txt"
C=$RIG/certs

newkey() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:"${2:-2048}" -out "$1" 2>/dev/null; }

# Key generation is the slow part (~0.2 s CPU per RSA-2048 key, on a 2-core box
# often shared with compilers): as few keys as possible, made in parallel.
# The intermediate's EC key and the 1024-bit key cost next to nothing.
pids=()
newkey "$RIG_CA_DIR/ca.key" & pids+=($!)
for n in mail expired wrongname selfsigned; do
  newkey "$C/$n.key" & pids+=($!)
done
newkey "$C/weakkey.key" 1024 & pids+=($!)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$RIG_CA_DIR/intermediate.key" & pids+=($!)
for p in "${pids[@]}"; do wait "$p"; done
SHARED=(plainauth closed legacy soon future banner oldtls chain fullchain tlsaok tlsabad mta-sts
  exim eximbad eximbad-expired aiosmtpd courier courierbad courierdown)
for n in "${SHARED[@]}"; do cp "$C/mail.key" "$C/$n.key"; done

stamp() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
# Valid leaves start a day back so small clock differences never matter.
NOW_START=$(stamp '-1 day') NOW_END=$(stamp '+1 year')

# issue ISSUER EXTENSIONS CERTNAME SAN STARTDATE ENDDATE — leaf for SAN, signed by
# ca/ISSUER.{pem,key}. Its own `openssl ca` database, so several can run at once.
# SAN is one DNS name, or several joined by ",DNS:" (the config writes DNS:$RIG_SAN); the
# subject CN is the first.
issue() {
  local ca=$1 ext=$2 n=$3 san=$4 start=$5 end=$6
  : >"$RIG_CA_DIR/db/index.$n.txt"
  openssl req -new -config "$CONF" -key "$C/$n.key" -subj "/CN=${san%%,*}" -out "$C/$n.csr"
  RIG_SAN=$san RIG_CA_DB=index.$n.txt openssl ca -batch -notext -config "$CONF" -extensions "$ext" \
    -cert "$RIG_CA_DIR/$ca.pem" -keyfile "$RIG_CA_DIR/$ca.key" \
    -startdate "$start" -enddate "$end" -in "$C/$n.csr" -out "$C/$n.pem" 2>/dev/null
  rm -f "$C/$n.csr"
}
# sign CERTNAME SAN [STARTDATE ENDDATE] — leaf signed by the root CA.
sign() { issue ca leaf_ext "$1" "$2" "${3:-$NOW_START}" "${4:-$NOW_END}"; }

# CA: backdated so that the expired leaf was issued inside the CA's validity
# (a realistic "expired", not "issued before its issuer existed").
openssl req -new -config "$CONF" -key "$RIG_CA_DIR/ca.key" -subj "/CN=mxray rig test CA" \
  -out "$RIG_CA_DIR/ca.csr"
openssl ca -batch -notext -selfsign -config "$CONF" -keyfile "$RIG_CA_DIR/ca.key" \
  -extensions ca_ext -startdate 20200101000000Z \
  -enddate "$(stamp '+10 years')" \
  -in "$RIG_CA_DIR/ca.csr" -out "$RIG_CA_DIR/ca.pem" 2>/dev/null
rm -f "$RIG_CA_DIR/ca.csr"

openssl req -new -config "$CONF" -key "$RIG_CA_DIR/intermediate.key" \
  -subj "/CN=mxray rig intermediate CA" -out "$RIG_CA_DIR/intermediate.csr"
openssl ca -batch -notext -config "$CONF" -extensions intermediate_ext \
  -startdate 20200101000000Z -enddate "$(stamp '+5 years')" \
  -in "$RIG_CA_DIR/intermediate.csr" -out "$RIG_CA_DIR/intermediate.pem" 2>/dev/null
rm -f "$RIG_CA_DIR/intermediate.csr"

# Leaves are signed in parallel (each openssl run is short, but there are many).
pids=()
# mail also answers to the internationalised name почта.mxray.test (its A-label form).
sign mail "mail.mxray.test,DNS:xn--80a1acny.mxray.test" & pids+=($!)
sign plainauth plainauth.mxray.test & pids+=($!)
sign closed closed.mxray.test & pids+=($!)
sign legacy legacy.mxray.test & pids+=($!)
sign wrongname other.mxray.test & pids+=($!)
sign expired expired.mxray.test 20210101000000Z 20220101000000Z & pids+=($!)
# 10 days and 12 hours: mxray floors the days left, so a fresh rig reads "10 days".
sign soon soon.mxray.test "$NOW_START" "$(stamp '+10 days 12 hours')" & pids+=($!)
sign future future.mxray.test "$(stamp '+30 days')" "$(stamp '+395 days')" & pids+=($!)
sign weakkey weakkey.mxray.test & pids+=($!)
sign banner banner.mxray.test & pids+=($!)
sign oldtls oldtls.mxray.test & pids+=($!)
sign tlsaok tlsaok.mxray.test & pids+=($!)
sign tlsabad tlsabad.mxray.test & pids+=($!)
# The other servers (up_other.sh): clean leaves, eximbad's expired one for its port 25 and
# courierbad's self-signed one.
sign exim exim.mxray.test & pids+=($!)
sign eximbad eximbad.mxray.test & pids+=($!)
sign eximbad-expired eximbad.mxray.test 20210101000000Z 20220101000000Z & pids+=($!)
sign aiosmtpd aiosmtpd.mxray.test & pids+=($!)
sign courier courier.mxray.test & pids+=($!)
sign courierdown courierdown.mxray.test & pids+=($!)
# nginx's names: every record of the zone with A 127.0.0.30 (MTA-STS policy hosts
# mta-sts.DOMAIN, autoconfig hosts), under its block's $ORIGIN, except lines marked "left out
# of the certificate" (the bad-certificate case).
sts_names=$(awk '$1 == "$ORIGIN" { o = $2; sub(/\.$/, "", o) }
                 $2 == "A" && $3 == "127.0.0.30" && !/left out of the certificate/ {
                   n = ($1 == "@") ? o : $1 "." o
                   printf "%sDNS:%s", sep, n; sep = "," }' \
  "$(dirname "$CONF")/zones/mxray.test.zone")
[[ $sts_names == *DNS:mta-sts.* ]] || { echo "certs.sh: no mta-sts A records in the zone" >&2; exit 1; }
sign mta-sts "${sts_names#DNS:}" & pids+=($!)
issue intermediate leaf_aia_ext chain chain.mxray.test "$NOW_START" "$NOW_END" & pids+=($!)
issue intermediate leaf_aia_ext fullchain fullchain.mxray.test "$NOW_START" "$NOW_END" & pids+=($!)

openssl req -x509 -config "$CONF" -key "$C/selfsigned.key" -sha256 -days 365 \
  -subj "/CN=selfsigned.mxray.test" \
  -addext "basicConstraints=critical,CA:FALSE" \
  -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
  -addext "extendedKeyUsage=serverAuth" \
  -addext "subjectAltName=DNS:selfsigned.mxray.test" \
  -out "$C/selfsigned.pem"
openssl req -x509 -config "$CONF" -key "$C/courierbad.key" -sha256 -days 365 \
  -subj "/CN=courierbad.mxray.test" -addext "subjectAltName=DNS:courierbad.mxray.test" \
  -out "$C/courierbad.pem"
for p in "${pids[@]}"; do wait "$p"; done

for n in mail expired wrongname selfsigned weakkey "${SHARED[@]}"; do
  cat "$C/$n.key" "$C/$n.pem" >"$C/$n.chain.pem"
done
cat "$RIG_CA_DIR/intermediate.pem" >>"$C/fullchain.chain.pem"
chmod 644 "$RIG_CA_DIR/ca.pem" "$RIG_CA_DIR/intermediate.pem" "$C"/*.pem
chmod 600 "$RIG_CA_DIR/ca.key" "$RIG_CA_DIR/intermediate.key" "$C"/*.key "$C"/*.chain.pem
