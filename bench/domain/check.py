#!/usr/bin/env python3
"""Checks that a tool really audited the rig's test domains before it is timed.

Usage: check.py mxray FILE DOMAIN [--probe]   one `mxray domain --format json` report
       check.py checkdmarc FILE DOMAIN...      one checkdmarc JSON document (all domains)
                [--tls]                       ... run with --check-mx-tls
       check.py server FILE                   `mxray server mail.mxray.test --ports 25` report

Exits 1 with the reason when the output shows a tool that did not resolve the zones
(a failing tool must not look fast). Standard library only.
"""

import json
import sys

# The seeded flaw of each domain (tests/servers/README.md, "Mail domains"): mxray's codes
# of severity error or warning must be exactly these (info findings are not compared).
MXRAY_DNS = {
    "good": set(),
    "spf11": {"spf.too-many-lookups"},
    "dnone": {"dmarc.policy-none"},
    "dpct": {"dmarc.partial-pct"},
    "dext": {"dmarc.report-auth-missing"},
    "nullmx": set(),  # dns.null-mx is info
    "cnamemx": {"dns.mx-invalid-target"},
}
MXRAY_INFO = {"nullmx": {"dns.null-mx"}}
# With the port 25 probe: the certificate of mail.mxray.test does not name mx.cnamemx.
MXRAY_PROBE_EXTRA = {"cnamemx": {"tls.cert-hostname-mismatch"}}


def short(domain):
    return domain.removesuffix(".mxray.test")


def fail(msg):
    print(f"check.py: {msg}", file=sys.stderr)
    sys.exit(1)


def probes_ok(probes, what):
    """Every probe reached TLS with a trusted chain whose name matched."""
    if not probes:
        fail(f"{what}: no port was probed")
    for p in probes:
        tls = p.get("tls") or {}
        ver = tls.get("verification") or {}
        if not tls.get("version") or not ver.get("trusted"):
            fail(f"{what}: {p.get('address')}:{p.get('port')} did not reach verified TLS")


def check_mxray(path, domain, probe):
    d = json.load(open(path, encoding="utf-8"))
    s = short(domain)
    ev = d["evidence"]
    if ev["mx"]["lookup"]["status"] != "ok":
        fail(f"mxray {s}: MX lookup {ev['mx']['lookup']['status']}")
    if ev["spf"]["tree"]["lookup"]["status"] != "ok" or not ev["spf"]["tree"]["records"]:
        fail(f"mxray {s}: no SPF record seen")
    if not any(l["status"] == "ok" for l in ev["dmarc"]["lookups"]):
        fail(f"mxray {s}: no DMARC record seen")
    if ev["mta_sts"]["status"] != "ok" or ev["tls_rpt"]["status"] != "ok":
        fail(f"mxray {s}: _mta-sts or _smtp._tls not found")
    want = MXRAY_DNS[s] | (MXRAY_PROBE_EXTRA.get(s, set()) if probe else set())
    got = {f["code"] for f in d["findings"] if f["severity"] in ("error", "warning")}
    if got != want:
        fail(f"mxray {s}: errors/warnings {sorted(got)}, expected {sorted(want)}")
    infos = {f["code"] for f in d["findings"]}
    if not MXRAY_INFO.get(s, set()) <= infos:
        fail(f"mxray {s}: {sorted(MXRAY_INFO[s])} not reported")
    if probe:
        if ev["options"]["probe"] is not True:
            fail(f"mxray {s}: the report says probing was off")
        if s != "nullmx":
            for srv in ev["servers"]:
                if s == "cnamemx":  # name mismatch by design: TLS must still have happened
                    if not all((p.get("tls") or {}).get("version") for p in srv["probes"]) or not srv["probes"]:
                        fail(f"mxray {s}: {srv['host']} not probed over TLS")
                else:
                    probes_ok(srv["probes"], f"mxray {s} {srv['host']}")
            pol = ev.get("mta_sts_policy") or {}
            if pol.get("status") != 200:
                fail(f"mxray {s}: MTA-STS policy not fetched (status {pol.get('status')})")
    elif ev["options"]["probe"] is not False or any(srv["probes"] for srv in ev["servers"]):
        fail(f"mxray {s}: probed although --no-probe")
    print(f"  mxray {s}{' (probe)' if probe else ''}: ok, {sorted(want) or 'no errors/warnings'}"
          f", {d['duration_ms']} ms", file=sys.stderr)


def warned(section, text):
    return any(text in w for w in section.get("warnings") or []) or text in (section.get("error") or "")


# What checkdmarc must say about each domain's seeded flaw (its wording, version 6.0.4).
CHECKDMARC = {
    "good": lambda r: not r["mx"]["warnings"] and not r["spf"]["warnings"] and not r["dmarc"]["warnings"]
    and r["spf"]["valid"] and r["dmarc"]["valid"],
    "spf11": lambda r: not r["spf"]["valid"] and "11/10" in (r["spf"].get("error") or ""),
    "dnone": lambda r: warned(r["dmarc"], "p tag value of none"),
    "dpct": lambda r: warned(r["dmarc"], "pct tag"),
    "dext": lambda r: warned(r["dmarc"], "does not indicate that it accepts DMARC reports"),
    "nullmx": lambda r: warned(r["mx"], "null MX"),
    "cnamemx": lambda r: warned(r["mx"], "CNAME"),
}


def check_checkdmarc(path, domains, tls):
    d = json.load(open(path, encoding="utf-8"))
    if isinstance(d, dict):
        d = [d]
    by = {r["domain"]: r for r in d}
    for dom in domains:
        s = short(dom)
        r = by.get(dom)
        if r is None:
            fail(f"checkdmarc: no result for {dom}")
        if not r["spf"].get("record") or not r["dmarc"].get("record"):
            fail(f"checkdmarc {s}: SPF or DMARC record not found (did it reach the rig's DNS?)")
        if not r["mta_sts"].get("valid") or not r["smtp_tls_reporting"].get("valid"):
            fail(f"checkdmarc {s}: MTA-STS or TLS-RPT not valid: {r['mta_sts'].get('error')}")
        if not CHECKDMARC[s](r):
            fail(f"checkdmarc {s}: the seeded flaw is not reported as expected")
        if tls and s not in ("nullmx", "cnamemx"):
            hosts = r["mx"]["hosts"]
            if not hosts or not all(h.get("starttls") and h.get("tls") for h in hosts):
                fail(f"checkdmarc {s}: STARTTLS not confirmed on {[h.get('hostname') for h in hosts]}")
        print(f"  checkdmarc {s}{' (--check-mx-tls)' if tls else ''}: ok", file=sys.stderr)


def check_server(path):
    d = json.load(open(path, encoding="utf-8"))
    probes = d["evidence"]["probes"]
    probes_ok(probes, "mxray server")
    for p in probes:
        if not p["tls"]["verification"].get("name_matches"):
            fail(f"mxray server: {p['address']}: certificate name does not match")
    print(f"  mxray server: ok, {len(probes)} probes, {d['duration_ms']} ms", file=sys.stderr)


def main():
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "mxray":
        check_mxray(a[1], a[2], "--probe" in a[3:])
    elif len(a) >= 3 and a[0] == "checkdmarc":
        check_checkdmarc(a[1], [x for x in a[2:] if x != "--tls"], "--tls" in a[2:])
    elif len(a) == 2 and a[0] == "server":
        check_server(a[1])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
