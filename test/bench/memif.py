#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench memif: net_memif VDK<->VDK against DPDK<->DPDK, io forwarding.

One process, two memif ports joined by one socket (port 0 the server,
port 1 the client, both in the same program: vdk-testpmd, then
dpdk-testpmd), one forwarding lcore moving rx 0 -> tx 1 and rx 1 -> tx 0,
the loop primed with --tx-first, and bench testpmd's options on both
sides (64-byte packets, burst 32, 8192 mbufs, --no-huge -m 64); twice:
copy mode ("io"), and with the client in zero-copy mode ("io-zc": it
points its descriptors at mbufs, the server still copies). Timed
and counted as bench testpmd does (testpmd.py): from "nb forwarding cores=" to SIGINT, the "Accumulated
forward statistics" TX total. In copy mode both drivers copy every packet
twice (into the shared buffer, out into an mbuf), in zero-copy mode once
(the server's side); neither makes a system call a burst: the figure is
memcpy and ring bookkeeping on one core.

usage: memif.py [--quick] [--seconds S] [--testpmd PATH] [--peer PATH]
  --quick     1 s a program (CI: about 20 s with start-up)
  full run    about 40 s: 2 cases x 2 programs x (5 s + start-up)
Exits non-zero when a run fails or forwards nothing, the peer's included.
"""
import argparse
import os
import sys
import tempfile

import testpmd as tp

# bench testpmd's options for both programs, and the loop's priming.
APP = tp.APP + ["--tx-first"]


def eal(sock, zc=False):
    common = "socket=%s,socket-abstract=no,id=7" % sock
    client = "net_memif1,role=client," + ("zero-copy=yes," if zc else "") + common
    return tp.LCORES + ["--no-huge", "-m", str(tp.MEM_MB),
                        "--vdev", "net_memif0,role=server," + common, "--vdev", client]


# Each case: (name, client in zero-copy mode). DPDK's zero-copy client
# exports one file a memseg list, which it has only with
# --single-file-segments (it refuses to probe without).
CASES = (("io", False), ("io-zc", True))


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
    results = []
    with tempfile.TemporaryDirectory(prefix="vdk-bench-memif-") as tmp:
        for case, zc in CASES:
            figures = {}
            dpdk_eal = ["--file-prefix", tp.NS] + (["--single-file-segments"] if zc else [])
            for who, argv in (("vdk", [vdk] + eal(os.path.join(tmp, "vdk.sock"), zc) +
                               ["--"] + APP),
                              ("dpdk", [peer] + eal(os.path.join(tmp, "dpdk.sock"), zc) +
                               dpdk_eal + ["--"] + APP)):
                print("bench memif: %s, %.0f s: %s" % (case, secs, " ".join(argv)), flush=True)
                mpps = tp.run(argv, secs)[0]
                if not mpps > 0:
                    sys.exit("bench memif: %s %s forwarded nothing" % (who, case))
                print("bench memif: %s %s %.3f Mpps" % (who, case, mpps), flush=True)
                figures[who] = mpps
            results.append((case, figures["vdk"], figures["dpdk"]))
    print("bench memif: load average %.1f %.1f %.1f" % os.getloadavg())
    for case, v, p in results:
        print("RESULT memif/%s vdk=%.3f peer=%.3f unit=Mpps ratio=%.2f" % (case, v, p, v / p))
    return 0


if __name__ == "__main__":
    sys.exit(main())
