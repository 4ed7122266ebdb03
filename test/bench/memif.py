#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench memif: net_memif VDK<->VDK against DPDK<->DPDK, io forwarding.

One process, two memif ports joined by one socket (port 0 the server,
port 1 the client, both in the same program: vdk-testpmd, then
dpdk-testpmd), one forwarding lcore moving rx 0 -> tx 1 and rx 1 -> tx 0,
the loop primed with --tx-first, and bench testpmd's options on both
sides (64-byte packets, burst 32, 8192 mbufs, --no-huge -m 64). Timed
and counted as bench testpmd does (testpmd.py): from "nb forwarding cores=" to SIGINT, the "Accumulated
forward statistics" TX total. Both drivers copy every packet twice (into
the shared buffer, out into an mbuf) and make no system call a burst: the
figure is memcpy and ring bookkeeping on one core.

usage: memif.py [--quick] [--seconds S] [--testpmd PATH] [--peer PATH]
  --quick     1 s a program (CI: about 10 s with start-up)
  full run    about 20 s: 2 programs x (5 s + start-up)
Exits non-zero when a run fails or forwards nothing, the peer's included.
"""
import argparse
import os
import sys
import tempfile

import testpmd as tp

# bench testpmd's options for both programs, and the loop's priming.
APP = tp.APP + ["--tx-first"]


def eal(sock):
    common = "socket=%s,socket-abstract=no,id=7" % sock
    return tp.LCORES + ["--no-huge", "-m", str(tp.MEM_MB),
                        "--vdev", "net_memif0,role=server," + common,
                        "--vdev", "net_memif1,role=client," + common]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--testpmd")
    ap.add_argument("--peer")
    args = ap.parse_args()
    secs = args.seconds or (1.0 if args.quick else 5.0)
    vdk = tp.find_vdk(args.testpmd)
    peer = tp.find_peer(args.peer)
    figures = {}
    with tempfile.TemporaryDirectory(prefix="vdk-bench-memif-") as tmp:
        for who, argv in (("vdk", [vdk] + eal(os.path.join(tmp, "vdk.sock")) + ["--"] + APP),
                          ("dpdk", [peer] + eal(os.path.join(tmp, "dpdk.sock")) +
                           ["--file-prefix", tp.NS, "--"] + APP)):
            print("bench memif: io, %.0f s: %s" % (secs, " ".join(argv)), flush=True)
            mpps = tp.run(argv, secs)[0]
            if not mpps > 0:
                sys.exit("bench memif: %s forwarded nothing" % who)
            print("bench memif: %s %.3f Mpps" % (who, mpps), flush=True)
            figures[who] = mpps
    v, p = figures["vdk"], figures["dpdk"]
    print("RESULT memif/io vdk=%.3f peer=%.3f unit=Mpps ratio=%.2f" % (v, p, v / p))
    return 0


if __name__ == "__main__":
    sys.exit(main())
