# shellcheck shell=bash disable=SC2034
# Shared by up.sh and down.sh (sourced, not run): where the rig lives and its pid files.

RIG=${MXRAY_RIG_DIR:-/tmp/mxray-rig}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The path is substituted into configs with sed and becomes a unix socket path
# (Dovecot's auth socket, limit ~108 bytes): keep it plain, absolute and short.
if [[ ! $RIG =~ ^/[A-Za-z0-9._/-]+$ || $RIG == / || ${#RIG} -gt 70 ]]; then
  echo "mxray rig: MXRAY_RIG_DIR must be an absolute path of [A-Za-z0-9._/-], at most 70 chars (got '$RIG')" >&2
  exit 2
fi
RIG=${RIG%/}
# Where install_other.sh unpacked Exim and Courier and made aiosmtpd's venv.
OPT=${MXRAY_RIG_OPT:-/opt/mxray-rig}

# daemon name, pid file, expected /proc/PID/comm (guards against a recycled pid).
PIDFILES=(
  "postfix|$RIG/postfix-queue/pid/master.pid|master"
  "dovecot|$RIG/dovecot/run/master.pid|dovecot"
  "knot|$RIG/knot/run/knot.pid|knotd"
  "nginx|$RIG/nginx/nginx.pid|nginx"
  "exim|$RIG/exim/exim/exim.pid|exim4"
  "eximbad|$RIG/exim/eximbad/exim.pid|exim4"
  "aiosmtpd|$RIG/aiosmtpd.pid|python"
  "courier-authdaemond|$RIG/courier/pids/authdaemond.pid|authdaemond"
  "opensmtpd|$RIG/opensmtpd/smtpd.pid|smtpd"
)
# Courier: one couriertcpd per host and port (courier.sh).
for _h in courier courierbad courierdown couriernotls; do
  for _p in imap imaps pop3 pop3s; do
    PIDFILES+=("courier-$_h-$_p|$RIG/courier/pids/$_h-$_p.pid|couriertcpd")
  done
done
unset _h _p

# alive PID: running and not a zombie (a killed daemon can linger as Z here).
alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

# rig_pid FILE COMM: prints the pid from FILE if that process is alive and is COMM.
rig_pid() {
  local pid
  [[ -r $1 ]] || return 1
  pid=$(tr -dc '0-9' <"$1")
  [[ -n $pid ]] && alive "$pid" && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$2" ]] || return 1
  echo "$pid"
}
