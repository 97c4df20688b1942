#!/usr/bin/env python3
"""What a tool sent, and when: DNS queries and TCP connection attempts from a pcap.

Usage: timeline.py PCAP            the timeline, with a summary in '#' lines
       timeline.py --queries PCAP  the DNS queries only, one "NAME TYPE" a line, in order

bench/domain.sh captures one run of each tool on the namespace's lo (tcpdump -w) and keeps
the timeline next to the hyperfine results; with --queries it turns mxray's own queries into
one kdig command that asks them one at a time (the sequential reference). Events:
every DNS query (UDP, or TCP to port 53) and every TCP SYN, IPv4 and IPv6, times in ms
from the first event. Queries are grouped into waves: a query less than 10 ms after the
previous one joins its wave (with 50 ms RTT a wave is one round trip of concurrent queries).
Standard library only (pcap with Ethernet framing, as tcpdump writes for lo).
"""

import struct
import sys

TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
         33: "SRV", 43: "DS", 48: "DNSKEY", 52: "TLSA", 99: "SPF", 257: "CAA"}
WAVE_GAP_MS = 10.0


def qname(b, off):
    labels = []
    while off < len(b):
        n = b[off]
        if n == 0:
            return ".".join(labels), off + 1
        if n >= 0xC0:  # a question never compresses; be safe
            return ".".join(labels), off + 2
        labels.append(b[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    raise ValueError("truncated name")


def packets(path):
    """(time s, proto, dst addr, dst port, tcp flags or None, payload) per IPv4/IPv6 packet."""
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return
        magic = struct.unpack("<I", head[:4])[0]
        endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
        link = struct.unpack(endian + "I", head[20:24])[0]
        if link != 1:
            raise SystemExit(f"timeline.py: link type {link}, expected Ethernet (1)")
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, caplen, _ = struct.unpack(endian + "IIII", rec)
            data = f.read(caplen)
            t = sec + frac / (1e9 if nano else 1e6)
            ethertype = struct.unpack(">H", data[12:14])[0]
            ip = data[14:]
            if ethertype == 0x0800:
                proto, l4 = ip[9], ip[(ip[0] & 15) * 4:]
                dst = ".".join(str(x) for x in ip[16:20])
            elif ethertype == 0x86DD:  # no extension headers on lo
                proto, l4 = ip[6], ip[40:]
                dst = "[" + ":".join(f"{ip[24 + i]:02x}{ip[25 + i]:02x}" for i in range(0, 16, 2)) + "]"
                dst = "[::1]" if dst == "[0000:0000:0000:0000:0000:0000:0000:0001]" else dst
            else:
                continue
            if proto == 17 and len(l4) >= 8:
                yield t, "udp", dst, struct.unpack(">H", l4[2:4])[0], None, l4[8:]
            elif proto == 6 and len(l4) >= 20:
                off = (l4[12] >> 4) * 4
                yield t, "tcp", dst, struct.unpack(">H", l4[2:4])[0], l4[13], l4[off:]


def events(path):
    """[(t_ms, kind, text)]: kind 'dns' (text "NAME TYPE") or 'syn' (text "ADDR:PORT")."""
    out = []
    for t, proto, dst, dport, flags, payload in packets(path):
        if proto == "tcp" and flags is not None and flags & 0x12 == 0x02:
            out.append((t, "syn", f"{dst}:{dport}"))
            continue
        if dport != 53:
            continue
        if proto == "tcp":  # DNS over TCP: 2-byte length first (one query per segment here)
            payload = payload[2:]
        if len(payload) < 17:
            continue
        try:
            name, off = qname(payload, 12)
            qtype = struct.unpack(">H", payload[off:off + 2])[0]
        except (ValueError, struct.error):
            continue
        out.append((t, "dns", f"{name or '.'} {TYPES.get(qtype, str(qtype))}" + (" (tcp)" if proto == "tcp" else "")))
    if not out:
        return []
    t0 = out[0][0]
    return [((t - t0) * 1000, k, s) for t, k, s in out]


def waves(evs):
    """[(start ms, number of queries)] of the DNS queries."""
    res, last = [], None
    for t, kind, _ in evs:
        if kind != "dns":
            continue
        if last is None or t - last >= WAVE_GAP_MS:
            res.append([t, 0])
        res[-1][1] += 1
        last = t
    return [(t, n) for t, n in res]


def summary(evs):
    q = [e for e in evs if e[1] == "dns"]
    w = waves(evs)
    syn = [e for e in evs if e[1] == "syn" and not e[2].endswith(":53")]
    line = f"{len(q)} DNS queries in {len(w)} waves: " + ", ".join(f"{t:.0f} ms ({n})" for t, n in w)
    if syn:
        line += "; TCP connections opened: " + ", ".join(f"{s} at {t:.0f} ms" for t, _, s in syn)
    return line


def main():
    args = sys.argv[1:]
    if args and args[0] == "--queries":
        for _, kind, text in events(args[1]):
            if kind == "dns":
                print(" ".join(text.split()[:2]))
        return
    if len(args) != 1:
        raise SystemExit(__doc__)
    evs = events(args[0])
    print("# " + summary(evs))
    for t, kind, text in evs:
        print(f"{t:8.1f} ms  {kind:3}  {text}")


if __name__ == "__main__":
    main()
