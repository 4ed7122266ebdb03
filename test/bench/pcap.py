#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench pcap: vdk-testpmd's net_pcap against dpdk-testpmd's in the same run.

Two cases, each io-forwarding on one forwarding lcore, both with --no-huge -m 64
and the options bench testpmd gives both (burst 32, 512 descriptors, 8192 mbufs):
  replay  one port replaying a capture of 1,024 64-byte frames the bench
          writes (rx_pcap, infinite_rx=1) to a port with no sink (freed)
  record  frames from net_null0 (64 bytes) written by net_pcap1 to
          tx_pcap=/dev/null (what libpcap's writing costs, without a disk)
Each run is timed and counted as bench testpmd does (testpmd.py): from
"nb forwarding cores=" to SIGINT, the "Accumulated forward statistics"
TX total. What limits both: a memcpy a frame into (or out of) an mbuf and
libpcap's per-frame call; no system call a burst on either side.

usage: pcap.py [--quick] [--seconds S] [--cases replay,record] [--testpmd PATH] [--peer PATH]
  --quick     one short run a case, dpdk-testpmd on the first case only
              (CI: about 5 s)
  full run    about 25 s: 2 cases x 2 programs x (5 s + start-up)
Exits non-zero when a run fails or gives no figure, the peer's included.
"""
import argparse
import os
import struct
import sys
import tempfile

import testpmd as tp

CASES = ["replay", "record"]
# The same burst, descriptors, pool and memory as bench testpmd, for both.
APP = tp.APP


def write_capture(path, n=1024):
    frame = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x88\xb5" + bytes(50)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            f.write(struct.pack("<IIII", 1700000000, i, len(frame), len(frame)))
            f.write(frame)


def eal(case, capture):
    if case == "replay":
        return ["--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % capture]
    return ["--vdev", "net_null0", "--vdev", "net_pcap1,tx_pcap=/dev/null"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--testpmd")
    ap.add_argument("--peer")
    ap.add_argument("--cases", default=",".join(CASES))
    args = ap.parse_args()
    secs = args.seconds or (1.0 if args.quick else 5.0)
    vdk = tp.find_vdk(args.testpmd)
    peer = tp.find_peer(args.peer)
    rows = []
    with tempfile.TemporaryDirectory(prefix="vdk-bench-pcap-") as tmp:
        capture = os.path.join(tmp, "frames.pcap")
        write_capture(capture)
        for i, case in enumerate(args.cases.split(",")):
            if case not in CASES:
                sys.exit("bench pcap: no case %r (cases: %s)" % (case, ",".join(CASES)))
            common = tp.LCORES + ["--no-huge", "-m", str(tp.MEM_MB)] + eal(case, capture)
            argv = [vdk] + common + ["--"] + APP
            print("bench pcap: %s, %.0f s: %s" % (case, secs, " ".join(argv)), flush=True)
            v_mpps = tp.run(argv, secs)[0]
            p_mpps = None
            if not args.quick or i == 0:
                argv = [peer] + common + ["--file-prefix", tp.NS] + ["--"] + APP
                print("bench pcap: %s, %.0f s: %s" % (case, secs, " ".join(argv)), flush=True)
                p_mpps = tp.run(argv, secs)[0]
            for who, v in (("vdk", v_mpps), ("dpdk", p_mpps)):
                if v is not None and not v > 0:
                    sys.exit("bench pcap: %s: %s forwarded nothing" % (case, who))
            rows.append((case, v_mpps, p_mpps))
    for case, v, p in rows:
        if p is None:
            print("RESULT pcap/%s vdk=%.3f peer=NA unit=Mpps ratio=NA" % (case, v))
        else:
            print("RESULT pcap/%s vdk=%.3f peer=%.3f unit=Mpps ratio=%.2f" % (case, v, p, v / p))
    return 0


if __name__ == "__main__":
    sys.exit(main())
