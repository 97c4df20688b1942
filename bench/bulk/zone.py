#!/usr/bin/env python3
"""Writes the zone bulk.test for bench/bulk.sh: N synthetic mail domains.

Usage: zone.py N DKIM_TXT > bulk.test.zone

Each domain dI.bulk.test has an MX, SPF with two includes, DMARC p=reject with rua and the
given DKIM key at selector `default`. The MX hosts mx0..mx49 sit on the rig's Postfix
addresses 127.0.0.10-17; domains 0-299 all use mx0 (a few hundred sharing one MX host),
the others spread over mx1..mx49.
"""

import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, key = int(sys.argv[1]), sys.argv[2]
    out = ["$ORIGIN bulk.test.", "$TTL 3600",
           "@ SOA ns.bulk.test. hostmaster.bulk.test. 1 3600 600 86400 60",
           "@ NS ns.bulk.test.", "ns A 127.0.0.1"]
    out += [f"mx{m} A 127.0.0.{10 + m % 8}" for m in range(50)]
    out += ['_spf1 TXT "v=spf1 ip4:192.0.2.0/24 -all"', '_spf2 TXT "v=spf1 ip4:198.51.100.0/24 -all"']
    for i in range(n):
        mx = 0 if i < 300 else 1 + i % 49
        d = f"d{i}"
        out.append(f"{d} MX 10 mx{mx}.bulk.test.")
        out.append(f'{d} TXT "v=spf1 include:_spf1.bulk.test include:_spf2.bulk.test -all"')
        out.append(f'_dmarc.{d} TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{d}.bulk.test"')
        out.append(f"default._domainkey.{d} TXT {key}")
    print("\n".join(out))


if __name__ == "__main__":
    main()
