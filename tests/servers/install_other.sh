#!/usr/bin/env bash
# Installs the rig's mail servers other than Postfix and Dovecot under $MXRAY_RIG_OPT
# (default /opt/mxray-rig), without touching the system's MTA or IMAP server:
#   exim/     Debian's exim4-daemon-light + exim4-base, `apt-get download` + `dpkg -x`
#             (as a package it conflicts with postfix: both are the mail-transport-agent)
#   courier/  Debian's courier-imap, courier-pop, courier-base, courier-authlib(-userdb),
#             libcourier-unicode4, the same way (courier-imap/-pop conflict with Dovecot's
#             imap-server/pop3-server)
#   opensmtpd/ Debian's opensmtpd the same way (it too is a mail-transport-agent); Debian 12's
#             6.8.0p2 fails every TLS handshake with OpenSSL 3 by sending internal_error, which
#             is what the rig keeps it for
#   aiosmtpd/ a venv with aiosmtpd from PyPI, pinned
# plus the system users their binaries look up by compiled-in name (Debian-exim, courier) and
# the empty directories Courier's private mount namespace binds over (courier.sh).
# Run by install.sh; idempotent: each part is skipped when its stamp file says it is done.
set -euo pipefail

OPT=${MXRAY_RIG_OPT:-/opt/mxray-rig}
AIOSMTPD_PINS=(aiosmtpd==1.4.6 atpublic==9.0.0 attrs==26.1.0)
EXIM_DEBS=(exim4-daemon-light exim4-base)
COURIER_DEBS=(courier-imap courier-pop courier-base courier-authlib courier-authlib-userdb
  libcourier-unicode4)

done_already() { [[ -e $OPT/$1/.installed && "$(cat "$OPT/$1/.installed")" == "$2" ]]; }

need_root() {
  [[ $EUID -eq 0 ]] || { echo "install_other.sh: need root to install $1 under $OPT" >&2; exit 1; }
}

# unpack NAME DEB...: downloads the Debian packages (the candidate versions apt knows) and
# unpacks them under $OPT/NAME without installing them.
unpack() {
  local name=$1; shift
  local stamp="$*"
  done_already "$name" "$stamp" && return 0
  need_root "$name"
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -q=2 "$@" 2>/dev/null) ||
    { apt-get update -qq && (cd "$tmp" && apt-get download -q=2 "$@"); }
  rm -rf "${OPT:?}/$name"
  mkdir -p "$OPT/$name"
  for d in "$tmp"/*.deb; do dpkg -x "$d" "$OPT/$name"; done
  ls "$tmp" >"$OPT/$name/.debs"
  rm -rf "$tmp"
  echo "$stamp" >"$OPT/$name/.installed"
  echo "install_other.sh: $name unpacked under $OPT/$name ($(tr '\n' ' ' <"$OPT/$name/.debs"))"
}

system_user() {
  id "$1" >/dev/null 2>&1 && return 0
  need_root "user $1"
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$1"
}

unpack exim "${EXIM_DEBS[@]}"
unpack courier "${COURIER_DEBS[@]}"
unpack opensmtpd opensmtpd
# Exim refuses to run without its compiled-in user; Courier's imaplogin switches to `courier`
# before STARTTLS and couriertls reads the certificate as that user.
system_user Debian-exim
system_user courier
# OpenSMTPD's privilege-separated processes run as these compiled-in users, chrooted into an
# empty directory; its compiled-in queue /var/spool/smtpd is a mount point (up_other.sh binds
# the rig's own queue over it in a private mount namespace).
system_user opensmtpd
system_user opensmtpq
for d in /etc/courier /usr/lib/courier-authlib /var/lib/opensmtpd/empty /var/spool/smtpd; do
  [[ -d $d ]] || { need_root "$d"; mkdir -p "$d"; }
done

if ! done_already aiosmtpd "${AIOSMTPD_PINS[*]}"; then
  need_root aiosmtpd
  rm -rf "${OPT:?}/aiosmtpd"
  # Debian's python3 (python3-venv), not whatever python3 is first on PATH.
  /usr/bin/python3 -m venv "$OPT/aiosmtpd"
  "$OPT/aiosmtpd/bin/pip" install -q --disable-pip-version-check "${AIOSMTPD_PINS[@]}"
  echo "${AIOSMTPD_PINS[*]}" >"$OPT/aiosmtpd/.installed"
  echo "install_other.sh: aiosmtpd venv in $OPT/aiosmtpd (${AIOSMTPD_PINS[*]})"
fi
echo "install_other.sh: other servers present under $OPT"
