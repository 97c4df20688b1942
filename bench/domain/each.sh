#!/usr/bin/env bash
# each.sh DOMAIN,DOMAIN,... COMMAND [ARG...]: runs `COMMAND ARG... DOMAIN` for each domain of
# the comma-separated list, one after another; stops at the first failure. bench/domain.sh
# times `mxray domain` on a set of domains with it (mxray audits one domain per run;
# checkdmarc takes them all in one).
set -euo pipefail
IFS=, read -r -a domains <<<"$1"
shift
for d in "${domains[@]}"; do
  "$@" "$d"
done
