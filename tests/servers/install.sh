#!/usr/bin/env bash
# Installs the Debian packages the real-server test rig (up.sh) needs.
# Idempotent: exits at once when every package is already installed, so CI
# and developers can call it before every rig start.
set -euo pipefail
"$(dirname "$0")/../browser/install.sh" # headless Chromium for tests/browser.rs

PKGS=(postfix dovecot-imapd dovecot-pop3d knot knot-dnsutils openssl iproute2 nginx
  # xmllint validates the JUnit output against schema/junit.xsd.
  libxml2-utils
  # Libraries of the unpacked Exim and Courier (install_other.sh), and aiosmtpd's venv.
  libidn12 libltdl7 libgamin0 python3-venv
  # `script`, the pseudo-terminal for the password-prompt test (tests/hostile_input_render.rs).
  bsdutils)

missing=()
for p in "${PKGS[@]}"; do
  # dpkg-query prints "install ok installed" only for fully configured packages.
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install.sh: all rig packages present"
  exec "$(dirname "${BASH_SOURCE[0]}")/install_other.sh"
fi

if [[ $EUID -ne 0 ]]; then
  echo "install.sh: need root to install: ${missing[*]}" >&2
  exit 1
fi

# Maintainer scripts must not start system-wide daemons on the standard ports:
# the rig runs its own private instances. policy-rc.d exit 101 = "action forbidden".
rc=0; /usr/sbin/policy-rc.d >/dev/null 2>&1 || rc=$?
if ((rc != 101)); then
  [[ -e /usr/sbin/policy-rc.d ]] && cp -a /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.before-mxray
  printf '#!/bin/sh\n# Keep package installs from starting daemons.\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
fi

export DEBIAN_FRONTEND=noninteractive
# Without this preseed, postfix's postinst asks what kind of mail system this is.
echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections

echo "install.sh: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
echo "install.sh: done"
exec "$(dirname "${BASH_SOURCE[0]}")/install_other.sh"
