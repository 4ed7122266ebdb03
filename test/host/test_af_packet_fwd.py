#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""vdk-testpmd forwarding between two net_af_packet ports on veth pairs:
a sender in one network namespace, a counter in another, every packet
accounted for at a low rate; then two queue pairs spread over PACKET_FANOUT;
then a missing interface refused at start-up; then the ring sizes
vdk-testpmd gives the queues: the driver's (framecnt) unless --rxd/--txd;
then, with one and two queue pairs, through the qdisc and past it, that
no transmitted frame comes back on the ports' rx rings, and which of the
ports' rings have sockets of their own (/proc/net/packet).

usage: test_af_packet_fwd.py PATH/TO/vdk-testpmd   (about 20 s; root)
"""
import os
import re
import signal
import subprocess
import sys
import time

import vdk_host as vh


def run_testpmd(topo, testpmd, extra_eal=(), app=(), qpairs=1, devargs=""):
    argv = topo.exec_args("f", [testpmd] + vh.afp_eal_args(qpairs, devargs) + list(extra_eal) +
                          ["--", "--run-time=60"] + list(app))
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in p.stdout:
        lines.append(line)
        if "nb forwarding cores=" in line:
            return p, lines
    p.wait()
    raise AssertionError("testpmd did not start forwarding:\n" + "".join(lines))


def stop_testpmd(p, lines):
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=30)
    return p.returncode, "".join(lines) + out


def port_summary(text, port):
    m = re.search(r"Forward statistics for port %d\s.*?RX-packets: (\d+)\s+RX-dropped: (\d+)"
                  r".*?TX-packets: (\d+)\s+TX-dropped: (\d+)" % port, text, re.S)
    assert m, "no summary for port %d in:\n%s" % (port, text)
    return [int(x) for x in m.groups()]


def packet_sockets(topo):
    """{(ifindex, protocol): sockets} of the forwarder's namespace (/proc/net/packet)."""
    out = vh.sh(*topo.exec_args("f", ["cat", "/proc/net/packet"])).stdout
    n = {}
    for line in out.splitlines()[1:]:
        f = line.split()  # sk RefCnt Type Proto Iface R Rmem User Inode
        key = (int(f[4]), int(f[3], 16))
        n[key] = n.get(key, 0) + 1
    return n


def tx_apart_expected(qpairs, bypass):
    """Whether the driver should give the tx rings sockets of their own (tx_apart())."""
    major, minor = (int(x) for x in re.match(r"(\d+)\.(\d+)", os.uname().release).groups())
    return qpairs == 1 or bypass == 1 or (major, minor) >= (6, 2)


def main():
    vh.need_root()
    testpmd = sys.argv[1]
    c = vh.Checks()
    topo = vh.Topology().make()
    try:
        # 1. One queue pair, 2000 packets at 1000 per second.
        n = 2000
        p, lines = run_testpmd(topo, testpmd)
        counter = vh.start_counter(topo)
        sender = vh.start_sender(topo, n, 1000)
        sender.communicate(timeout=60)
        got, dups = vh.counter_result(counter)
        rc, text = stop_testpmd(p, lines)
        c.check(got == n, "all %d packets reached the counter" % n, "got %d" % got)
        c.check(dups == 0, "no packet twice", "%d duplicates" % dups)
        c.check(rc == 0, "testpmd exits 0 on SIGINT", "exit %d" % rc)
        rx0, miss0, tx0, drop0 = port_summary(text, 0)
        rx1, miss1, tx1, drop1 = port_summary(text, 1)
        c.check(rx0 == n and miss0 == 0, "port 0 received every packet", "rx %d missed %d" % (rx0, miss0))
        c.check(tx1 == n and drop1 == 0, "port 1 sent every packet", "tx %d dropped %d" % (tx1, drop1))
        c.check(rx1 == 0 and tx0 == 0, "nothing else crossed the ports", "rx1 %d tx0 %d" % (rx1, tx0))
        c.check("Port 0 is closed" in text and "Port 1 is closed" in text and "Bye..." in text,
                "ports closed at exit")

        # 1b. The ring holds framecnt frames whatever the rate. At 1,000
        # frames/s each 1 ms rx block holds one frame or so; testpmd stopped
        # for 0.8 s (a reader off its CPU on a loaded machine) leaves about
        # 800 frames for the default ring of 1,024 to hold until it runs again.
        n, stall = 1500, 0.8
        p, lines = run_testpmd(topo, testpmd)
        counter = vh.start_counter(topo)
        sender = vh.start_sender(topo, n, 1000)
        time.sleep(0.3)
        os.kill(p.pid, signal.SIGSTOP)
        time.sleep(stall)
        os.kill(p.pid, signal.SIGCONT)
        sender.communicate(timeout=60)
        got, dups = vh.counter_result(counter)
        rc, text = stop_testpmd(p, lines)
        rx0, miss0, _, _ = port_summary(text, 0)
        c.check(got == n and dups == 0 and miss0 == 0,
                "testpmd stopped %.1f s at 1,000 frames/s: the 1,024-frame ring kept every "
                "frame (%d of %d through, none missed)" % (stall, got, n),
                "got %d dups %d; port 0 rx %d missed %d" % (got, dups, rx0, miss0))

        # 2. Two queue pairs: fanout spreads 16 flows over both rx queues.
        n = 1000
        p, lines = run_testpmd(topo, testpmd, app=["--rxq=2", "--txq=2"], qpairs=2)
        counter = vh.start_counter(topo)
        sender = vh.start_sender(topo, n, 1000, first=100000, flows=16)
        sender.communicate(timeout=60)
        got, dups = vh.counter_result(counter)
        rc, text = stop_testpmd(p, lines)
        c.check(got == n and dups == 0, "two queue pairs: all %d packets, once" % n,
                "got %d dups %d" % (got, dups))
        c.check(rc == 0, "two queue pairs: exit 0", "exit %d" % rc)
        q = [int(x) for x in re.findall(
            r"RX Port= 0/Queue= (?:\d)\s+-> TX Port= 1/Queue= \d -+\n\s+RX-packets: (\d+)", text)]
        c.check(len(q) == 2 and sum(q) == n and min(q) > 0,
                "fanout used both rx queues of port 0", "per queue %s" % q)

        # 3. An interface that does not exist.
        r = subprocess.run(topo.exec_args("f", [testpmd, "-l", "0-1", "--no-huge", "--no-pci",
                                                "--vdev", "net_af_packet0,iface=nosuch0",
                                                "--", "--run-time=1"]),
                           capture_output=True, text=True, timeout=30)
        c.check(r.returncode != 0 and "no interface nosuch0" in r.stdout + r.stderr,
                "a missing interface is refused with a message",
                "exit %d: %s" % (r.returncode, (r.stdout + r.stderr)[-500:]))

        # 3b. A ring the kernel refuses (64 MiB blocks, 2^20 of them: more than
        # its 32-bit ring size): the rings are made after the probe, so the
        # port's start fails and says why.
        r = subprocess.run(topo.exec_args("f", [
            testpmd, "-l", "0-1", "--no-huge", "--no-pci",
            "--vdev", "net_af_packet0,iface=s1,blocksz=67108864,framecnt=1048576",
            "--", "--run-time=0.2"]), capture_output=True, text=True, timeout=60)
        out = r.stdout + r.stderr
        c.check(r.returncode != 0 and "packet socket set-up failed: Invalid argument" in out and
                "cannot start: its packet rings could not be made" in out and
                "Fail to start port 0" in out,
                "a ring the kernel refuses fails the port's start, with the cause",
                "exit %d: %s" % (r.returncode, out[-1500:]))

        # 4. Descriptor counts: the driver's default ring size (af_packet's is its
        # framecnt) without --rxd/--txd, as DPDK's testpmd; the options win.
        for what, app, want in (("no --rxd/--txd: the driver's 2048", [], (2048, 2048)),
                                ("--rxd=512 --txd=256 override it", ["--rxd=512", "--txd=256"],
                                 (512, 256))):
            r = subprocess.run(topo.exec_args("f", [
                testpmd, "-l", "0-1", "--no-huge", "--no-pci",
                "--vdev", "net_af_packet0,iface=s1,framecnt=2048",
                "--vdev", "net_af_packet1,iface=r1,framecnt=2048",
                "--", "--run-time=0.2"] + app), capture_output=True, text=True, timeout=60)
            got = [tuple(int(x) for x in m) for m in re.findall(
                r"port \d: RX queue number: 1 Tx queue number: 1\n\s+RX desc=(\d+) - TX desc=(\d+)",
                r.stdout)]
            c.check(r.returncode == 0 and got == [want, want],
                    "ring sizes, %s: RX/TX desc %d/%d on both ports" % (what, want[0], want[1]),
                    "exit %d, got %s:\n%s" % (r.returncode, got, r.stdout[-1500:]))

        # 5. No frame comes back. Port 1's peer sends nothing, so whatever
        # port 1 receives is its own transmissions handed back by the
        # kernel (and forwarded on, they would circulate through both
        # ports): with a tx socket apart, the rx socket's
        # PACKET_IGNORE_OUTGOING, qdisc_bypass, or the fanout group's
        # PACKET_FANOUT_FLAG_IGNORE_OUTGOING must keep them off.
        ifindex = {name: int(vh.sh(*topo.exec_args("f", ["cat", "/sys/class/net/%s/ifindex"
                                                         % name])).stdout)
                   for name in ("s1", "r1")}
        n = 400
        for qpairs in (1, 2):
            for bypass in (0, 1):
                what = "qpairs=%d qdisc_bypass=%d" % (qpairs, bypass)
                app = ["--rxq=%d" % qpairs, "--txq=%d" % qpairs]
                p, lines = run_testpmd(topo, testpmd, app=app, qpairs=qpairs,
                                       devargs=",qdisc_bypass=%d" % bypass)
                socks = packet_sockets(topo)
                counter = vh.start_counter(topo)
                sender = vh.start_sender(topo, n, 2000, first=200000, flows=16)
                sender.communicate(timeout=60)
                got, dups = vh.counter_result(counter)
                rc, text = stop_testpmd(p, lines)
                rx0, _, tx0, _ = port_summary(text, 0)
                rx1, _, tx1, _ = port_summary(text, 1)
                c.check(rc == 0 and got == n and dups == 0 and rx0 == n and tx1 == n,
                        "%s: all %d frames through, once" % (what, n),
                        "exit %d got %d dups %d; port 0 rx %d, port 1 tx %d"
                        % (rc, got, dups, rx0, tx1))
                c.check(rx1 == 0 and tx0 == 0,
                        "%s: none of port 1's frames came back on its rx side" % what,
                        "port 1 rx %d, port 0 tx %d" % (rx1, tx0))
                apart = tx_apart_expected(qpairs, bypass)
                want = {}
                for name in ("s1", "r1"):
                    want[(ifindex[name], 0x0003)] = qpairs
                    if apart:
                        want[(ifindex[name], 0)] = qpairs
                c.check(socks == want,
                        "%s: %s (kernel %s)" % (what, "each tx ring on a socket of its own, "
                                                "protocol 0" if apart else
                                                "each pair's rings on one socket",
                                                os.uname().release),
                        "sockets (ifindex, protocol): %s, want %s" % (socks, want))
    finally:
        topo.remove()
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
