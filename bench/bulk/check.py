#!/usr/bin/env python3
"""Checks that a bulk run really audited every domain of bench/bulk.sh's zone.

Usage: check.py mxray FILE        NDJSON reports of `mxray domain --from` (one per line)
       check.py checkdmarc FILE   checkdmarc's JSON output (a list, one item per domain);
                                  prints the number of domains checked

Every domain of the zone has an MX with an address, SPF with two includes, DMARC and a DKIM
key at `default`: a report must show all of them found, and no DNS question anywhere in it may
have timed out or failed (a tool that gives up early must not look fast). With port-25 probes
every MX address must have greeted and answered EHLO; the count of sessions that went on to TLS
is printed (the rig's 127.0.0.14 is its Postfix without STARTTLS). Exits 1 with the first reason. Standard library only.
"""

import json
import sys

BAD = {"timeout", "failed", "servfail", "refused"}


def fail(msg):
    print(f"check.py: {msg}", file=sys.stderr)
    sys.exit(1)


def lookups(node):
    """Every Lookup object (name, rtype, status) anywhere in the evidence."""
    if isinstance(node, dict):
        if "rtype" in node and "status" in node:
            yield node
        for v in node.values():
            yield from lookups(v)
    elif isinstance(node, list):
        for v in node:
            yield from lookups(v)


def check_report(r):
    d = r["target"]
    ev = r["evidence"]
    if ev["mx"]["lookup"]["status"] != "ok" or not ev["mx"]["hosts"]:
        fail(f"{d}: no MX")
    spf = ev["spf"]["tree"]
    if spf["lookup"]["status"] != "ok" or not spf["records"]:
        fail(f"{d}: no SPF record")
    if not any(l["status"] == "ok" and "v=DMARC1" in " ".join(l["records"]) for l in ev["dmarc"]["lookups"]):
        fail(f"{d}: no DMARC record")
    if not any(s["selector"] == "default" and s["lookup"]["status"] == "ok" for s in ev["dkim"]["selectors"]):
        fail(f"{d}: no DKIM key at default")
    for l in lookups(ev):
        if l["status"] in BAD:
            fail(f"{d}: {l['rtype']} {l['name']} {l['status']}: {l.get('error')}")
    probes = [p for s in ev["servers"] for p in s["probes"]]
    if ev["options"]["probe"]:
        for p in probes:
            if (p.get("greeting") or {}).get("code") != 220 or not p.get("capabilities"):
                fail(f"{d}: {p['address']}:{p['port']} did not greet and answer EHLO")
        if not probes:
            fail(f"{d}: port 25 not probed")
    elif probes:
        fail(f"{d}: probed although --no-probe")
    return sum(1 for p in probes if (p.get("tls") or {}).get("version"))


def check_mxray(path):
    n = tls = 0
    names = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            tls += check_report(r)
            names.add(r["target"])
            n += 1
    if len(names) != n:
        fail(f"{path}: {n - len(names)} domains reported twice")
    print(f"  {path}: {n} reports, every record found, {tls} port-25 sessions over TLS", file=sys.stderr)


def check_checkdmarc(path):
    with open(path, encoding="utf-8") as f:
        items = json.load(f)
    if isinstance(items, dict):
        items = [items]
    for r in items:
        d = r["domain"]
        if not r["mx"]["hosts"] or not r["mx"]["hosts"][0]["addresses"]:
            fail(f"checkdmarc {d}: no MX address")
        if not r["spf"]["valid"] or r["spf"]["dns_lookups"] != 2:
            fail(f"checkdmarc {d}: SPF not resolved: {r['spf'].get('error')}")
        if not r["dmarc"]["valid"] or "p=reject" not in r["dmarc"]["record"]:
            fail(f"checkdmarc {d}: DMARC not found: {r['dmarc'].get('error')}")
    print(len(items))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("mxray", "checkdmarc"):
        sys.exit(__doc__)
    (check_mxray if sys.argv[1] == "mxray" else check_checkdmarc)(sys.argv[2])


if __name__ == "__main__":
    main()
