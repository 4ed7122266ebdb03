#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""vdk-testpmd io-forwarding between two net_af_xdp ports on veth ends: a
sender in one namespace, a counter in another, every packet accounted for
(received == sent, none twice); two queue pairs on two-queue veths, each
carrying part of 16 flows; the sockets' XDP program gone after exit; and
every refusal: a missing interface, a queue beyond the interface's, no
permission (all capabilities dropped), and an XDP program someone else
attached. Then af_xdp_zc, an app of the test's own on the same two ports:
the UMEM over its mbuf pool (rx mbufs in the pool's memory, frames where
the kernel wrote them), frames from another pool and chains still sent
(counted as copied), and every mbuf back in the pool after stop.

usage: test_af_xdp.py PATH/TO/vdk-testpmd PATH/TO/af_xdp_zc   (about 40 s; root)
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

import vdk_host as vh

# A program that passes every frame, attached by "someone else".
OTHER_PROG = r'''
struct xdp_md;
__attribute__((section("xdp"), used)) int other_prog(struct xdp_md *ctx) { return 2; }
char _license[] __attribute__((section("license"), used)) = "BSD";
'''


def eal(qpairs=1):
    return ["-l", "0-1", "--no-huge", "--no-pci",
            "--vdev", "net_af_xdp0,iface=s1,queue_count=%d" % qpairs,
            "--vdev", "net_af_xdp1,iface=r1,queue_count=%d" % qpairs]


def start(topo, testpmd, qpairs=1, app=()):
    # 2,048 mbufs on each fill ring: what the kernel can queue while this
    # loaded host keeps testpmd off its CPU (the driver posts what rxd says).
    argv = topo.exec_args("f", [testpmd] + eal(qpairs) + ["--", "--run-time=60", "--rxd=2048",
                                                          "--txd=2048"] + list(app))
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in p.stdout:
        lines.append(line)
        if "nb forwarding cores=" in line:
            return p, lines
    p.wait()
    raise AssertionError("testpmd did not start forwarding:\n" + "".join(lines))


def stop(p, lines):
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=30)
    return p.returncode, "".join(lines) + out


def summary(text, port):
    m = re.search(r"Forward statistics for port %d\s.*?RX-packets: (\d+)\s+RX-dropped: (\d+)"
                  r".*?TX-packets: (\d+)\s+TX-dropped: (\d+)" % port, text, re.S)
    assert m, "no summary for port %d in:\n%s" % (port, text)
    return [int(x) for x in m.groups()]


def refused(topo, testpmd, vdev, prefix=()):
    r = subprocess.run(topo.exec_args("f", list(prefix) + [testpmd, "-l", "0-1", "--no-huge",
                                                            "--no-pci", "--vdev", vdev, "--",
                                                            "--run-time=1"]),
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


def xdp_attached(topo, dev):
    return "prog/xdp" in vh.sh("ip", "-n", topo.ns["f"], "-d", "link", "show", dev).stdout


def main():
    vh.need_root()
    for tool in ("clang", "setpriv"):
        if shutil.which(tool) is None:
            print("FAIL: %s is missing (devtools/common.sh lists its package)" % tool)
            return 1
    testpmd, zc_app = sys.argv[1], sys.argv[2]
    c = vh.Checks()
    tmp = tempfile.mkdtemp(prefix="vdk-afxdp-")
    topo = vh.Topology().make()
    topo2 = None
    try:
        # 1. One queue pair a port: every packet through, once.
        n = 4000
        p, lines = start(topo, testpmd)
        modes = re.findall(r"af_xdp: net_af_xdp\d: (\w+) queue (\d+): ([\w-]+) mode", "".join(lines))
        counter = vh.start_counter(topo, idle=5.0)
        sender = vh.start_sender(topo, n, 2000)
        sender.communicate(timeout=60)
        got, dups = vh.counter_result(counter)
        rc, text = stop(p, lines)
        c.check(sorted(modes) == [("r1", "0", "copy"), ("s1", "0", "copy")],
                "each queue logs its mode (veth: copy)", "logged %s" % modes)
        c.check(got == n and dups == 0, "all %d packets reached the counter, once" % n,
                "got %d dups %d" % (got, dups))
        c.check(rc == 0, "testpmd exits 0 on SIGINT", "exit %d" % rc)
        rx0, miss0, tx0, _ = summary(text, 0)
        rx1, _, tx1, drop1 = summary(text, 1)
        c.check(rx0 == n and miss0 == 0, "port 0 received every packet",
                "rx %d missed %d" % (rx0, miss0))
        c.check(tx1 == n and drop1 == 0, "port 1 sent every packet",
                "tx %d dropped %d" % (tx1, drop1))
        c.check(rx1 == 0 and tx0 == 0, "nothing else crossed the ports",
                "rx1 %d tx0 %d" % (rx1, tx0))
        c.check(not xdp_attached(topo, "s1") and not xdp_attached(topo, "r1"),
                "the XDP programs are gone after exit")

        # 2. Two queue pairs on two-queue veths: the sender's end spreads 16
        # flows over both queues (a one-queue port there would see only queue 0's).
        n = 4000
        topo2 = vh.Topology().make(queues=2)
        p, lines = start(topo2, testpmd, qpairs=2, app=["--rxq=2", "--txq=2"])
        counter = vh.start_counter(topo2, idle=5.0)
        sender = vh.start_sender(topo2, n, 2000, first=100000, flows=16)
        sender.communicate(timeout=60)
        got, dups = vh.counter_result(counter)
        rc, text = stop(p, lines)
        rx0, miss0, _, _ = summary(text, 0)
        c.check(got == n and dups == 0 and rc == 0, "two queue pairs: all %d packets, once" % n,
                "got %d dups %d exit %d (port 0: rx %d missed %d)" % (got, dups, rc, rx0, miss0))
        q = [int(x) for x in re.findall(
            r"RX Port= 0/Queue= (?:\d)\s+-> TX Port= 1/Queue= \d -+\n\s+RX-packets: (\d+)", text)]
        c.check(len(q) == 2 and sum(q) == n and min(q) > 0,
                "both rx queues of port 0 carried traffic", "per queue %s" % q)

        # 3. Refusals.
        rc, out = refused(topo, testpmd, "net_af_xdp0,iface=nosuch0")
        c.check(rc != 0 and "no interface nosuch0 in this network namespace" in out,
                "refused: a missing interface", out[-400:])
        rc, out = refused(topo, testpmd, "net_af_xdp0,iface=s1,start_queue=1")
        c.check(rc != 0 and "s1 has 1 rx queue(s)" in out and "needs 2" in out,
                "refused: a queue beyond the interface's", out[-400:])
        rc, out = refused(topo, testpmd, "net_af_xdp0,iface=s1",
                          prefix=["setpriv", "--inh-caps=-all", "--bounding-set=-all"])
        c.check(rc != 0 and "needs CAP_NET_RAW" in out, "refused: no capabilities",
                out[-400:])
        src, obj = os.path.join(tmp, "other.c"), os.path.join(tmp, "other.o")
        with open(src, "w") as f:
            f.write(OTHER_PROG)
        vh.sh("clang", "-O2", "-target", "bpf", "-c", src, "-o", obj)
        vh.sh("ip", "-n", topo.ns["f"], "link", "set", "dev", "r1", "xdpgeneric", "obj", obj,
              "sec", "xdp")
        rc, out = refused(topo, testpmd, "net_af_xdp0,iface=r1")
        c.check(rc != 0 and "has XDP program 'other_prog'" in out and
                "xdpgeneric off" in out, "refused: an XDP program someone else attached",
                out[-400:])
        c.check(xdp_attached(topo, "r1"), "their program is left in place")
        vh.sh("ip", "-n", topo.ns["f"], "link", "set", "dev", "r1", "xdpgeneric", "off")

        # 4. The UMEM over the app's pool, seen from the app (af_xdp_zc.c).
        n = 2000
        zc = subprocess.Popen(topo.exec_args("f", [zc_app, str(n)]), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        lines = []
        for line in zc.stdout:
            lines.append(line)
            if line.strip() == "ready":
                break
        counter = vh.start_counter(topo, idle=5.0)
        sender = vh.start_sender(topo, n, 2000, first=200000)
        sender.communicate(timeout=60)
        out, _ = zc.communicate(timeout=120)
        text = "".join(lines) + out
        got, dups = vh.counter_result(counter)
        checks = re.findall(r"^(ok  |FAIL) (.*)$", text, re.M)
        for status, what in checks:
            c.check(status == "ok  ", "af_xdp_zc: " + what)
        c.check(zc.returncode == 0 and len(checks) >= 12, "af_xdp_zc ran all its checks",
                "exit %s, %d checks:\n%s" % (zc.returncode, len(checks), text[-2000:]))
        # The app forwards the sender's frames and sends 150 of its own.
        c.check(got == n + 150 and dups == 0,
                "the counter got the forwarded frames and the copied ones, once",
                "got %d dups %d" % (got, dups))
    finally:
        topo.remove()
        if topo2 is not None:
            topo2.remove()
        shutil.rmtree(tmp, ignore_errors=True)
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
