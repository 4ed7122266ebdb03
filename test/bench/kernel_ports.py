#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""bench kernel_ports: vdk-testpmd's ports on kernel interfaces against
dpdk-testpmd's, same veth pairs, same cores, the same frames, one run.

Topology (network namespaces made and removed here; no other network):

    loop ns: s0 ==veth== s1 :fwd ns: r1 ==veth== r0 :loop ns
             ^  \                                  /  ^
             |   +-- tc ingress: u32 match-all,  --+   |
             +------ mirred egress redirect to the other end

The program under test io-forwards s1 <-> r1 with -l 0-1 (its main lcore
on CPU 0, the forwarding lcore alone on CPU 1), --no-huge, burst 32. Once
it forwards, the bench sends --inflight 64-byte UDP frames into the loop
once, half each way, and nothing more: the kernel sends every frame
arriving at s0 or r0 straight back out of the other, so the same frames go
round (forwarder rx, forwarder tx, redirect, forwarder rx) with no
generator in the window and both forwarding streams busy. On veth the
receiving end's work (its NAPI or backlog, the XDP program and the copy
into the AF_XDP UMEM or the TPACKET ring, the redirect) runs on the CPU
that sends, here in the forwarder's transmit system call: all the loop's
work runs on the forwarding CPU, and both programs pay the same kernel
work a frame. With a generator instead, the generator's CPU ran the
forwarder's receive side and the figure was the generator's rate.

The figure is the frames arriving at s0 and r0 (each one the forwarder
sent) over --seconds after a 0.5 s warm-up, in Mpps. Then the bench opens
the loop (removes the redirects) and counts what still arrives: the frames
in flight at the end; fewer than --inflight means frames were lost on the
way, which lowers the rate (each run says so, and the RESULT line gets
vdk_lost=/peer_lost=). Each run also prints the forwarder's own
TX-packets beside the frames that arrived over the whole run, and the
share of a CPU its threads had in the window (schedstat). The rate over
that share, Mpps a CPU-second, is what the share the scheduler gave does
not decide: a second RESULT line, <case>_per_cpu_second, has its
medians. Softirq work of the loop that another task happened to run
(interrupted on CPU 1) is missing from the share, so a forwarder starved
by such a task looks cheaper than it is.

Cases (each program's devargs in DEVARGS):
  af_packet  vdk net_af_packet   vs  DPDK net_af_packet
  af_xdp     vdk net_af_xdp      vs  DPDK net_af_xdp (one queue, copy mode
             on veth: veth has no zero-copy AF_XDP)
Each case runs --reps times a program, VDK and DPDK taking turns to go
first; the RESULT line carries the medians, each side's range and the
number of runs (bench testpmd's format).

usage: kernel_ports.py [--quick] [--seconds S] [--reps N] [--inflight N]
                       [--cases af_packet,af_xdp] [--testpmd PATH]
                       [--peer PATH] [--app "ARGS"] [--perf]
  --app       testpmd options for both forwarders (default "--rxd=2048
              --txd=2048": told, both get the same rings; untold,
              dpdk-testpmd takes net_af_xdp's 2,048 and vdk-testpmd its 1,024)
  --inflight  frames sent into the loop (default 1,024: below every ring,
              so that none is lost while the forwarder waits for its CPU)
  --perf      count with perf stat, in the forwarder's threads over the
              window, system calls and qdisc-layer transmits a frame
  --quick     one 1 s run a program and case (CI: about 30 s)
  full run    about 3 minutes: 2 cases x 2 programs x 3 runs x (3 s + start-up
              and the count at the end)
Needs root (network namespaces). Exits non-zero when a run fails or VDK's
side forwards nothing.
"""
import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time

import testpmd as tp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
import vdk_host as vh  # noqa: E402  (the host tests' namespaces and veth pairs)

CASES = ["af_packet", "af_xdp"]
APP = ["--burst=32"]
# Each program's devargs beyond iface=, in one place. qdisc_bypass=1 for
# both: DPDK's net_af_packet transmits past the qdisc by default, VDK's not.
# framecnt=2048: DPDK's sizes its TPACKET_V2 rings by framecnt (512 by
# default) and not by --rxd/--txd, which size VDK's: equal rings under the
# default --app.
DEVARGS = {("af_packet", "vdk"): ",qdisc_bypass=1",
           ("af_packet", "peer"): ",qdisc_bypass=1,framecnt=2048",
           ("af_xdp", "vdk"): "", ("af_xdp", "peer"): ""}
DRIVER = {"af_packet": "net_af_packet", "af_xdp": "net_af_xdp"}
WARMUP = 0.5
# What --perf counts in the forwarder's threads in the window: system calls,
# and transmits through the qdisc layer (each frame's redirect in the loop is
# one, and af_packet's transmit another: 1 or 2 a frame when the forwarder's
# system calls run all the loop's kernel work, less what ksoftirqd ran).
PERF_EVENTS = ["syscalls:sys_enter_sendto", "syscalls:sys_enter_recvfrom",
               "syscalls:sys_enter_poll", "raw_syscalls:sys_enter", "net:net_dev_xmit"]

# Sends 64-byte UDP frames (198.18.0.1:9 -> 198.18.0.2:9, as txonly's): argv
# IFACE N [IFACE N ...], N frames on each interface.
INJECT = r'''
import socket, sys
ip = bytearray(b"\x45\x00\x00\x32\x00\x00\x00\x00\x40\x11\x00\x00\xc6\x12\x00\x01\xc6\x12\x00\x02")
c = sum(int.from_bytes(ip[k:k + 2], "big") for k in range(0, 20, 2))
c = (c & 0xffff) + (c >> 16)
ip[10:12] = (~c & 0xffff).to_bytes(2, "big")
frame = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + bytes(ip) + \
    b"\x00\x09\x00\x09\x00\x1e\x00\x00" + bytes(22)
assert len(frame) == 64
for iface, n in zip(sys.argv[1::2], sys.argv[2::2]):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for i in range(int(n)):
        s.send(frame)
'''


class Loop:
    """The veth pairs, r0 moved next to s0, each one's ingress redirected out of the other."""

    ENDS = (("r0", "s0"), ("s0", "r0"))

    def __init__(self):
        self.topo = vh.Topology().make()
        self.ns = self.topo.ns["s"]
        self.fns = self.topo.ns["f"]
        vh.sh("ip", "-n", self.topo.ns["r"], "link", "set", "r0", "netns", self.ns)
        for end, _ in self.ENDS:
            vh.sh("tc", "-n", self.ns, "qdisc", "add", "dev", end, "ingress")
        # A process in the loop's namespace, whose /proc/PID/net/dev the bench
        # reads: a file read, where an ip command took up to 0.3 s on a crowded CPU.
        self.sleeper = subprocess.Popen(self.topo.exec_args("s", ["sleep", "infinity"]))

    def close(self):
        """Up, and the loop closed: what arrives at one end leaves by the other."""
        # DPDK's ports do not bring the interfaces up; VDK's do (and put them down at close).
        for ifname in ("s1", "r1"):
            vh.sh("ip", "-n", self.fns, "link", "set", ifname, "up")
        for end, to in self.ENDS:
            vh.sh("ip", "-n", self.ns, "link", "set", end, "up")
            vh.sh("tc", "-n", self.ns, "filter", "replace", "dev", end, "ingress",
                  "protocol", "all", "pref", "1", "handle", "800::1", "u32", "match", "u32",
                  "0", "0", "action", "mirred", "egress", "redirect", "dev", to)

    def counters(self):
        """(frames arrived at s0 and r0, frames sent out of them)."""
        with open("/proc/%d/net/dev" % self.sleeper.pid) as f:
            # "  ifname: rx_bytes rx_packets ... (8 rx fields) tx_bytes tx_packets ..."
            st = {k.strip(): v.split() for k, v in
                  (line.split(":", 1) for line in f if ":" in line)}
        return (sum(int(st[e][1]) for e, _ in self.ENDS),
                sum(int(st[e][9]) for e, _ in self.ENDS))

    def inject(self, n):
        """@n frames into the loop, half each way."""
        vh.sh("ip", "netns", "exec", self.ns, sys.executable, "-c", INJECT,
              self.ENDS[0][0], str(n // 2), self.ENDS[1][0], str(n - n // 2))

    def cut(self, pid):
        """Open the loop; wait until nothing more arrives while forwarder @pid runs."""
        for end, _ in self.ENDS:
            vh.sh("tc", "-n", self.ns, "filter", "del", "dev", end, "ingress", "pref", "1")
        # Done when nothing arrived while the forwarder had 50 ms of CPU (a
        # busy-polling forwarder empties its rings in far less) and for 0.2 s:
        # on a crowded CPU it can be off it for seconds, and a quiet second
        # there once counted 1,024 frames in its rings as lost.
        last, cpu, t_last = self.counters()[0], cpu_ns(pid), time.monotonic()
        t_end = t_last + 30
        while time.monotonic() < t_end:
            time.sleep(0.05)
            now = self.counters()[0]
            if now != last:
                last, cpu, t_last = now, cpu_ns(pid), time.monotonic()
            elif cpu_ns(pid) - cpu >= 50e6 and time.monotonic() - t_last >= 0.2:
                return

    def remove(self):
        self.sleeper.kill()
        self.sleeper.wait()
        self.topo.remove()


def cpu_ns(pid):
    """CPU time the threads of @pid have had, in ns (0 once it is gone)."""
    total = 0
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
    except (OSError, ValueError):
        pass
    return total


def start_perf(pid):
    argv = ["perf", "stat", "-p", str(pid), "-x", ",", "-e", ",".join(PERF_EVENTS)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def stop_perf(p):
    """{event: count} perf stat counted in the forwarder's threads."""
    p.send_signal(signal.SIGINT)
    out = p.communicate(timeout=30)[1]
    calls = {}
    for line in out.splitlines():
        f = line.split(",")
        if len(f) > 2 and f[2] in PERF_EVENTS and f[0].isdigit():
            calls[f[2]] = int(f[0])
    return calls


def run_case(loop, prog, case, secs, dpdk, inflight, app, with_perf=False):
    """(Mpps over the window, CPUs the forwarder's threads had in it, frames
    in flight at the end,
    (TX-packets, frames arrived), {perf event: count a frame} with @with_perf,
    command) of one forwarder run."""
    extra = DEVARGS[(case, "peer" if dpdk else "vdk")]
    argv = [prog, "-l", "0-1", "--no-huge", "--no-pci",
            "--vdev", "%s0,iface=s1%s" % (DRIVER[case], extra),
            "--vdev", "%s1,iface=r1%s" % (DRIVER[case], extra)]
    if dpdk:
        # dpdk-testpmd keeps its runtime files apart, with the memory it had before h19bench.
        argv += ["-m", "1024", "--file-prefix", tp.NS]
    argv += ["--"] + APP + list(app)
    loop.close()
    p = subprocess.Popen(["stdbuf", "-oL"] + loop.topo.exec_args("f", argv),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in p.stdout:
        lines.append(line)
        if "nb forwarding cores=" in line:
            break
    else:
        p.wait()
        raise RuntimeError("%s did not start forwarding:\n%s" % (prog, "".join(lines)))
    # ip netns exec and stdbuf exec the program: p.pid is the forwarder's.
    try:
        rx_a, tx_a = loop.counters()
        loop.inject(inflight)
        time.sleep(WARMUP)
        perf = start_perf(p.pid) if with_perf else None
        (rx0, _), c0, t0 = loop.counters(), cpu_ns(p.pid), time.monotonic()
        time.sleep(secs)
        (rx1, _), c1, t1 = loop.counters(), cpu_ns(p.pid), time.monotonic()
        calls = stop_perf(perf) if with_perf else {}
        loop.cut(p.pid)
        rx_z, tx_z = loop.counters()
    finally:
        text = "".join(lines) + tp.stop(p)
    # Every frame that arrived before the cut left again (the tx counters count these
    # and the injected ones); those after it stayed.
    left = (rx_z - rx_a) - (tx_z - tx_a - inflight)
    frames = rx1 - rx0
    m = re.search(r"Accumulated forward statistics.*?TX-packets: (\d+)", text, re.S)
    if not m:
        raise RuntimeError("no summary from %s:\n%s" % (prog, text[-3000:]))
    # What the forwarder says it sent against what reached the loop's ends.
    sent = (int(m.group(1)), rx_z - rx_a)
    per_frame = {k.split(":")[-1]: v / frames for k, v in calls.items() if frames}
    share = (c1 - c0) / 1e9 / (t1 - t0)
    return frames / (t1 - t0) / 1e6, share, left, sent, per_frame, " ".join(argv)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--inflight", type=int, default=1024)
    ap.add_argument("--testpmd")
    ap.add_argument("--peer")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--app", default="--rxd=2048 --txd=2048")
    ap.add_argument("--perf", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench kernel_ports: needs root (network namespaces)")
    for case in args.cases.split(","):
        if case not in CASES:
            sys.exit("bench kernel_ports: no case %r (cases: %s)" % (case, ",".join(CASES)))
    secs = args.seconds or (1.0 if args.quick else 3.0)
    reps = 1 if args.quick else max(1, args.reps)
    prog = {"vdk": tp.find_vdk(args.testpmd), "peer": tp.find_peer(args.peer)}
    print("bench kernel_ports: load average %s; %d run(s) of %.0f s a case and program, "
          "%d frames in flight, turns alternating" % (tp.load(), reps, secs, args.inflight))
    figs = {}  # (case, side) -> [Mpps]
    per_cpu = {}  # (case, side) -> [Mpps a CPU-second of the forwarder's threads]
    lost = {}  # (case, side) -> [frames lost]
    loop = Loop()
    try:
        for case in args.cases.split(","):
            for rep in range(reps):
                for side in (["vdk", "peer"] if rep % 2 == 0 else ["peer", "vdk"]):
                    mpps, share, left, sent, calls, cmd = run_case(
                        loop, prog[side], case, secs, side == "peer", args.inflight,
                        args.app.split(), args.perf)
                    if rep == 0:
                        print("bench kernel_ports: %s %s: %s" % (case, side, cmd))
                    figs.setdefault((case, side), []).append(mpps)
                    lost.setdefault((case, side), []).append(args.inflight - left)
                    per_cpu.setdefault((case, side), []).append(mpps / share if share else 0.0)
                    # Mpps a CPU-second of the forwarder's threads: softirq work
                    # they triggered but another task ran is missing from it.
                    print("bench kernel_ports: %s %s run %d: %.3f Mpps, its threads had %.0f %% "
                          "of a CPU (%.3f Mpps a CPU-second), %d of %d frames in flight at the "
                          "end, TX-packets %d, arrived %d (load %s)" %
                          (case, side, rep + 1, mpps, 100 * share, per_cpu[(case, side)][-1], left, args.inflight, sent[0], sent[1], tp.load()), flush=True)
                    if calls:
                        print("bench kernel_ports: %s %s run %d: a frame in the forwarder: %s"
                              % (case, side, rep + 1, ", ".join("%s %.3f" % kv
                                                                for kv in sorted(calls.items()))))
    finally:
        loop.remove()
    status = 0
    for case in args.cases.split(","):
        if not statistics.median(figs[(case, "vdk")]) > 0:
            print("bench kernel_ports: %s: vdk forwarded nothing" % case)
            status = 1
        note = ""
        for side in ("vdk", "peer"):
            if max(lost[(case, side)]) > 0:
                note += " %s_lost=%s" % (side, "/".join(map(str, lost[(case, side)])))
        v, p = figs[(case, "vdk")], figs[(case, "peer")]
        if not statistics.median(p) > 0:
            # A measured zero, not a missing figure: said so rather than divided by.
            print("RESULT kernel_ports/%s vdk=%.3f peer=0.000 unit=Mpps ratio=NA vdk_range=%s "
                  "n=%d/%d note=peer_forwarded_nothing%s" %
                  (case, statistics.median(v), tp.spread(v), len(v), len(p), note))
        else:
            tp.result(case, v, p, "Mpps", note=note, bench="kernel_ports")
            tp.result(case + "_per_cpu_second", per_cpu[(case, "vdk")], per_cpu[(case, "peer")],
                      "Mpps", note=note, bench="kernel_ports")
    return status


if __name__ == "__main__":
    sys.exit(main())
