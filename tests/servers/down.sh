#!/usr/bin/env bash
# Stops the rig in ${MXRAY_RIG_DIR:-/tmp/mxray-rig} by its pid files: TERM, then KILL
# after a bounded wait. Never kills by process name. Idempotent: a rig that is
# not running (or a missing state dir) is a no-op. Leaves the state dir for post-mortems.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

declare -A victims=()
for entry in "${PIDFILES[@]}"; do
  IFS='|' read -r name file comm <<<"$entry"
  if pid=$(rig_pid "$file" "$comm"); then
    victims[$name]=$pid
    # Postfix's and Dovecot's masters take their children down on TERM.
    kill -TERM "$pid" 2>/dev/null || true
  fi
done
((${#victims[@]} == 0)) && exit 0

# wait_gone SECONDS: true once every victim is dead (or a zombie).
wait_gone() {
  local deadline=$((SECONDS + $1)) n
  while ((SECONDS <= deadline)); do
    for n in "${!victims[@]}"; do alive "${victims[$n]}" || unset "victims[$n]"; done
    ((${#victims[@]} == 0)) && return 0
    sleep 0.05
  done
  return 1
}

if ! wait_gone 5; then
  for n in "${!victims[@]}"; do
    echo "down.sh: $n (pid ${victims[$n]}) ignored TERM, sending KILL" >&2
    kill -KILL "${victims[$n]}" 2>/dev/null || true
  done
  wait_gone 3 || { echo "down.sh: could not stop: ${!victims[*]}" >&2; exit 1; }
fi
echo "mxray rig stopped ($RIG)"
