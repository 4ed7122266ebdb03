#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench testpmd: vdk-testpmd against DPDK's dpdk-testpmd in the same run, on equal terms.

Both forward between two null ports (--vdev net_null0 --vdev net_null1,
--no-pci) on one forwarding lcore (-l 0-1), 64-byte packets, with the same
options after "--": --burst=32 --rxd=512 --txd=512 --total-num-mbufs=8192
--mbcache=250, and the same memory: a row with both on --no-huge -m 64,
and a row with both on 2 MiB hugepages with no -m (the bench reserves the
pages and mounts a hugetlbfs of its own, then gives both back; without
root the row is left out and said so). No -m on hugepages because there
-m takes its hugepages from the pool at start-up in both programs (DPDK's
-m preallocates, VDK's reserves), so the row would measure the -m given;
without it each takes the hugepages its pools need, which is what the
peak-RSS row compares. The configuration is printed first.
Each engine (io, macswap, txonly) runs --reps times a program, VDK and
DPDK taking turns to go first; each run is timed from the line both print
as forwarding starts ("nb forwarding cores=") to the SIGINT that ends it,
its packet count being the "Accumulated forward statistics" total both
print at stop. A RESULT line carries the median and, so that the noise
shows, each side's min and max and the number of runs.
Start-up: process start to the first forwarded packet, for both the same
way: port 1 is then an af_packet port on a veth pair in a network
namespace the bench makes (net_null0 -> net_af_packet1,iface=...), and
the bench's own packet socket on the other end of the pair timestamps the
first frame. Peak RSS: VmHWM plus the hugepages held (HugetlbPages, which
VmHWM leaves out) just before the stop of an io run, pools equal; each
run's line shows the two parts.

usage: testpmd.py [--quick] [--seconds S] [--reps N] [--cases io,macswap,txonly]
                  [--startup-only] [--testpmd PATH] [--peer PATH]
  --quick     --no-huge only, one short run a case, dpdk-testpmd on the first
              case only, start-up once each (CI: about 15 s in all)
  --startup-only  the start-up probes alone (--reps a program and memory
              mode, turns alternating), no forwarding case and no RSS row
  full run    about 3 minutes: 2 memory modes x 3 engines x 2 programs x
              3 runs x (3 s + start-up), and 3 start-up probes each
Exits non-zero when a run fails or gives no figure, the peer's included.
The build is found in $VDK_BUILD (default build/). The peer is installed
with apt-get (dpdk) if it is missing.
"""
import argparse
import glob
import os
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CASES = ["io", "macswap", "txonly"]
MEM_MB = 64
MBUFS = 8192
LCORES = ["-l", "0-1", "--no-pci"]
NULL_PORTS = ["--vdev", "net_null0", "--vdev", "net_null1"]
APP = ["--burst=32", "--txpkts=64", "--rxd=512", "--txd=512",
       "--total-num-mbufs=%d" % MBUFS, "--mbcache=250"]
HUGEPAGES = 96  # 2 MiB pages: what either program takes on demand (< 40 MB), with room
NS = "vdkbench%d" % os.getpid()


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


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


class Hugepages:
    """2 MiB pages reserved for the bench and a hugetlbfs mount of its own."""

    def __init__(self):
        self.added = 0
        self.dir = None

    def setup(self):
        """The mount point, or None with the reason printed."""
        path = "/proc/sys/vm/nr_hugepages"
        if os.geteuid() != 0:
            print("bench testpmd: not root: no hugepage row")
            return None
        with open("/proc/meminfo") as f:
            free = int(re.search(r"HugePages_Free:\s+(\d+)", f.read()).group(1))
        if free < HUGEPAGES:
            with open(path) as f:
                total = int(f.read())
            with open(path, "w") as f:
                f.write(str(total + HUGEPAGES - free))
            with open(path) as f:
                self.added = int(f.read()) - total
        self.dir = tempfile.mkdtemp(prefix="vdkbench-huge-")
        if subprocess.run(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "nodev",
                           self.dir]).returncode != 0:
            os.rmdir(self.dir)
            self.dir = None
            print("bench testpmd: cannot mount hugetlbfs: no hugepage row")
            return None
        with open("/proc/meminfo") as f:
            free = int(re.search(r"HugePages_Free:\s+(\d+)", f.read()).group(1))
        if free < HUGEPAGES:
            print("bench testpmd: only %d free 2 MiB pages (%d needed): no hugepage row" %
                  (free, HUGEPAGES))
            return None
        return self.dir

    def clean(self):
        """Files a program left in the mount (DPDK keeps its pages as files)."""
        if self.dir:
            for f in glob.glob(os.path.join(self.dir, "*")):
                os.unlink(f)

    def teardown(self):
        if self.dir:
            self.clean()
            subprocess.run(["umount", self.dir])
            os.rmdir(self.dir)
        if self.added > 0:
            # Give back what we added, whatever others did meanwhile.
            path = "/proc/sys/vm/nr_hugepages"
            with open(path) as f:
                total = int(f.read())
            with open(path, "w") as f:
                f.write(str(max(0, total - self.added)))


def peak_mb(pid):
    """(VmHWM, hugetlbfs pages held) in MB."""
    kb = {"VmHWM:": 0, "HugetlbPages:": 0}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.split()[0] in kb:
                    kb[line.split()[0]] = int(line.split()[1])
    except OSError:
        return float("nan"), float("nan")
    return kb["VmHWM:"] / 1024.0, kb["HugetlbPages:"] / 1024.0


def stop(p):
    p.send_signal(signal.SIGINT)
    try:
        out, _ = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    return out


def run(argv, seconds):
    """Start @argv, forward @seconds; return (Mpps, (VmHWM, hugetlb) MB, output)."""
    # Line-buffered output even into a pipe, for both programs.
    stdbuf = shutil.which("stdbuf")
    if stdbuf:
        argv = [stdbuf, "-oL"] + argv
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
    rss = peak_mb(p.pid)
    t_stop = time.monotonic()
    text = "".join(lines) + stop(p)
    m = re.search(r"Accumulated forward statistics for all ports\+*\s*\n\s*RX-packets: (\d+).*?"
                  r"TX-packets: (\d+)", text, re.S)
    if not m:
        raise RuntimeError("no summary from %s:\n%s" % (argv[-1], text[-3000:]))
    return int(m.group(2)) / (t_stop - t_fwd) / 1e6, rss, text


def mbufs(text):
    """Mbufs in the pools a testpmd says it created (both print the same line)."""
    n = [int(x) for x in re.findall(r"create a new mbuf pool <[^>]*>: n=(\d+)", text)]
    if not n:
        raise RuntimeError("no 'create a new mbuf pool' line:\n%s" % text[-3000:])
    return sum(n)


# --- start-up to the first forwarded packet ---------------------------------

def netns_up():
    """A namespace with a veth pair: testpmd sends on vb0, the bench listens on vb1."""
    sh = ("ip netns add {ns} && ip -n {ns} link add vb0 type veth peer name vb1 && "
          "ip netns exec {ns} sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
          "net.ipv6.conf.default.disable_ipv6=1 && "
          "ip -n {ns} link set vb0 up && ip -n {ns} link set vb1 up").format(ns=NS)
    return subprocess.run(["sh", "-c", sh]).returncode == 0


def netns_down():
    subprocess.run(["ip", "netns", "del", NS], stderr=subprocess.DEVNULL)


def probe(argv):
    """In the namespace: seconds from starting @argv to its first frame on vb1."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind(("vb1", 0))
    s.setblocking(False)
    while select.select([s], [], [], 0.2)[0]:  # what the link said on coming up
        s.recv(65536)
    t0 = time.monotonic()
    # stdin stays open: dpdk-testpmd stops forwarding at its end.
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    t1 = None
    while p.poll() is None and time.monotonic() - t0 < 60:
        if select.select([s], [], [], 0.05)[0]:
            s.recv(65536)
            t1 = time.monotonic()
            break
    out = stop(p) if p.poll() is None else p.communicate()[0]
    if t1 is None:
        print("no frame from %s:\n%s" % (argv[0], out[-3000:]))
        return 1
    print("STARTUP %.6f" % (t1 - t0))
    return 0


def startup(argv):
    """Start-up of @argv in seconds, through probe() in the namespace."""
    # Up again: vdk-testpmd's af_packet port leaves its interface down at close.
    subprocess.run(["ip", "-n", NS, "link", "set", "vb0", "up"], check=True)
    r = subprocess.run(["ip", "netns", "exec", NS, sys.executable, os.path.abspath(__file__),
                        "--probe", "--"] + argv, stdout=subprocess.PIPE, text=True)
    m = re.search(r"^STARTUP (\S+)", r.stdout, re.M)
    if not m:
        raise RuntimeError("start-up probe of %s failed:\n%s" % (argv[0], r.stdout[-3000:]))
    return float(m.group(1))


# --- report -----------------------------------------------------------------

def spread(v):
    return "%.3g..%.3g" % (min(v), max(v))


def result(name, vdk, peer, unit, higher_better=True, note="", bench="testpmd"):
    """RESULT line of @bench over the medians, with each side's range and count."""
    v = statistics.median(vdk)
    if not peer:
        print("RESULT %s/%s vdk=%.3f peer=NA unit=%s ratio=NA vdk_range=%s n=%d%s" %
              (bench, name, v, unit, spread(vdk), len(vdk), note))
        return
    p = statistics.median(peer)
    ratio = v / p if higher_better else p / v
    print("RESULT %s/%s vdk=%.3f peer=%.3f unit=%s ratio=%.2f vdk_range=%s "
          "peer_range=%s n=%d/%d%s" % (bench, name, v, p, unit, ratio, spread(vdk), spread(peer),
                                       len(vdk), len(peer), note))


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--probe":
        return probe(sys.argv[3:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--testpmd")
    ap.add_argument("--peer")
    ap.add_argument("--cases", default=",".join(CASES), help="engines to run, comma-separated")
    ap.add_argument("--startup-only", action="store_true",
                    help="only the start-up probes: no forwarding case, no peak-RSS row")
    args = ap.parse_args()
    cases = [] if args.startup_only else args.cases.split(",")
    secs = args.seconds or (1.0 if args.quick else 3.0)
    reps = 1 if args.quick else max(1, args.reps)
    prog = {"vdk": find_vdk(args.testpmd), "peer": find_peer(args.peer)}
    huge = Hugepages()
    status = 0
    try:
        mems = [("nohuge", ["--no-huge", "-m", str(MEM_MB)])]
        hdir = None if args.quick else huge.setup()
        if hdir:
            mems.append(("huge", ["--huge-dir", hdir]))
        # dpdk-testpmd leaves its page files behind unless told (the bench
        # removes what is left after each run anyway).
        peer_mem = {"huge": ["--huge-unlink"]}
        if not netns_up():
            raise RuntimeError("cannot make network namespace %s with a veth pair" % NS)
        # Only what keeps two DPDK processes apart and its page files out of the way.
        extra = {"vdk": [], "peer": ["--file-prefix", NS]}
        print("bench testpmd: load average %s; %d run(s) of %.0f s a case and program, "
              "turns alternating" % (load(), reps, secs))
        print("  both: EAL %s <memory> %s -- %s" % (" ".join(LCORES), " ".join(NULL_PORTS),
                                                    " ".join(APP)))
        for mem, memargs in mems:
            print("  memory %s: %s%s" % (mem, " ".join(memargs), "" if mem == "nohuge" else
                  " (no -m: with it both take all its hugepages at start-up, and the row "
                  "would compare -m)"))
        print("  dpdk-testpmd only: %s (its runtime files apart), and with hugepages "
              "--huge-unlink" % " ".join(extra["peer"]))
        print("  start-up: port 1 is net_af_packet1,iface=vb0 in namespace %s" % NS)
        for mem, memargs in mems:
            figs = {}  # (case, side) -> [Mpps]
            rss = {"vdk": [], "peer": []}
            pool = {"vdk": set(), "peer": set()}
            for i, case in enumerate(cases):
                app = APP + ["--forward-mode=" + case]
                for rep in range(reps):
                    sides = ["vdk", "peer"] if rep % 2 == 0 else ["peer", "vdk"]
                    # --quick: the peer on the first case, so that CI runs its side too.
                    if args.quick and i > 0:
                        sides = ["vdk"]
                    for side in sides:
                        argv = ([prog[side]] + LCORES + memargs + extra[side] +
                                (peer_mem.get(mem, []) if side == "peer" else []) + NULL_PORTS +
                                ["--"] + app)
                        mpps, (hwm, htlb), text = run(argv, secs)
                        huge.clean()
                        figs.setdefault((case, side), []).append(mpps)
                        pool[side].add(mbufs(text))
                        if case == "io":
                            rss[side].append(hwm + htlb)
                        print("bench testpmd: %s %s %s run %d: %.2f Mpps, peak %.1f MB "
                              "(VmHWM %.1f + hugepages %.1f) (load %s)" %
                              (mem, case, side, rep + 1, mpps, hwm + htlb, hwm, htlb, load()),
                              flush=True)
            up = {"vdk": [], "peer": []}
            for rep in range(reps):
                for side in (["vdk", "peer"] if rep % 2 == 0 else ["peer", "vdk"]):
                    argv = ([prog[side]] + LCORES + memargs + extra[side] +
                            (peer_mem.get(mem, []) if side == "peer" else []) +
                            ["--vdev", "net_null0", "--vdev", "net_af_packet1,iface=vb0",
                             "--"] + APP + ["--forward-mode=io"])
                    up[side].append(startup(argv))
                    huge.clean()
                    print("bench testpmd: %s start-up %s run %d: %.3f s" %
                          (mem, side, rep + 1, up[side][-1]), flush=True)
            for case in cases:
                result("%s_%s" % (case, mem), figs[(case, "vdk")], figs.get((case, "peer")),
                       "Mpps")
            note = ""
            if pool["vdk"] != pool["peer"]:
                note = " note=unequal_pools:vdk_%s_mbufs,peer_%s_mbufs" % (
                    "/".join(map(str, sorted(pool["vdk"]))),
                    "/".join(map(str, sorted(pool["peer"]))))
                status = 1
            result("startup_to_first_packet_%s" % mem, up["vdk"], up["peer"], "s",
                   higher_better=False, note=note)
            if rss["vdk"]:
                result("peak_rss_%s" % mem, rss["vdk"], rss["peer"], "MB", higher_better=False,
                       note=note)
    finally:
        netns_down()
        huge.teardown()
    return status


if __name__ == "__main__":
    sys.exit(main())
