#!/usr/bin/env python3
"""Builds bench/out/domain/results.md (printed on stdout) from what bench/domain.sh left.

Usage: report.py OUT_DIR

Reads meta.txt (key=value), commands.tsv (id<TAB>command), the hyperfine exports
{0ms,50ms}.json and {0ms,50ms}-checkdmarc.json, the timelines 50ms-*.timeline.txt and the
full audit kept by the 50 ms check (50ms-check-mxray-full-good.json). Standard library only.
"""

import glob
import json
import math
import os
import sys

LABELS = {
    "mxray-dns-7": "mxray domain --no-probe, 7 domains one after another",
    "checkdmarc-7": "checkdmarc, the 7 domains in one run",
    "mxray-full-7": "mxray domain (probe port 25, MTA-STS policy), 7 domains one after another",
    "checkdmarc-tls-7": "checkdmarc --check-mx-tls, the 7 domains in one run",
    "mxray-dns-good": "mxray domain good --no-probe",
    "checkdmarc-good": "checkdmarc good",
    "mxray-full-good": "mxray domain good (full audit)",
    "checkdmarc-tls-good": "checkdmarc good --check-mx-tls",
    "mxray-dns-good-sel": "mxray domain good --no-probe --dkim-selector default",
    "mxray-server-mail": "mxray server mail.mxray.test --ports 25 (the MX probe)",
    "curl-policy": "curl the MTA-STS policy of good (DNS + TCP + TLS + GET)",
    "kdig-serial-good": "kdig: mxray's queries for good, one at a time",
    "mxray-dns-spf11": "mxray domain spf11 --no-probe (SPF tree, 11 lookups)",
    "kdig-serial-spf11": "kdig: mxray's queries for spf11, one at a time",
    "mxray-start": "mxray --version (start-up)",
    "checkdmarc-start": "checkdmarc --version (Python start-up and imports)",
}
ORDER = list(LABELS)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def results(out, tag):
    res = {}
    for name in (f"{tag}.json", f"{tag}-checkdmarc.json"):
        for r in load(os.path.join(out, name))["results"]:
            r["stddev"] = r.get("stddev") or 0.0
            res[r["command"]] = r
    return res


def fmt(seconds, sigma=None):
    if seconds >= 10:
        return f"{seconds:.2f} s" if sigma is None else f"{seconds:.2f} ± {sigma:.2f} s"
    ms, digits = seconds * 1000, (1 if seconds < 0.1 else 0)
    return f"{ms:.{digits}f} ms" if sigma is None else f"{ms:.{digits}f} ± {sigma * 1000:.{digits}f} ms"


def ratio(a, sa, b, sb):
    r = a / b
    return r, r * math.sqrt((sa / a) ** 2 + (sb / b) ** 2)


def scenario(out, tag, title):
    res = results(out, tag)
    m = lambda i: (res[i]["mean"], res[i]["stddev"])  # noqa: E731
    lines = [f"## {title}", "", "| id | what | runs | mean ± σ | median | min … max |", "|---|---|---:|---:|---:|---:|"]
    for cid in ORDER:
        r = res[cid]
        lines.append(f"| `{cid}` | {LABELS[cid]} | {len(r['times'])} | {fmt(r['mean'], r['stddev'])} "
                     f"| {fmt(r['median'])} | {fmt(r['min'])} … {fmt(r['max'])} |")
    steps = ["mxray-dns-good", "mxray-server-mail", "curl-policy"]
    total = sum(res[s]["mean"] for s in steps)
    total_sigma = math.sqrt(sum(res[s]["stddev"] ** 2 for s in steps))
    slowest = max(steps, key=lambda s: res[s]["mean"])
    guess = res["mxray-dns-good"]["mean"] - res["mxray-dns-good-sel"]["mean"]
    rows = [
        ("checkdmarc-7 / mxray-dns-7 (DNS checks, 7 domains)", ratio(*m("checkdmarc-7"), *m("mxray-dns-7"))),
        ("checkdmarc-good / mxray-dns-good (one domain)", ratio(*m("checkdmarc-good"), *m("mxray-dns-good"))),
        ("checkdmarc-tls-7 / mxray-full-7 (with the MX contacted, 7 domains)",
         ratio(*m("checkdmarc-tls-7"), *m("mxray-full-7"))),
        ("checkdmarc-tls-good / mxray-full-good (one domain)", ratio(*m("checkdmarc-tls-good"), *m("mxray-full-good"))),
        (f"mxray-full-good / sum of its steps (dns-good + server-mail + curl-policy = {fmt(total, total_sigma)})",
         ratio(*m("mxray-full-good"), total, total_sigma)),
        (f"mxray-full-good / slowest step (`{slowest}`)", ratio(*m("mxray-full-good"), *m(slowest))),
        ("kdig-serial-good / mxray-dns-good (same queries one at a time vs mxray)",
         ratio(*m("kdig-serial-good"), *m("mxray-dns-good"))),
        ("kdig-serial-spf11 / mxray-dns-spf11", ratio(*m("kdig-serial-spf11"), *m("mxray-dns-spf11"))),
    ]
    lines += ["", "| ratio | value |", "|---|---:|"]
    lines += [f"| {name} | **{r:.2f} ± {s:.2f}** |" for name, (r, s) in rows]
    lines += [f"| DKIM selector guessing: mxray-dns-good − mxray-dns-good-sel | {guess * 1000:+.1f} ms |",
              f"| mxray-dns-7 per domain | {fmt(res['mxray-dns-7']['mean'] / 7)} |",
              f"| checkdmarc-7 per domain (one Python start for all) | {fmt(res['checkdmarc-7']['mean'] / 7)} |"]
    c7, cs = m("checkdmarc-7"), m("checkdmarc-start")
    x7, xs = m("mxray-dns-7"), m("mxray-start")
    cd = (c7[0] - cs[0]) / 7, math.hypot(c7[1], cs[1]) / 7
    xd = (x7[0] - 7 * xs[0]) / 7, math.hypot(x7[1], 7 * xs[1]) / 7
    lines += [f"| per domain without start-up: (checkdmarc-7 − checkdmarc-start) / 7 | {fmt(*cd)} |",
              f"| per domain without start-up: (mxray-dns-7 − 7 × mxray-start) / 7 | {fmt(*xd)} |"]
    if cd[0] > 0 and xd[0] > 0:
        r, sr = ratio(cd[0], cd[1], xd[0], xd[1])
        lines.append(f"| ratio of the two (the checks alone, DNS only) | **{r:.2f} ± {sr:.2f}** |")
    return lines + [""]


def timelines(out):
    lines = ["## 50 ms RTT: what each tool sent, and when (one run each, tcpdump)", ""]
    for path in sorted(glob.glob(os.path.join(out, "50ms-*.timeline.txt"))):
        name = os.path.basename(path)[len("50ms-"):-len(".timeline.txt")]
        with open(path, encoding="utf-8") as f:
            text = f.read().rstrip("\n").split("\n")
        wall = text[0].split(":")[0].lstrip("# ")
        lines += [f"- **{name}** ({wall}): {text[1].lstrip('# ')}"]
    lines.append("")
    for path in sorted(glob.glob(os.path.join(out, "50ms-*.timeline.txt"))):
        name = os.path.basename(path)[len("50ms-"):-len(".timeline.txt")]
        with open(path, encoding="utf-8") as f:
            lines += [f"### {name}", "", "```", f.read().rstrip("\n"), "```", ""]
    return lines


def phases(out):
    path = os.path.join(out, "50ms-check-mxray-full-good.json")
    if not os.path.exists(path):
        return []
    d = load(path)
    lines = ["## 50 ms RTT: mxray domain good, its own timings", "",
             f"Whole run {d['duration_ms']} ms.", ""]
    for srv in d["evidence"]["servers"]:
        for p in srv["probes"]:
            ph = ", ".join(f"{x['phase']} {x['start_ms']}+{x['duration_ms']}" for x in p.get("phases", []))
            lines.append(f"- probe {p['address']}:{p['port']}: {p['duration_ms']} ms ({ph})")
    pol = d["evidence"].get("mta_sts_policy")
    if pol:
        lines.append(f"- MTA-STS policy: status {pol.get('status')}")
    return lines + [""]


def main():
    out = sys.argv[1]
    meta = {}
    with open(os.path.join(out, "meta.txt"), encoding="utf-8") as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            meta[k] = v
    lines = ["# mxray domain benchmark (bench/domain.sh)", ""]
    lines += [f"- {k}: {v}" for k, v in meta.items()]
    lines += ["", "Commands (hyperfine -N, warmup 1):", "", "| id | command |", "|---|---|"]
    with open(os.path.join(out, "commands.tsv"), encoding="utf-8") as f:
        for line in f:
            cid, _, cmd = line.rstrip("\n").partition("\t")
            if len(cmd) > 400:
                cmd = cmd[:400] + " …"
            lines.append(f"| `{cid}` | `{cmd}` |")
    lines.append("")
    lines += scenario(out, "0ms", f"No added latency (RTT {meta.get('rtt_0ms')} ms)")
    lines += scenario(out, "50ms", f"50 ms RTT (IPv4 {meta.get('rtt_50ms')} ms, IPv6 {meta.get('rtt6_50ms')} ms)")
    lines += phases(out)
    lines += timelines(out)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
