#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Per-I/O counts for bench nvme's QD1 comparison (test/bench/nvme --counts).

Two analyses, each printing RESULT lines (vdk = vdk-nvme-perf, peer = the
floor, nvme_floor.c), lower is better:

  trace TRACE.LOG
      QEMU's trace of the NVMe model (vm-run --trace with -msg timestamp),
      cut into one segment a controller enable (pci_nvme_mmio_start_success):
      the first two segments with I/O are the floor's run and then
      vdk-nvme-perf's (the guest's boot does none). Per I/O (pci_nvme_io_cmd): MMIO reads and writes
      of BAR 0; and the medians, in the host's microseconds, of the
      submission doorbell to the completion doorbell (the device, the
      guest seeing the completion) and of the completion doorbell to the
      next submission doorbell (the guest between two I/Os).

  callgrind FLOOR.OUT VDK.OUT
      callgrind files (--dump-instr=yes) of both programs over a QD1 run.
      Each instruction's execution count is split as a * polls + b * I/Os
      (small whole a, b): b summed is the user-space instructions an I/O
      costs outside its waiting, a summed what one more poll (or spin) of
      the completion queue costs (0 when every poll found a completion:
      the poll is then in the I/O's count). I/Os: the calls of the read
      (VDK) or of the completion wait (the floor); polls: the calls of
      vdk_nvme_qpair_process_completions (the one that finds the
      completion too), or the iterations of the floor's spin (which the
      first look at the phase tag, counted in the I/O, skips when the
      completion is there).
      vdk-nvme-perf's are also given by layer: the tool, the namespace
      call, the queue pair, the IOVA lookup.
"""
import collections
import re
import statistics
import sys

DOORBELLS = 0x1000


def result(name, v, p, unit):
    """A RESULT line; None: that side has no figure."""
    fmt = lambda x: "NA" if x is None else "%.2f" % x
    ratio = "%.2f" % (p / v) if v and p else "NA"
    print("RESULT nvme/%s vdk=%s peer=%s unit=%s ratio=%s" % (name, fmt(v), fmt(p), unit, ratio))


def trace_segments(path):
    """[(I/Os, Counter of events, [(time_us, event, addr)])] a controller enable."""
    segs = []
    line_re = re.compile(r"\d+@(\d+)\.(\d+):(\S+)\s*(.*)")
    for line in open(path, errors="replace"):
        m = line_re.match(line)
        if not m:
            continue
        t = int(m.group(1)) * 1000000 + int(m.group(2))
        ev, rest = m.group(3), m.group(4)
        if ev == "pci_nvme_mmio_start_success":
            segs.append((collections.Counter(), []))
            continue
        if not segs:
            continue
        c, evs = segs[-1]
        addr = None
        if ev in ("pci_nvme_mmio_read", "pci_nvme_mmio_write"):
            addr = int(rest.split()[1], 16)
            if ev == "pci_nvme_mmio_write" and addr >= DOORBELLS:
                # Odd doorbells are completion heads (NVMe 1.4 §3.1.24, DSTRD 0).
                ev = "cq_doorbell" if (addr - DOORBELLS) // 4 % 2 else "sq_doorbell"
                evs.append((t, ev))
        c[ev] += 1
    return [s for s in segs if s[0]["pci_nvme_io_cmd"] >= 100]


def gaps(evs, a, b):
    """Median microseconds from each event a to the next event b."""
    out, ta = [], None
    for t, ev in evs:
        if ev == a:
            ta = t
        elif ev == b and ta is not None:
            out.append(t - ta)
            ta = None
    return statistics.median(out) if out else 0


def trace(path):
    segs = trace_segments(path)
    if len(segs) < 2:
        sys.exit("nvme_counts: %s holds %d runs with I/O, not the floor's and VDK's" %
                 (path, len(segs)))
    (fc, fe), (vc, ve) = segs[0], segs[1]
    fn, vn = fc["pci_nvme_io_cmd"], vc["pci_nvme_io_cmd"]
    print("trace: floor %d I/Os, vdk-nvme-perf %d I/Os" % (fn, vn))
    result("qd1_mmio_reads_per_io", vc["pci_nvme_mmio_read"] / vn,
           fc["pci_nvme_mmio_read"] / fn, "accesses")
    writes = lambda c: c["sq_doorbell"] + c["cq_doorbell"] + c["pci_nvme_mmio_write"]
    result("qd1_mmio_writes_per_io", writes(vc) / vn, writes(fc) / fn, "accesses")
    result("qd1_sq_doorbell_to_cq_doorbell", gaps(ve, "sq_doorbell", "cq_doorbell"),
           gaps(fe, "sq_doorbell", "cq_doorbell"), "host_us")
    result("qd1_cq_doorbell_to_sq_doorbell", gaps(ve, "cq_doorbell", "sq_doorbell"),
           gaps(fe, "cq_doorbell", "sq_doorbell"), "host_us")


def callgrind_counts(path):
    """{(object, address): executions}, {(object, address): function},
    {function: calls}."""
    names = {"ob": {}, "fn": {}}     # objects and functions are numbered apart
    cnt, fn_of, calls = collections.Counter(), {}, collections.Counter()
    cfn = None
    last = [0, 0]
    ob = fn = None
    skip_next = False

    def name(kind, tok):
        m = re.match(r"\((\d+)\)(?:\s+(.*))?", tok)
        if not m:
            return tok
        if m.group(2):
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), m.group(1))

    def pos(tok, i):
        if tok == "*":
            return last[i]
        if tok[0] in "+-":
            v = int(tok[1:], 0)
            return last[i] + (v if tok[0] == "+" else -v)
        return int(tok, 0)

    for line in open(path):
        if line.startswith("ob="):
            ob = name("ob", line[3:].strip())
        elif line.startswith("cob="):
            name("ob", line[4:].strip())
        elif line.startswith("cfn="):
            cfn = name("fn", line[4:].strip())
        elif line.startswith("fn="):
            fn = name("fn", line[3:].strip())
        elif line.startswith("calls="):
            calls[cfn] += int(line[6:].split()[0])
            skip_next = True    # the next line is the call's inclusive cost
        elif line[:1].isdigit() or line[:1] in "+-*":
            f = line.split()
            if len(f) < 3:
                continue
            last[0], last[1] = pos(f[0], 0), pos(f[1], 1)
            if skip_next:
                skip_next = False
                continue
            cnt[(ob, last[0])] += int(f[2])
            fn_of[(ob, last[0])] = fn
    return cnt, fn_of, calls


def split_counts(path, prog, io_fn, poll_fn, spin_fn=None):
    """I/Os, polls, {function: (per I/O, per poll)} of one callgrind file.
    I/Os: the calls of @io_fn; polls: those of @poll_fn, or the execution
    count most shared in @spin_fn above the I/Os' (its spin loop's)."""
    cnt, fn_of, calls = callgrind_counts(path)
    n_io = calls[io_fn]
    if n_io < 1000:
        sys.exit("nvme_counts: %s: %d I/Os, too few to count (the host stalled the "
                 "guest?): run again" % (path, n_io))
    # The program's own code and libvdk (not the loader, not libc), what
    # runs at least a hundred times (not the set-up).
    own = {k: c for k, c in cnt.items()
           if c >= 100 and (prog in str(k[0]) or "libvdk" in str(k[0]))}
    # c is 1 to 5 times n, give or take the few runs outside the loop.
    near = lambda c, n: n and 1 <= round(c / n) <= 5 and abs(c - round(c / n) * n) <= 0.02 * c
    on_path = {fn_of[k] for k, c in own.items() if near(c, n_io)}
    if poll_fn:
        n_poll = calls[poll_fn]
    else:
        # (Above the I/Os': a QD1 spin outlasts the I/O path, even under
        # valgrind; below are the queue's wraps.)
        polls = collections.Counter(c for k, c in own.items() if fn_of[k] == spin_fn and
                                    c > 1.05 * n_io and not near(c, n_io))
        n_poll = polls.most_common(1)[0][0] if polls else 0
    if abs(n_poll - n_io) <= 0.02 * n_io:
        # As many polls as I/Os: a poll's cost is the I/O's.
        n_poll = 0
    fits = collections.defaultdict(list)
    for k, c in own.items():
        if c < min(n_io, n_poll or n_io) / 2:
            continue
        best = min(((abs(c - a * n_poll - b * n_io), a, b)
                    for a in range(4) for b in range(6)), key=lambda x: x[0])
        if best[0] <= 0.02 * c:
            fits[fn_of[k]].append(best[1:])
    # The loop's functions: those that complete I/Os, and those that only poll.
    per = {f: [sum(b for _, b in ab), sum(a for a, _ in ab)] for f, ab in fits.items()
           if f in on_path or (n_poll and all(b == 0 for _, b in ab))}
    return n_io, n_poll, per


# vdk-nvme-perf's functions by layer (what the floor does without).
LAYERS = [
    ("iova", ("virt2iova", "mem_window")),
    ("namespace", ("nvme_ns_",)),
    ("qpair", ("nvme_qpair", "nvme_build_prps", "nvme_tracker")),
    ("tool", ("perf_",)),
]


def callgrind(floor_path, vdk_path):
    fio, fpoll, fper = split_counts(floor_path, "bench_nvme_floor", "complete", None,
                                    "complete")
    vio, vpoll, vper = split_counts(vdk_path, "vdk-nvme-perf", "vdk_nvme_ns_cmd_read",
                                    "vdk_nvme_qpair_process_completions")
    tot = lambda per, i: sum(v[i] for v in per.values())
    print("callgrind: floor %d I/Os, %d spins; vdk-nvme-perf %d I/Os, %d polls" %
          (fio, fpoll, vio, vpoll))
    for f, v in sorted(vper.items(), key=lambda kv: -kv[1][0] - kv[1][1]):
        print("  vdk %-40s %4d an I/O %4d a poll" % (f, v[0], v[1]))
    for f, v in sorted(fper.items(), key=lambda kv: -kv[1][0] - kv[1][1]):
        print("  floor %-38s %4d an I/O %4d a spin" % (f, v[0], v[1]))
    result("qd1_user_instructions_per_io", tot(vper, 0), tot(fper, 0), "instructions")
    # No figure for a side whose polls were as many as its I/Os (or, for
    # the floor, whose spin was too rare to count).
    result("qd1_user_instructions_per_poll", tot(vper, 1) if vpoll else None,
           tot(fper, 1) if fpoll else None, "instructions")
    # What an I/O costs with no waiting: VDK's one poll that finds it; the
    # floor's first look at the phase tag is in its I/O already.
    result("qd1_user_instructions_per_io_with_one_poll", tot(vper, 0) + tot(vper, 1),
           tot(fper, 0), "instructions")
    for layer, keys in LAYERS:
        io = poll = 0
        for f, v in list(vper.items()):
            if any(k in f for k in keys):
                io, poll = io + v[0], poll + v[1]
                del vper[f]
        print("RESULT nvme/qd1_vdk_%s_instructions vdk=%d peer=NA unit=per_io+per_poll "
              "ratio=NA per_io=%d per_poll=%d" % (layer, io + poll, io, poll))
    if vper:
        print("  vdk, other:", dict(vper))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "trace":
        trace(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "callgrind":
        callgrind(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: nvme_counts.py trace TRACE.LOG | callgrind FLOOR.OUT VDK.OUT")
