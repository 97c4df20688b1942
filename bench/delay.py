#!/usr/bin/env python3
"""Delay every packet of one netfilter queue by a fixed time (netem stand-in).

Usage: delay.py QUEUE_NUM DELAY_MS [READY_FILE]

bench/run.sh uses it when the kernel has no sch_netem (`tc qdisc add ... netem`
fails with "Specified qdisc kind is unknown"): inside the benchmark's network
namespace an iptables rule sends every packet leaving through lo to NFQUEUE
QUEUE_NUM, and this program gives each one back to the kernel (NF_ACCEPT)
DELAY_MS after it arrived, in arrival order. Each packet crosses OUTPUT once,
so 25 ms here is 25 ms each way, 50 ms round trip: the same as
`tc qdisc add dev lo root netem delay 25ms`.

Unlike netem, a packet held here stays charged to its socket, so TCP
autocorking would hold that socket's next small write until this one is
released: run.sh sets net.ipv4.tcp_autocorking=0 in the namespace.

Standard library only: speaks nfnetlink_queue over a raw netlink socket
(uapi linux/netfilter/nfnetlink_queue.h). Packets are queued in metadata-only
mode; the delay is a constant, so order is kept and one batch verdict
releases every packet whose time has come. Writes READY_FILE once bound.
Runs until SIGTERM/SIGINT (seen within 0.2 s); the iptables rule uses --queue-bypass, so packets
pass undelayed (rather than being dropped) if this program is not running.
"""

import collections
import os
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_CONFIG = 2
NFQNL_MSG_VERDICT_BATCH = 3
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2
NF_ACCEPT = 1
IDLE_S = 0.2


def nla(kind, payload):
    """One netlink attribute, padded to 4 bytes."""
    raw = struct.pack("=HH", 4 + len(payload), kind) + payload
    return raw + b"\0" * (-len(raw) % 4)


class Queue:
    def __init__(self, num):
        self.num = num
        self.seq = 0
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind((0, 0))

    def send(self, msg_type, family, attrs, flags=NLM_F_REQUEST):
        self.seq += 1
        body = struct.pack("!BBH", family, 0, self.num) + b"".join(attrs)
        hdr = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type,
                          flags, self.seq, 0)
        self.sock.send(hdr + body)

    def config(self, attrs):
        """Send a config message and wait for its ack (raises on a netlink error)."""
        self.send(NFQNL_MSG_CONFIG, socket.AF_UNSPEC, attrs, NLM_F_REQUEST | NLM_F_ACK)
        while True:
            for msg_type, payload in self.messages(self.sock.recv(65536)):
                if msg_type == NLMSG_ERROR:
                    err = struct.unpack_from("=i", payload)[0]
                    if err:
                        raise OSError(-err, os.strerror(-err))
                    return

    def bind(self):
        self.config([nla(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND, socket.AF_INET))])
        self.config([nla(NFQA_CFG_PARAMS, struct.pack("!IBxxx", 0, NFQNL_COPY_META)),
                     nla(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", 65536))])

    def accept_upto(self, packet_id):
        """Batch verdict: accept every queued packet with an id <= packet_id."""
        self.send(NFQNL_MSG_VERDICT_BATCH, socket.AF_UNSPEC,
                  [nla(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet_id))])

    @staticmethod
    def messages(data):
        """Yields (nlmsg type, payload) for every netlink message in one datagram."""
        off = 0
        while off + 16 <= len(data):
            length, msg_type = struct.unpack_from("=IH", data, off)
            if length < 16:
                return
            yield msg_type, data[off + 16:off + length]
            off += (length + 3) & ~3

    @staticmethod
    def packet_id(payload):
        """The packet id of an NFQNL_MSG_PACKET payload (after its nfgenmsg)."""
        off = 4
        while off + 4 <= len(payload):
            length, kind = struct.unpack_from("=HH", payload, off)
            if length < 4:
                break
            if kind & 0x3FFF == NFQA_PACKET_HDR:
                return struct.unpack_from("!I", payload, off + 4)[0]
            off += (length + 3) & ~3
        return None


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    queue = Queue(int(sys.argv[1]))
    delay = float(sys.argv[2]) / 1000.0
    queue.bind()
    if len(sys.argv) == 4:
        with open(sys.argv[3], "w", encoding="ascii") as ready:
            ready.write(f"{os.getpid()}\n")

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    pending = collections.deque()  # (release time, packet id), in arrival order
    while not stop:
        now = time.monotonic()
        last = None
        while pending and pending[0][0] <= now:
            last = pending.popleft()[1]
        if last is not None:
            queue.accept_upto(last)
        # At most IDLE_S asleep: Python retries select() after a signal handler
        # (PEP 475), so the stop flag is only seen when select returns.
        timeout = IDLE_S if not pending else min(IDLE_S, max(0.0, pending[0][0] - time.monotonic()))
        try:
            readable, _, _ = select.select([queue.sock], [], [], timeout)
        except InterruptedError:
            continue
        if not readable:
            continue
        # Drain everything that is waiting, stamping each packet on arrival.
        while True:
            try:
                data = queue.sock.recv(1 << 20, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            except OSError as err:  # ENOBUFS: the kernel dropped messages; go on
                print(f"delay.py: {err}", file=sys.stderr)
                break
            arrived = time.monotonic()
            for msg_type, payload in queue.messages(data):
                if msg_type == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                    pid = queue.packet_id(payload)
                    if pid is not None:
                        pending.append((arrived + delay, pid))
    # Release whatever is still held before leaving.
    if pending:
        queue.accept_upto(pending[-1][1])


if __name__ == "__main__":
    main()
