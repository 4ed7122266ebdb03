#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench kernel_ports: vdk-testpmd's ports on kernel interfaces against
dpdk-testpmd's, same veth pairs, same cores, same offered load, one run.

Topology (network namespaces made and removed here; no other network):

    gen: s0 ==veth== s1 :fwd: r1 ==veth== r0 :sink
    txonly             io forwarding        the kernel drops them

The generator is vdk-testpmd's txonly engine on net_af_packet (s0,
qdisc_bypass=1), its main and forwarding lcores both on CPU 0 (-l 0@0,1@0),
64-byte UDP frames; it runs all through each case, so VDK and DPDK see
the same load. The forwarder under test io-forwards s1 -> r1 with -l 0-1
(main lcore on CPU 0, the forwarding lcore alone on CPU 1), --no-huge,
burst 32, on:
  af_packet  vdk net_af_packet   vs  DPDK net_af_packet (TPACKET rings)
  af_xdp     vdk net_af_xdp      vs  DPDK net_af_xdp (one queue, copy mode
             on veth: veth has no zero-copy AF_XDP)
The figure is the forwarder's "Accumulated forward statistics" TX-packets
over the run (as bench testpmd times it: from "nb forwarding cores=" to
SIGINT), in Mpps; the generator's own rate in the same window is printed
beside it (the offered load: when the forwarder reaches it, the generator
is what limits, and the ratio says nothing about the ports).

What limits each port: af_packet copies every frame twice (kernel to ring,
ring to mbuf, and back) and makes one sendto() a tx burst to kick the
kernel; af_xdp in copy mode copies once each way in the kernel, straight
into and out of the mbufs (its UMEM is the mbuf pool), and on veth (no
zero-copy, need_wakeup) a tx burst costs a sendto() too. Both share one forwarding core with the kernel's
softirq work for the veth pairs on this 2-CPU machine.

usage: kernel_ports.py [--quick] [--seconds S] [--cases af_packet,af_xdp]
                       [--testpmd PATH] [--peer PATH] [--app "ARGS"]
  --app       testpmd options for both forwarders (default "--rxd=2048
              --txd=2048": the rings, and with them what the kernel can queue
              while the forwarder waits for its CPU; told, both sides get the
              same, where untold dpdk-testpmd takes net_af_xdp's 2,048 and
              vdk-testpmd its own 1,024)
  --quick     VDK's side of each case for 1 s (CI: about 10 s with start-up);
              DPDK's side needs the full run (see below why)
  full run    about 40 s: 2 cases x 2 programs x (5 s + start-up)
Needs root (network namespaces). Exits non-zero when a run fails or
forwards nothing.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import time

import testpmd as tp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
import vdk_host as vh  # noqa: E402  (the host tests' namespaces and veth pairs)

CASES = ["af_packet", "af_xdp"]
APP = ["--burst=32"]


def vdevs(case):
    if case == "af_packet":
        return ["--vdev", "net_af_packet0,iface=s1", "--vdev", "net_af_packet1,iface=r1"]
    return ["--vdev", "net_af_xdp0,iface=s1", "--vdev", "net_af_xdp1,iface=r1"]


def start_generator(topo, vdk):
    argv = topo.exec_args("s", [vdk, "-l", "0@0,1@0", "--no-huge", "--no-pci",
                                "--file-prefix", "vdkgen%d" % os.getpid(),
                                "--vdev", "net_af_packet0,iface=s0", "--",
                                "--forward-mode=txonly", "--txpkts=64", "--burst=32",
                                "--disable-link-check"])
    p = subprocess.Popen(["stdbuf", "-oL"] + argv, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    for line in p.stdout:
        if "nb forwarding cores=" in line:
            return p
    p.wait()
    sys.exit("bench kernel_ports: the generator did not start")


def stop_generator(p):
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=60)
    m = re.search(r"Accumulated forward statistics.*?TX-packets: (\d+)", out, re.S)
    return int(m.group(1)) if m else None


def run_case(topo, vdk, prog, case, secs, dpdk, app=()):
    """(forwarded Mpps, offered Mpps) of one forwarder run."""
    gen = start_generator(topo, vdk)
    try:
        argv = [prog, "-l", "0-1", "--no-huge", "--no-pci"] + vdevs(case)
        if dpdk:
            # dpdk-testpmd keeps its runtime files apart, with the memory it had before h19bench.
            argv += ["-m", "1024", "--file-prefix", tp.NS]
        argv += ["--"] + APP + list(app)
        print("bench kernel_ports: %s, %.0f s: %s" % (case, secs, " ".join(argv)), flush=True)
        t0 = time.monotonic()
        mpps = tp.run(topo.exec_args("f", argv), secs)[0]
        elapsed = time.monotonic() - t0
    finally:
        sent = stop_generator(gen)
    # The generator ran a little longer than the forwarder's window: a lower bound on its rate.
    offered = sent / elapsed / 1e6 if sent else None
    return mpps, offered


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--testpmd")
    ap.add_argument("--peer")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--app", default="--rxd=2048 --txd=2048")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench kernel_ports: needs root (network namespaces)")
    secs = args.seconds or (1.0 if args.quick else 5.0)
    vdk = tp.find_vdk(args.testpmd)
    peer = None if args.quick else tp.find_peer(args.peer)
    rows = []
    topo = vh.Topology().make()
    try:
        # DPDK's ports do not bring the interfaces up; VDK's do. Up for both.
        for ifname in ("s1", "r1"):
            vh.sh("ip", "-n", topo.ns["f"], "link", "set", ifname, "up")
        for i, case in enumerate(args.cases.split(",")):
            if case not in CASES:
                sys.exit("bench kernel_ports: no case %r (cases: %s)" % (case, ",".join(CASES)))
            v, v_off = run_case(topo, vdk, vdk, case, secs, False, args.app.split())
            p = p_off = None
            # --quick (CI) runs VDK's side only: dpdk-testpmd's af_packet forwards a few
            # thousand packets a second here, too few to count in a 1 s run on a busy host.
            if not args.quick:
                p, p_off = run_case(topo, vdk, peer, case, secs, True, args.app.split())
            if not v > 0:
                sys.exit("bench kernel_ports: %s: vdk forwarded nothing" % case)
            rows.append((case, v, v_off, p, p_off))
    finally:
        topo.remove()
    for case, v, v_off, p, p_off in rows:
        print("bench kernel_ports: %s offered (generator) %.3f Mpps with vdk, %s with dpdk"
              % (case, v_off or 0, "%.3f Mpps" % p_off if p_off is not None else "not run"))
        if p is None:
            print("RESULT kernel_ports/%s vdk=%.3f peer=NA unit=Mpps ratio=NA" % (case, v))
        elif not p > 0:
            # A measured zero, not a missing figure: said so rather than divided by.
            print("RESULT kernel_ports/%s vdk=%.3f peer=0.000 unit=Mpps ratio=NA "
                  "note=peer_forwarded_nothing" % (case, v))
        else:
            print("RESULT kernel_ports/%s vdk=%.3f peer=%.3f unit=Mpps ratio=%.2f"
                  % (case, v, p, v / p))
    return 0


if __name__ == "__main__":
    sys.exit(main())
