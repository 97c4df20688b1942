#!/usr/bin/env bash
# Starts the rig's mail servers other than Postfix and Dovecot (see README.md, "Other
# servers"): Exim (exim, eximbad), aiosmtpd (aiosmtpd, aiosmtpdbad) and Courier IMAP/POP3
# (courier, courierbad), from what install_other.sh put under $MXRAY_RIG_OPT. Run by up.sh
# once the certificates are in $RIG/certs; returns when every daemon is started (up.sh then
# waits for their listeners and reads their greetings).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PASSWORD=$1
MAILUID=65534

for f in "$OPT/exim/usr/sbin/exim4" "$OPT/courier/usr/sbin/couriertcpd" "$OPT/aiosmtpd/bin/python" \
  "$OPT/opensmtpd/usr/sbin/smtpd"; do
  [[ -x $f ]] || { echo "up_other.sh: $f missing: run tests/servers/install.sh" >&2; exit 1; }
done
start() { local name=$1; shift; "$@" </dev/null >>"$RIG/log/$name.stdio" 2>&1; }

# --- Exim: one daemon per host; it runs as Debian-exim, which must own its spool and log
# directories and read its key (the rig's keys are root-only).
mkdir -p "$RIG/log/exim"
chown Debian-exim "$RIG/log/exim"
for spec in "exim 127.0.0.50 CLEAN" "eximbad 127.0.0.51 BAD"; do
  read -r name addr mode <<<"$spec"
  d=$RIG/exim/$name
  mkdir -p "$d/spool" "$d/certs"
  for c in "$name" "$name-expired"; do
    [[ -e $RIG/certs/$c.pem ]] || continue
    install -o Debian-exim -m 600 "$RIG/certs/$c.key" "$d/certs/$c.key"
    install -m 644 "$RIG/certs/$c.pem" "$d/certs/$c.pem"
  done
  chown -R Debian-exim "$d/spool"
  sed -e "s#@RIG@#$RIG#g; s#@NAME@#$name#g; s#@ADDR@#$addr#g; s#@EXIM@#$OPT/exim#g" \
    -e "s#@MODE@#$mode = 1#; s#@PASSWORD@#$PASSWORD#g" \
    "$HERE/conf/exim.conf" >"$d/exim.conf"
  # Exim ignores a configuration that others could write (and says so only in its panic log).
  chmod 644 "$d/exim.conf"
  start exim "$OPT/exim/usr/sbin/exim4" -C "$d/exim.conf" -bd
done

# --- aiosmtpd: one Python process for both hosts.
MXRAY_RIG_PASSWORD=$PASSWORD setsid "$OPT/aiosmtpd/bin/python" "$HERE/conf/aiosmtpd_rig.py" \
  "$RIG" "$RIG/aiosmtpd.pid" </dev/null >>"$RIG/log/aiosmtpd.log" 2>&1 &

# --- Courier: its own etc (authdaemonrc, userdb), run dir and certificates, bound over the
# compiled-in paths inside a private mount namespace (courier.sh).
D=$RIG/courier
mkdir -p "$D/etc" "$D/run/authdaemon" "$D/run-authdown/authdaemon" "$D/pids" /run/courier
printf '%s\n' 'authmodulelist="authuserdb"' 'daemons=2' 'authdaemonvar=/run/courier/authdaemon' \
  >"$D/etc/authdaemonrc"
# userdb.dat / userdbshadow.dat as makeuserdb writes them (gdbm, through makedatprog):
# `alice` (the short form, as Courier setups on system-style users have) and the rig password.
M="env LD_LIBRARY_PATH=$OPT/courier/usr/lib $OPT/courier/usr/lib/courier/courier-authlib/makedatprog"
home=$RIG/mail/mxray.test/alice
printf 'alice\tuid=%s|gid=%s|home=%s|mail=%s|_=\n\n.\n' $MAILUID $MAILUID "$home" "$home" |
  $M - "$D/etc/userdb.tmp" "$D/etc/userdb.dat"
printf 'alice\tsystempw=%s\n\n.\n' "$(openssl passwd -6 "$PASSWORD")" |
  $M - "$D/etc/userdbshadow.tmp" "$D/etc/userdbshadow.dat"
chmod 600 "$D/etc/userdbshadow.dat"
# couriertls reads the key + certificate file as `courier` (imaplogin switches to it first).
for n in courier courierbad courierdown; do
  cat "$RIG/certs/$n.key" "$RIG/certs/$n.pem" >"$D/etc/$n.pem"
  chown courier "$D/etc/$n.pem"; chmod 600 "$D/etc/$n.pem"
done
# RFC 7919's ffdhe2048: fixed, so no slow DH parameter generation at start.
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$D/etc/dhparams.pem" 2>/dev/null
start courier unshare --mount --propagation private "$HERE/courier.sh" "$RIG" "$OPT/courier"
start courier unshare --mount --propagation private "$HERE/courier.sh" "$RIG" "$OPT/courier" authdown

# --- OpenSMTPD: opensmtpd.mxray.test, STARTTLS on 25 with the clean host's certificate. Its
# queue path and control socket (/var/spool/smtpd, /run/smtpd.sock) are compiled in: a private
# mount namespace binds the rig's queue over the first and a fresh /run under the second.
O=$RIG/opensmtpd
mkdir -p "$O/spool" "$O/mail"
chmod 711 "$O/spool"
install -m 600 "$RIG/certs/mail.key" "$O/key.pem"
install -m 644 "$RIG/certs/mail.pem" "$O/cert.pem"
sed -e "s#@O@#$O#g" "$HERE/conf/smtpd.conf" >"$O/smtpd.conf"
setsid unshare --mount --propagation private sh -c \
  'mount --bind "$1/spool" /var/spool/smtpd && mount -t tmpfs rig /run && exec "$2" -d -f "$1/smtpd.conf"' \
  sh "$O" "$OPT/opensmtpd/usr/sbin/smtpd" </dev/null >>"$RIG/log/opensmtpd.log" 2>&1 &
echo $! >"$O/smtpd.pid"
