#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""vdk-testpmd's csum engine against the kernel. A sender in one network
namespace puts UDP/IPv4 and TCP/IPv4 frames on a veth: good ones, and ones
with a deliberately wrong IPv4 header checksum or UDP or TCP checksum.
vdk-testpmd forwards them from af_packet port 0 to port 1 in csum mode,
into the kernel of a second namespace, which checks every checksum itself
(veth leaves frames from a packet socket unverified) and counts in its
/proc/net/snmp what it received and what it threw away. In csum mode the
engine's Bad-ipcsum and Bad-l4csum must be exactly the frames broken on
purpose and the kernel must accept every frame; in io mode, the same
frames unrepaired, the kernel must count the broken ones as errors: so
the kernel's check is shown to see them.

usage: test_testpmd_csum.py PATH/TO/vdk-testpmd   (about 10 s; root)
"""
import re
import signal
import subprocess
import sys

import vdk_host as vh

SIP, DIP = "10.99.0.1", "10.99.0.2"
UDP_PORT, TCP_PORT = 9999, 9998
# Each kind: (count, break the IPv4 header checksum, break the L4 checksum, protocol)
KINDS = {
    "udp good": (40, False, False, 17),
    "udp bad ip": (7, True, False, 17),
    "udp bad l4": (11, False, True, 17),
    "tcp good": (13, False, False, 6),
    "tcp bad l4": (5, False, True, 6),
}

SENDER = r'''
import socket, sys
dmac, kinds = bytes.fromhex(sys.argv[1].replace(":", "")), eval(sys.argv[2])
SIP, DIP = bytes([10, 99, 0, 1]), bytes([10, 99, 0, 2])

def csum(b):
    if len(b) % 2:
        b += b"\0"
    c = sum(int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2))
    while c >> 16:
        c = (c & 0xffff) + (c >> 16)
    return ~c & 0xffff

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("s0", 0))
seq = 0
for count, bad_ip, bad_l4, proto in kinds:
    for i in range(count):
        seq += 1
        payload = b"VDKC" + seq.to_bytes(4, "big") + bytes(24)
        if proto == 17:
            l4 = bytearray((40000 + seq).to_bytes(2, "big") + (9999).to_bytes(2, "big") +
                           (8 + len(payload)).to_bytes(2, "big") + b"\0\0" + payload)
            off = 6
        else:
            # A SYN to a closed port: the kernel answers each good one with a RST.
            l4 = bytearray((40000 + seq).to_bytes(2, "big") + (9998).to_bytes(2, "big") +
                           seq.to_bytes(4, "big") + bytes(4) + b"\x50\x02\xff\xff" +
                           b"\0\0\0\0" + payload)
            off = 16
        pseudo = SIP + DIP + bytes([0, proto]) + len(l4).to_bytes(2, "big")
        c = csum(pseudo + bytes(l4))
        if bad_l4:
            c ^= 0x5a5a
        l4[off:off + 2] = c.to_bytes(2, "big")
        ip = bytearray(b"\x45\x00" + (20 + len(l4)).to_bytes(2, "big") + seq.to_bytes(2, "big") +
                       b"\x00\x00\x40" + bytes([proto]) + b"\0\0" + SIP + DIP)
        c = csum(bytes(ip))
        if bad_ip:
            c ^= 0x0101
        ip[10:12] = c.to_bytes(2, "big")
        s.send(dmac + b"\x02\x00\x00\x00\x00\x02\x08\x00" + bytes(ip) + bytes(l4))
print("sent", seq, flush=True)
'''

# Listens for the UDP datagrams and prints how many came, once idle.
RECEIVER = r'''
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind(("0.0.0.0", 9999))
s.settimeout(float(sys.argv[1]))
print("ready", flush=True)
n = 0
while True:
    try:
        s.recv(2048)
    except socket.timeout:
        break
    n += 1
print("received", n, flush=True)
'''


def snmp(topo):
    """{"Ip": {...}, "Udp": {...}, "Tcp": {...}} of the receiving namespace."""
    text = vh.sh(*topo.exec_args("r", ["cat", "/proc/net/snmp"])).stdout.splitlines()
    out = {}
    for names, values in zip(text[0::2], text[1::2]):
        proto = names.split(":")[0]
        out[proto] = dict(zip(names.split()[1:], (int(v) for v in values.split()[1:])))
    return out


def run(topo, testpmd, mode, r0_mac):
    """Forward one batch of every kind in @mode; (testpmd's output, kernel counter deltas, UDP received)."""
    argv = topo.exec_args("f", [testpmd] + vh.afp_eal_args() +
                          ["--", "--forward-mode=%s" % mode, "--eth-peer=1,%s" % r0_mac,
                           "--run-time=60"])
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in p.stdout:
        lines.append(line)
        if "nb forwarding cores=" in line:
            break
    else:
        p.wait()
        raise AssertionError("testpmd did not start forwarding:\n" + "".join(lines))
    before = snmp(topo)
    rcv = subprocess.Popen(topo.exec_args("r", [sys.executable, "-c", RECEIVER, "3"]),
                           stdout=subprocess.PIPE, text=True)
    assert rcv.stdout.readline().strip() == "ready"
    kinds = repr([KINDS[k] for k in KINDS])
    snd = subprocess.run(topo.exec_args("s", [sys.executable, "-c", SENDER, r0_mac, kinds]),
                         capture_output=True, text=True, timeout=60)
    assert snd.returncode == 0, snd.stderr
    out, _ = rcv.communicate(timeout=60)
    got = int(re.search(r"received (\d+)", out).group(1))
    after = snmp(topo)
    p.send_signal(signal.SIGINT)
    text, _ = p.communicate(timeout=30)
    delta = {proto: {k: after[proto][k] - before[proto].get(k, 0) for k in after[proto]}
             for proto in ("Ip", "Udp", "Tcp")}
    return "".join(lines) + text, delta, got


def total(pred):
    return sum(n for (n, bad_ip, bad_l4, proto) in KINDS.values() if pred(bad_ip, bad_l4, proto))


def main():
    vh.need_root()
    testpmd = sys.argv[1]
    c = vh.Checks()
    topo = vh.Topology().make()
    try:
        vh.sh("ip", "-n", topo.ns["r"], "addr", "add", DIP + "/24", "dev", "r0")
        r0_mac = vh.sh(*topo.exec_args("r", ["cat", "/sys/class/net/r0/address"])).stdout.strip()
        udp = total(lambda ip, l4, proto: proto == 17)
        tcp = total(lambda ip, l4, proto: proto == 6)
        bad_ip = total(lambda ip, l4, proto: ip)
        bad_udp = total(lambda ip, l4, proto: l4 and proto == 17)
        bad_tcp = total(lambda ip, l4, proto: l4 and proto == 6)

        text, d, got = run(topo, testpmd, "csum", r0_mac)
        m = re.search(r"Forward statistics for port 0\s.*?RX-packets: (\d+).*?"
                      r"Bad-ipcsum: (\d+)\s+Bad-l4csum: (\d+)", text, re.S)
        c.check(m is not None, "csum: port 0's summary has the Bad-ipcsum line", text[-1500:])
        if m:
            rx, bip, bl4 = (int(x) for x in m.groups())
            c.check(rx == udp + tcp, "csum: port 0 received the %d frames sent" % (udp + tcp),
                    "rx %d" % rx)
            c.check(bip == bad_ip, "csum: Bad-ipcsum is the %d frames sent with a bad IPv4 "
                    "header checksum" % bad_ip, "got %d" % bip)
            c.check(bl4 == bad_udp + bad_tcp, "csum: Bad-l4csum is the %d frames sent with a bad "
                    "UDP or TCP checksum" % (bad_udp + bad_tcp), "got %d" % bl4)
        c.check(got == udp, "csum: the kernel's UDP socket got all %d datagrams, repaired ones "
                "included" % udp, "got %d" % got)
        c.check(d["Udp"]["InCsumErrors"] == 0 and d["Tcp"]["InCsumErrors"] == 0 and
                d["Ip"]["InHdrErrors"] == 0,
                "csum: the kernel found no bad checksum in what csum forwarded", str(d))
        c.check(d["Tcp"]["InSegs"] == tcp, "csum: the kernel took all %d TCP segments" % tcp,
                "InSegs %d" % d["Tcp"]["InSegs"])

        # The same frames through io, unrepaired: the kernel must see each break.
        text, d, got = run(topo, testpmd, "io", r0_mac)
        c.check(d["Ip"]["InHdrErrors"] == bad_ip,
                "io: the kernel counts the %d bad IPv4 header checksums" % bad_ip,
                "InHdrErrors %d" % d["Ip"]["InHdrErrors"])
        c.check(d["Udp"]["InCsumErrors"] == bad_udp and d["Tcp"]["InCsumErrors"] == bad_tcp,
                "io: the kernel counts the %d bad UDP and %d bad TCP checksums" %
                (bad_udp, bad_tcp), "Udp %d Tcp %d" % (d["Udp"]["InCsumErrors"],
                                                      d["Tcp"]["InCsumErrors"]))
        c.check(got == udp - bad_ip - bad_udp, "io: the kernel's UDP socket got only the %d "
                "good datagrams" % (udp - bad_ip - bad_udp), "got %d" % got)
    finally:
        topo.remove()
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
