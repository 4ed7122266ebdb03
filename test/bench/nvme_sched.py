#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""How the host schedules QEMU's threads while bench nvme runs (--sched).

  nvme_sched.py RUNROOT

RUNROOT is the TMPDIR vm-run makes its run dir in. Finds the QEMU started
there, then every 0.1 s reads the phase the guest wrote into the run's out
export ("SIDE QD" while a side runs, "idle" between runs) and the context
switches and CPU time of each of QEMU's threads (/proc/PID/task/TID). When
QEMU exits, prints per side, in events a second of the side's runs: QEMU's
main loop (which runs the NVMe model) and the busiest other thread (vCPU
0, where every side runs): voluntary switches (the thread slept: the main
loop in its poll, a vCPU waiting for QEMU's big lock) and involuntary ones
(the host took its CPU away), and the share of a host CPU each used.
Under TCG the device model's latency is these threads handing work to
each other (doc/nvme.md, "The floor's spin").
"""
import collections
import glob
import os
import re
import sys
import time


def find_qemu(root):
    """(pid, out dir) of the QEMU whose command line names @root."""
    for path in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            argv = open(path, "rb").read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if not argv[0].endswith("qemu-system-x86_64"):
            continue
        for a in argv:
            m = re.search(re.escape(root.rstrip("/")) + r"/vdk-vm\.[^/,]+", a)
            if m:
                return int(path.split("/")[2]), m.group(0) + "/out"
    return None, None


def threads(pid):
    """{tid: (voluntary, involuntary, CPU ticks)}"""
    snap = {}
    for task in glob.glob("/proc/%d/task/*" % pid):
        try:
            status = open(task + "/status").read()
            stat = open(task + "/stat").read().rsplit(")", 1)[1].split()
            vol = int(re.search(r"^voluntary_ctxt_switches:\s*(\d+)", status, re.M).group(1))
            invol = int(re.search(r"^nonvoluntary_ctxt_switches:\s*(\d+)", status, re.M).group(1))
            snap[int(task.rsplit("/", 1)[1])] = (vol, invol, int(stat[11]) + int(stat[12]))
        except (OSError, AttributeError, IndexError):
            continue
    return snap


def main():
    root = sys.argv[1]
    deadline = time.time() + 600
    pid = None
    while pid is None and time.time() < deadline:
        pid, out = find_qemu(root)
        time.sleep(0.2)
    if pid is None:
        sys.exit("nvme_sched: no QEMU under %s" % root)
    hz = os.sysconf("SC_CLK_TCK")
    acc = collections.defaultdict(lambda: collections.defaultdict(lambda: [0, 0, 0]))
    wall = collections.Counter()
    prev, prev_phase, prev_t = threads(pid), "idle", time.time()
    while os.path.exists("/proc/%d" % pid):
        time.sleep(0.1)
        try:
            phase = open(out + "/phase").read().strip() or "idle"
        except OSError:
            phase = "idle"
        cur, now = threads(pid), time.time()
        # An interval counts for a side only when it ran all along.
        if phase == prev_phase and phase != "idle":
            for tid, v in cur.items():
                if tid in prev:
                    a = acc[phase][tid]
                    for i in range(3):
                        a[i] += v[i] - prev[tid][i]
            wall[phase] += now - prev_t
        prev, prev_phase, prev_t = cur, phase, now
    print("host scheduling of QEMU's threads, a second of each side's runs"
          " (voluntary: slept; involuntary: CPU taken away):")
    for phase in acc:
        w = wall[phase]
        if w <= 0:
            continue
        d = acc[phase]
        main_loop = d.get(pid, [0, 0, 0])
        others = [t for t in d if t != pid]
        vcpu = max(others, key=lambda t: d[t][2]) if others else None
        v = d.get(vcpu, [0, 0, 0])
        print("  %-16s main loop %6.0f vol %6.0f invol %3.0f%% CPU; vCPU %6.0f vol %6.0f invol"
              " %3.0f%% CPU (%.1f s)" %
              (phase, main_loop[0] / w, main_loop[1] / w, 100.0 * main_loop[2] / hz / w,
               v[0] / w, v[1] / w, 100.0 * v[2] / hz / w, w))


if __name__ == "__main__":
    main()
