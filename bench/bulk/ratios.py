#!/usr/bin/env python3
"""The targets of bench/bulk.sh, computed from its result rows.

Usage: ratios.py N CHECKDMARC_SUBSET < rows   (rows: "name domains seconds rate rss_kib")
Prints a Markdown list: mxray DNS-only vs checkdmarc, RSS at N vs 1,000, the 50 ms rate vs the
loopback rate, and shard scaling at 50 ms.
"""

import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, cdm = sys.argv[1], sys.argv[2]
    rows = {}
    for line in sys.stdin:
        name, _domains, _secs, rate, rss = line.split()
        rows[name] = (float(rate), None if rss == "-" else int(rss))
    rate = lambda k: rows[k][0]
    out = [
        f"- DNS only vs checkdmarc: {rate(f'dns-{n}') / rate(f'checkdmarc-{cdm}'):.0f}x"
        f" (mxray over {n} domains, checkdmarc over the first {cdm}; target >= 20x)",
        f"- DNS only on loopback: {rate(f'dns-{n}'):.0f} domains/s (target >= 500)",
        f"- peak RSS at {n} / at 1000 domains: {rows[f'dns-{n}'][1] / rows['dns-1000'][1]:.2f}"
        " (target <= 1.2)",
        f"- 50 ms RTT vs loopback, DNS only: {rate(f'lat-dns-{n}') / rate(f'dns-{n}'):.2f} of the rate"
        f" at the same concurrency, {rate('lat-dns-1000-c32') / rate('dns-1000-c32'):.2f} at 32"
        " (target: within 2x, i.e. >= 0.5)",
    ]
    one = rate("lat-shards-1")
    out.append("- shards at 50 ms RTT, throughput vs 1 process: "
               + ", ".join(f"{k}: {rate(f'lat-shards-{k}') / one:.2f}x" for k in (1, 2, 4)))
    print("\n".join(out))


if __name__ == "__main__":
    main()
