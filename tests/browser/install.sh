#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium (and its WebDriver) for tests/browser.rs.
# Idempotent: exits at once when both packages are already installed.
set -euo pipefail

PKGS=(chromium chromium-driver)

missing=()
for p in "${PKGS[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "browser/install.sh: chromium present"
  exit 0
fi
if [[ $EUID -ne 0 ]]; then
  echo "browser/install.sh: need root to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "browser/install.sh: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
echo "browser/install.sh: done"
