#!/usr/bin/env python3
"""Builds bench/out/results.md (printed on stdout) from what bench/run.sh left in OUT_DIR.

Usage: report.py OUT_DIR

Reads meta.txt (key=value), commands.tsv (id<TAB>command), the hyperfine exports
{0ms,50ms}.json and {0ms,50ms}-testssl.json, and the mxray reports kept by the
checks (mxray-ip-{0ms,50ms}-check.json) for the phase timeline. Standard library only.
"""

import json
import math
import os
import sys

PORTS = [25, 465, 587, 993, 995]
LABELS = {
    "mxray-ip": "mxray, IP literal, 5 ports",
    "mxray-name": "mxray, host name (+ A lookup), 5 ports",
    "mxray-nolegacy": "mxray, IP literal, 5 ports, --no-legacy-tls",
    "peers": "peers: swaks 25, 587, 465 + openssl s_client 993, 995 (bench/peers.sh)",
    "testssl": "testssl --starttls smtp -p -S, port 25 only",
}
for _p in PORTS:
    LABELS[f"mxray-port-{_p}"] = f"mxray, IP literal, --ports {_p} alone"


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def results(out, tag):
    """id -> hyperfine result (seconds) for one scenario (σ 0 for a single run)."""
    res = {}
    for name in (f"{tag}.json", f"{tag}-testssl.json"):
        for r in load(os.path.join(out, name))["results"]:
            r["stddev"] = r.get("stddev") or 0.0
            res[r["command"]] = r
    return res


def fmt(seconds, sigma=None):
    """Milliseconds below 10 s, seconds above; with ± sigma when given."""
    if seconds >= 10:
        s = f"{seconds:.2f} s" if sigma is None else f"{seconds:.2f} ± {sigma:.2f} s"
    else:
        ms, digits = seconds * 1000, (1 if seconds < 0.1 else 0)
        s = f"{ms:.{digits}f} ms" if sigma is None else f"{ms:.{digits}f} ± {sigma * 1000:.{digits}f} ms"
    return s


def ratio(a, sa, b, sb):
    """a/b with the propagated relative error."""
    r = a / b
    return r, r * math.sqrt((sa / a) ** 2 + (sb / b) ** 2)


def scenario(out, tag, title):
    res = results(out, tag)
    lines = [f"## {title}", ""]
    lines += ["| id | what | runs | mean ± σ | median | min | max |", "|---|---|---:|---:|---:|---:|---:|"]
    order = ["mxray-ip", "mxray-name", "mxray-nolegacy", "peers", "testssl"] + [f"mxray-port-{p}" for p in PORTS]
    for cid in order:
        r = res[cid]
        bad = sum(1 for c in r.get("exit_codes") or [] if c != 0)
        runs = f"{len(r['times'])}" + (f" ({bad} exited non-zero)" if bad else "")
        lines.append(f"| `{cid}` | {LABELS[cid]} | {runs} | {fmt(r['mean'], r['stddev'])} "
                     f"| {fmt(r['median'])} | {fmt(r['min'])} | {fmt(r['max'])} |")
    m = res["mxray-ip"]
    singles = [res[f"mxray-port-{p}"] for p in PORTS]
    slowest = max(singles, key=lambda r: r["mean"])
    total = sum(r["mean"] for r in singles)
    total_sigma = math.sqrt(sum(r["stddev"] ** 2 for r in singles))
    rows = [
        ("peers / mxray-ip", ratio(res["peers"]["mean"], res["peers"]["stddev"], m["mean"], m["stddev"])),
        ("testssl / mxray-ip", ratio(res["testssl"]["mean"], res["testssl"]["stddev"], m["mean"], m["stddev"])),
        (f"mxray-ip / max(single ports) (slowest: `{slowest['command']}`)",
         ratio(m["mean"], m["stddev"], slowest["mean"], slowest["stddev"])),
        ("mxray-ip / sum(single ports)", ratio(m["mean"], m["stddev"], total, total_sigma)),
    ]
    lines += ["", "| ratio | value |", "|---|---:|"]
    for name, val in rows:
        lines.append(f"| {name} | {val[0]:.2f} ± {val[1]:.2f} |")
    dns = res["mxray-name"]["mean"] - m["mean"]
    legacy = m["mean"] - res["mxray-nolegacy"]["mean"]
    lines.append(f"| mxray-name − mxray-ip (cost of resolving the name) | {fmt(dns)} |")
    lines.append(f"| mxray-ip − mxray-nolegacy (cost of the TLS 1.0/1.1 probes) | {fmt(legacy)} |")
    lines.append(f"| sum(single ports) | {fmt(total, total_sigma)} |")
    lines.append("")
    log = os.path.join(out, f"testssl-{tag}.log")
    if os.path.exists(log):
        with open(log, encoding="utf-8", errors="replace") as f:
            text = f.read()
        done = text.count(" Done ")
        flaky = text.count("Connect problem")
        lines.append(f"testssl runs in this scenario (check, warmup and measured): {done} finished; "
                     f"{flaky} printed \"Connect problem: Ticket resumption test not possible\" "
                     "(its session-resumption sub-test; such a run exits 1 but is otherwise complete).")
        lines.append("")
    return lines


def timeline(out, tag, title):
    path = os.path.join(out, f"mxray-ip-{tag}-check.json")
    d = load(path)
    ev = d["evidence"]
    lines = [f"### {title}", "",
             f"Whole run (`duration_ms` of the report): {d['duration_ms']} ms. "]
    for a in ev["resolution"]["addresses"]:
        ptr = a.get("ptr") or {}
        fwd = ", ".join(f"{f['rtype']} {f['name']} {f['duration_ms']} ms" for f in a.get("forward") or [])
        lines[-1] += (f"DNS for {a['ip']}: PTR {ptr.get('duration_ms', '?')} ms"
                      f"{', then ' + fwd if fwd else ''}.")
    slowest = max(p["duration_ms"] for p in ev["probes"])
    lines[-1] += (f" Slowest port probe: {slowest} ms; the rest of the run "
                  f"(DNS, start, diagnosis, output): {d['duration_ms'] - slowest} ms.")
    lines += ["", "| port | probe total | phases: name start+duration (ms) |", "|---|---:|---|"]
    for p in ev["probes"]:
        phases = ", ".join(f"{ph['phase']} {ph['start_ms']}+{ph['duration_ms']}" for ph in p["phases"])
        lines.append(f"| {p['port']} | {p['duration_ms']} ms | {phases} |")
    lines.append("")
    return lines


def main():
    out = sys.argv[1]
    meta = {}
    with open(os.path.join(out, "meta.txt"), encoding="utf-8") as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            meta[k] = v
    commands = []
    with open(os.path.join(out, "commands.tsv"), encoding="utf-8") as f:
        for line in f:
            cid, _, cmd = line.rstrip("\n").partition("\t")
            commands.append((cid, cmd))

    lines = ["# mxray benchmark results", ""]
    lines.append(f"{meta['date']}. Machine: {meta['nproc']} cores ({meta['cpu']}), {meta['mem']}, "
                 f"Linux {meta['kernel']}. {meta['mxray']} at {meta['commit']}; swaks {meta['swaks']}, "
                 f"{meta['openssl']}, testssl.sh {meta['testssl']}, {meta['hyperfine']}.")
    lines.append("")
    lines.append("Target: the rig's clean host `mail.mxray.test` = 127.0.0.10 (Postfix 25/465/587, "
                 "Dovecot 993/995, Knot on 127.0.0.1:5300), started by `tests/servers/up.sh` inside "
                 "the network namespace `mxray-bench`; every tool runs in that namespace. hyperfine "
                 "`-N --warmup 1`; σ is the standard deviation over the runs; ratios carry the "
                 "propagated σ.")
    lines.append("")
    lines += scenario(out, "0ms", f"No added latency (ping RTT {meta['rtt_0ms']} ms)")
    lines += scenario(out, "50ms", f"50 ms RTT (ping RTT {meta['rtt_50ms']} ms; {meta['delay_method']})")
    lines += ["## Where mxray's time goes (one `mxray-ip` run per scenario, from its JSON report)", ""]
    lines += timeline(out, "0ms", "No added latency")
    lines += timeline(out, "50ms", "50 ms RTT")
    lines += ["## Commands", "", "```"]
    lines += [f"{cid}: {cmd}" for cid, cmd in commands]
    lines += ["```", ""]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
