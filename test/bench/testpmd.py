#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench testpmd: vdk-testpmd against DPDK's dpdk-testpmd in the same run.

Both forward between two null ports (--vdev net_null0 --vdev net_null1,
--no-huge, --no-pci) on one forwarding lcore, 64-byte packets, burst 32,
for each engine: io, macswap, txonly. Each run is timed from the line both
print as forwarding starts ("nb forwarding cores=") to the SIGINT that
ends it, and its packet count is the "Accumulated forward statistics"
total both print at stop. Also measured: start-up time (launch to that
line) and peak resident memory (VmHWM just before the stop). Those two
depend on the mbuf pools each program creates, which differ today (VDK
sizes its pool to the rings, dpdk-testpmd takes its default): their
RESULT lines then end with a note naming both pool sizes, as each
program printed them.

usage: testpmd.py [--quick] [--seconds S] [--cases io,macswap,txonly]
                  [--testpmd PATH] [--peer PATH]
  --quick     one short run a case, and dpdk-testpmd on the first case only
              (CI: about 10 s in all)
  full run    about 45 s: 3 engines x 2 programs x (5 s + start-up)
Exits non-zero when a run fails or gives no figure, the peer's included.
The build is found in $VDK_BUILD (default build/). The peer is installed
with apt-get (dpdk) if it is missing.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time

CASES = ["io", "macswap", "txonly"]
EAL = ["-l", "0-1", "--no-huge", "--no-pci", "--vdev", "net_null0", "--vdev", "net_null1"]
APP = ["--burst=32", "--txpkts=64"]
# DPDK's default pool (155456 mbufs) needs more than its --no-huge default of 64 MB.
DPDK_EAL = ["-m", "1024", "--file-prefix", "vdkbench%d" % os.getpid()]


def find_vdk(arg):
    if arg:
        return arg
    build = os.environ.get("VDK_BUILD", "build")
    path = os.path.join(build, "app", "testpmd", "vdk-testpmd")
    if not os.access(path, os.X_OK):
        sys.exit("bench testpmd: no %s: build first or set VDK_BUILD" % path)
    return path


def find_peer(arg):
    path = arg or "/usr/bin/dpdk-testpmd"
    if not os.access(path, os.X_OK):
        print("bench testpmd: installing the peer (apt-get install dpdk)", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", "dpdk"], env=env, check=False)
    if not os.access(path, os.X_OK):
        sys.exit("bench testpmd: %s not found and could not be installed" % path)
    return path


def vm_hwm_mb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def run(argv, seconds):
    """Start @argv, forward @seconds; return (Mpps, start-up s, peak RSS MB, output)."""
    # Line-buffered output even into a pipe, for both programs.
    stdbuf = shutil.which("stdbuf")
    if stdbuf:
        argv = [stdbuf, "-oL"] + argv
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    lines = []
    t_fwd = None
    for line in p.stdout:
        lines.append(line)
        if "nb forwarding cores=" in line:
            t_fwd = time.monotonic()
            break
    if t_fwd is None:
        p.wait()
        raise RuntimeError("%s did not start forwarding:\n%s" % (argv[-1], "".join(lines)))
    time.sleep(seconds)
    rss = vm_hwm_mb(p.pid)
    t_stop = time.monotonic()
    p.send_signal(signal.SIGINT)
    try:
        out, _ = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    text = "".join(lines) + out
    m = re.search(r"Accumulated forward statistics for all ports\+*\s*\n\s*RX-packets: (\d+).*?"
                  r"TX-packets: (\d+)", text, re.S)
    if not m:
        raise RuntimeError("no summary from %s:\n%s" % (argv[-1], text[-3000:]))
    rx, tx = int(m.group(1)), int(m.group(2))
    return tx / (t_stop - t_fwd) / 1e6, t_fwd - t0, rss, text, rx


def mbufs(text):
    """Mbufs in the pools a testpmd says it created (both print the same line)."""
    n = [int(x) for x in re.findall(r"create a new mbuf pool <[^>]*>: n=(\d+)", text)]
    if not n:
        raise RuntimeError("no 'create a new mbuf pool' line:\n%s" % text[-3000:])
    return sum(n)


def result(name, vdk, peer, unit, higher_better=True, note=""):
    if peer is None:
        print("RESULT testpmd/%s vdk=%.3f peer=NA unit=%s ratio=NA%s" % (name, vdk, unit, note))
        return
    ratio = vdk / peer if higher_better else peer / vdk
    print("RESULT testpmd/%s vdk=%.3f peer=%.3f unit=%s ratio=%.2f%s" % (name, vdk, peer, unit,
                                                                          ratio, note))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--testpmd")
    ap.add_argument("--peer")
    ap.add_argument("--cases", default=",".join(CASES), help="engines to run, comma-separated")
    args = ap.parse_args()
    secs = args.seconds or (1.0 if args.quick else 5.0)
    vdk = find_vdk(args.testpmd)
    peer = find_peer(args.peer)
    startup = {"vdk": [], "peer": []}
    rss = {"vdk": [], "peer": []}
    pool = {"vdk": set(), "peer": set()}
    rows = []
    for i, case in enumerate(args.cases.split(",")):
        app = APP + ["--forward-mode=" + case]
        print("bench testpmd: %s, %.0f s: %s" % (case, secs, " ".join([vdk] + EAL + ["--"] + app)),
              flush=True)
        v_mpps, v_start, v_rss, text, _ = run([vdk] + EAL + ["--"] + app, secs)
        startup["vdk"].append(v_start)
        rss["vdk"].append(v_rss)
        pool["vdk"].add(mbufs(text))
        p_mpps = None
        # --quick: the peer on the first case, so that CI runs its side too.
        if not args.quick or i == 0:
            print("bench testpmd: %s, %.0f s: %s" % (case, secs, " ".join(
                [peer] + EAL + DPDK_EAL + ["--"] + app)), flush=True)
            p_mpps, p_start, p_rss, text, _ = run([peer] + EAL + DPDK_EAL + ["--"] + app, secs)
            startup["peer"].append(p_start)
            rss["peer"].append(p_rss)
            pool["peer"].add(mbufs(text))
        print("bench testpmd: %s: vdk %.2f Mpps%s" % (
            case, v_mpps, "" if p_mpps is None else ", dpdk %.2f Mpps" % p_mpps), flush=True)
        rows.append((case, v_mpps, p_mpps))
    for case, v, p in rows:
        result(case, v, p, "Mpps")
    # Start-up and memory follow the pools: say when the two were not equal.
    note = ""
    if pool["vdk"] != pool["peer"]:
        note = " note=unequal_pools:vdk_%s_mbufs,peer_%s_mbufs" % (
            "/".join(map(str, sorted(pool["vdk"]))), "/".join(map(str, sorted(pool["peer"]))))
    result("startup", min(startup["vdk"]), min(startup["peer"]), "s", higher_better=False,
           note=note)
    result("peak_rss", max(rss["vdk"]), max(rss["peer"]), "MB", higher_better=False, note=note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
