# SPDX-License-Identifier: BSD-3-Clause
"""Shared by the host-tier tests: network namespaces joined by veth pairs
that a test makes and always removes, raw-frame senders and counters run
inside them, and vdk-testpmd driven through a pseudo-terminal.

Topology (namespace names unique to the run):

    <id>s: s0 ==veth== s1 :<id>f: r1 ==veth== r0 :<id>r
    sender              testpmd ports 0, 1     counter
"""
import atexit
import os
import pty
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import time

SKIP = 77  # meson's "skipped"

# Frames the tests send: a local experimental EtherType and a marker, so
# nothing the kernel sends by itself is counted.
ETHERTYPE = 0x88B5
MARK = b"VDKT"


def need_root():
    if os.geteuid() != 0:
        print("skip: needs root (network namespaces)")
        sys.exit(SKIP)
    if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        print("skip: 'ip netns' does not work here")
        sys.exit(SKIP)


def need_tcpdump():
    """False (with the reason printed) if Debian's tcpdump, the independent reader, is missing."""
    if shutil.which("tcpdump") is None:
        print("FAIL: tcpdump is missing: apt-get install tcpdump (devtools/common.sh lists it)")
        return False
    return True


def fwd_summary(text, port):
    """(RX-packets, TX-packets) of @port in vdk-testpmd's forwarding summary."""
    m = re.search(r"Forward statistics for port %d\s.*?RX-packets: (\d+).*?TX-packets: (\d+)"
                  % port, text, re.S)
    assert m, "no summary for port %d in:\n%s" % (port, text[-2000:])
    return int(m.group(1)), int(m.group(2))


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


class Topology:
    def __init__(self):
        self.id = "vdk%d%04x" % (os.getpid() % 100000, random.randrange(0x10000))
        self.ns = {k: self.id + k for k in "sfr"}
        self.up = False
        atexit.register(self.remove)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, sig, frame):
        self.remove()
        sys.exit(1)

    def make(self, queues=1):
        """@queues: rx and tx queues of every veth end (for multi-queue ports)."""
        self.up = True
        q = ["numtxqueues", str(queues), "numrxqueues", str(queues)]
        for ns in self.ns.values():
            sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", "s0", "netns", self.ns["s"], *q, "type", "veth",
           "peer", "name", "s1", "netns", self.ns["f"], *q)
        sh("ip", "link", "add", "r1", "netns", self.ns["f"], *q, "type", "veth",
           "peer", "name", "r0", "netns", self.ns["r"], *q)
        for ns in self.ns.values():
            # No IPv6 autoconfiguration chatter on the links.
            sh("ip", "netns", "exec", ns, "sysctl", "-qw",
               "net.ipv6.conf.all.disable_ipv6=1")
            sh("ip", "netns", "exec", ns, "sysctl", "-qw",
               "net.ipv6.conf.default.disable_ipv6=1")
        sh("ip", "-n", self.ns["s"], "link", "set", "s0", "up")
        sh("ip", "-n", self.ns["r"], "link", "set", "r0", "up")
        return self

    def remove(self):
        if not self.up:
            return
        self.up = False
        for ns in self.ns.values():
            sh("ip", "netns", "del", ns, check=False)

    def exec_args(self, ns, argv):
        return ["ip", "netns", "exec", self.ns[ns]] + list(argv)


SENDER = r'''
import socket, sys, time
iface, n, rate, first, flows = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
t0 = time.monotonic()
for i in range(n):
    seq = first + i
    body = b"VDKT" + seq.to_bytes(4, "big") + bytes(50)
    if flows == 1:
        s.send(b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x88\xb5" + body)
    else:
        # UDP/IPv4 with the source port naming the flow, so fanout can hash it.
        udp = (1000 + seq % flows).to_bytes(2, "big") + b"\x00\x09" + \
            (8 + len(body)).to_bytes(2, "big") + b"\x00\x00"
        ip = bytearray(b"\x45\x00" + (28 + len(body)).to_bytes(2, "big") +
                       b"\x00\x00\x00\x00\x40\x11\x00\x00\xc6\x12\x00\x01\xc6\x12\x00\x02")
        c = sum(int.from_bytes(ip[k:k + 2], "big") for k in range(0, 20, 2))
        c = (c & 0xffff) + (c >> 16)
        ip[10:12] = (~c & 0xffff).to_bytes(2, "big")
        s.send(b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00" + bytes(ip) + udp + body)
    delay = t0 + (i + 1) / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
print("sent", n, flush=True)
'''

# Counts the sender's frames by sequence number, or with "txonly" the
# frames vdk-testpmd's txonly engine makes (UDP 198.18.0.1:9 to
# 198.18.0.2:9), and what the socket itself dropped (PACKET_STATISTICS).
COUNTER = r'''
import socket, struct, sys, time
iface, idle, kind = sys.argv[1], float(sys.argv[2]), sys.argv[3]
TXONLY = b"\xc6\x12\x00\x01\xc6\x12\x00\x02\x00\x09\x00\x09"
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))  # ETH_P_ALL
# A burst after testpmd caught up must not overflow this socket: 16 MiB.
s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
s.bind((iface, 0))
s.settimeout(idle)
print("ready", flush=True)
seen = set()
dups = txonly = 0
while True:
    try:
        d = s.recv(4096)
    except socket.timeout:
        break
    if kind == "txonly":
        if d[12:14] == b"\x08\x00" and d[23] == 17 and d[26:38] == TXONLY:
            txonly += 1
        continue
    if d[14:18] == b"VDKT":
        off = 18
    elif d[12:14] == b"\x08\x00" and d[42:46] == b"VDKT":
        off = 46
    else:
        continue
    seq = int.from_bytes(d[off:off + 4], "big")
    if seq in seen:
        dups += 1
    seen.add(seq)
# struct tpacket_stats: packets that reached the socket, and its drops.
got, drops = struct.unpack("II", s.getsockopt(263, 6, 8))  # SOL_PACKET, PACKET_STATISTICS
print("received", txonly if kind == "txonly" else len(seen), "dups", dups, "max", max(seen) if seen else -1, "drops", drops,
      flush=True)
'''


def start_counter(topo, idle=3.0, kind="seq"):
    p = subprocess.Popen(topo.exec_args("r", [sys.executable, "-c", COUNTER, "r0", str(idle),
                                              kind]),
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def counter_result(p, timeout=60, drops=False):
    """(received, dups), or with @drops (received, dups, dropped by the socket)."""
    out, _ = p.communicate(timeout=timeout)
    m = re.search(r"received (\d+) dups (\d+) max -?\d+ drops (\d+)", out)
    assert m, "counter printed: %r" % out
    r = int(m.group(1)), int(m.group(2)), int(m.group(3))
    return r if drops else r[:2]


def start_sender(topo, n, rate, first=0, flows=1):
    return subprocess.Popen(topo.exec_args("s", [sys.executable, "-c", SENDER, "s0", str(n),
                                                 str(rate), str(first), str(flows)]),
                            stdout=subprocess.PIPE, text=True)


def afp_eal_args(qpairs=1, devargs=""):
    """Ports 0 and 1 on s1 and r1; @devargs (",key=value...") added to both."""
    return ["-l", "0-1", "--no-huge", "--no-pci",
            "--vdev", "net_af_packet0,iface=s1,qpairs=%d%s" % (qpairs, devargs),
            "--vdev", "net_af_packet1,iface=r1,qpairs=%d%s" % (qpairs, devargs)]


class Pty:
    """vdk-testpmd -i on a pseudo-terminal: what a person at a terminal sees."""

    PROMPT = "testpmd> "

    def __init__(self, argv, timeout=20):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvp(argv[0], argv)
        self.buf = ""
        self.log = []
        self.read_until(self.PROMPT, timeout)

    def read_until(self, what, timeout=20):
        """Everything up to and including @what (a string or compiled regex)."""
        end = time.monotonic() + timeout
        while True:
            m = what.search(self.buf) if hasattr(what, "search") else None
            idx = m.end() if m else (self.buf.find(what) + len(what)
                                     if not hasattr(what, "search") and what in self.buf
                                     else -1)
            if idx >= 0:
                out, self.buf = self.buf[:idx], self.buf[idx:]
                self.log.append(out)
                return out
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for %r; got:\n%s" % (what, self.buf))
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    raise AssertionError("testpmd ended while waiting for %r; got:\n%s"
                                         % (what, self.buf))
                self.buf += data.decode(errors="replace").replace("\r\n", "\n")

    def send(self, keys):
        os.write(self.fd, keys.encode())

    def cmd(self, line, timeout=20):
        """Type @line and Enter; return what it printed, echo and prompt removed."""
        self.send(line + "\r")
        out = self.read_until(self.PROMPT, timeout)
        out = out[: -len(self.PROMPT)]
        # Drop the terminal's echo of the line itself.
        nl = out.find("\n")
        return out[nl + 1:] if nl >= 0 else ""

    def wait_exit(self, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r, _, _ = select.select([self.fd], [], [], 0.2)
            if r:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    data = b""
                self.buf += data.decode(errors="replace").replace("\r\n", "\n")
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError("testpmd did not exit; last output:\n%s" % self.buf[-2000:])

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


class Checks:
    """Counts checks; prints one line a check and the 'N passed, N failed' total."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            print("ok   %s" % what, flush=True)
        else:
            self.failed += 1
            print("FAIL %s %s" % (what, detail), flush=True)
        return cond

    def done(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 0 if self.failed == 0 else 1
