#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A command file written for DPDK's testpmd runs unchanged in vdk-testpmd
(--cmdline-file), and what both programs print for it on two null ports is
the same, line for line: the commands doc/testpmd.md's compatibility table
marks "same". Then `set link-down` on an af_packet port is seen by the
kernel peer as carrier loss, and `set link-up` gives it back.

usage: test_testpmd_dpdk_compat.py PATH/TO/vdk-testpmd [PATH/TO/dpdk-testpmd]
(about 10 s; root)
"""
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import vdk_host as vh

# What a DPDK user's script does on two ports, in the order a session goes:
# fixed MACs first, so that the null ports' random ones do not differ.
COMMANDS = """\
# set the ports up as the session needs them
mac_addr set 0 02:00:00:00:00:20
mac_addr set 1 02:00:00:00:00:21
show port summary all
set verbose 1
set verbose 0
set fwd mac
set burst 16
set nbcore 1
set eth-peer 0 02:00:00:00:00:10
set eth-peer 1 02:00:00:00:00:11
set portlist 1,0
show config fwd
set portlist 0,1
show config fwd
set allmulti all on
set promisc all on
port config mtu 0 1500
port config 1 mtu 1500
show fwd stats all
clear fwd stats all
set link-down port 0
set link-up port 1
port config all rxq 2
set fwd icmpecho
set fwd csum
set fwd txonly
set fwd rxonly
set fwd macswap
set fwd io
set burst 32
show port summary all
# the end of the file, in both: what follows is not run
quit
set verbose 5
"""

EAL = ["-l", "0-1", "--no-huge", "--no-pci", "--vdev", "net_null0", "--vdev", "net_null1"]


def run(argv, stderr, line_buffered=False):
    """Run a testpmd at its prompt, which gets `quit`; return its output."""
    stdbuf = shutil.which("stdbuf")
    if line_buffered and stdbuf:
        # DPDK's stdout and stderr then interleave as written (vdk-testpmd
        # buffers by line itself, and a sanitizer build must not be preloaded).
        argv = [stdbuf, "-oL", "-eL"] + argv
    p = subprocess.run(argv, input="quit\n", stdout=subprocess.PIPE, stderr=stderr,
                       text=True, timeout=120)
    return p.returncode, p.stdout


def file_section(text, path):
    """The lines the command file printed: after the link check, up to
    "Read CLI commands from PATH"."""
    m = re.search(r"^Checking link statuses\.\.\.\n(?:.*\n)*?Done\n((?:.*\n)*?)"
                  r"Read CLI commands from " + re.escape(path) + r"\n", text, re.M)
    return m.group(1).splitlines() if m else None


def same_output(c, vdk, dpdk):
    fd, path = tempfile.mkstemp(prefix="vdk-cmds-", suffix=".txt")
    with os.fdopen(fd, "w") as f:
        f.write(COMMANDS)
    try:
        rc_v, out_v = run([vdk] + EAL + ["--", "-i", "--cmdline-file=" + path],
                          subprocess.PIPE)
        rc_d, out_d = run([dpdk] + EAL + ["-m", "1024", "--file-prefix",
                                          "vdkcompat%d" % os.getpid(), "--",
                                          "-i", "--cmdline-file=" + path,
                                          "--total-num-mbufs=4096"], subprocess.STDOUT,
                          line_buffered=True)
    finally:
        os.unlink(path)
    c.check(rc_v == 0, "vdk-testpmd ran the command file and quit 0", "exit %d" % rc_v)
    c.check(rc_d == 0, "dpdk-testpmd ran the command file and quit 0", "exit %d" % rc_d)
    sec_v, sec_d = file_section(out_v, path), file_section(out_d, path)
    c.check(sec_v is not None, "vdk-testpmd: the file's output between the link check and "
            "'Read CLI commands from'", out_v[-2000:])
    c.check(sec_d is not None, "dpdk-testpmd: the same section", out_d[-2000:])
    if sec_v is None or sec_d is None:
        return
    refused = [ln for ln in sec_v if "Command not found" in ln or "Bad arguments" in ln]
    c.check(not refused, "every line of the DPDK command file is a vdk-testpmd command",
            "\n".join(refused))
    diff = list(difflib.unified_diff(sec_d, sec_v, "dpdk-testpmd", "vdk-testpmd", lineterm=""))
    c.check(not diff and len(sec_v) > 30,
            "both print the same %d lines for the file" % len(sec_v), "\n" + "\n".join(diff))
    # The checks above are only worth something if both ran every command.
    for want in ("Number of available ports: 2", "Change verbose level from 1 to 0",
                 "Set macswap packet forwarding mode", "Please stop all ports first",
                 "Set link down fail.", "RX P=1/Q=0 (socket 0) -> TX P=0/Q=0 (socket 0) "
                 "peer=02:00:00:00:00:10", "0    02:00:00:00:00:20 net_null0"):
        c.check(any(want in ln for ln in sec_v), "output has %r" % want)


def carrier(topo, ns, dev):
    r = vh.sh(*topo.exec_args(ns, ["cat", "/sys/class/net/%s/carrier" % dev]), check=False)
    return r.stdout.strip()


def wait_carrier(topo, ns, dev, want, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if carrier(topo, ns, dev) == want:
            return True
        time.sleep(0.1)
    return False


def link_down_seen_by_peer(c, vdk):
    topo = vh.Topology().make()
    t = None
    try:
        t = vh.Pty(topo.exec_args("f", [vdk] + vh.afp_eal_args(1) + ["--", "-i"]))
        c.check(wait_carrier(topo, "s", "s0", "1"), "peer s0 has carrier at first")
        o = t.cmd("set link-down port 0")
        c.check("fail" not in o, "set link-down port 0 accepted", repr(o))
        c.check(wait_carrier(topo, "s", "s0", "0"), "peer s0 lost carrier after set link-down",
                carrier(topo, "s", "s0"))
        c.check(carrier(topo, "r", "r0") == "1", "the other port's peer r0 kept its carrier")
        o = t.cmd("show port summary all")
        c.check(re.search(r"^0 .* net_af_packet\s+down ", o, re.M) is not None,
                "show port summary all: port 0 down", o)
        t.cmd("set link-up port 0")
        c.check(wait_carrier(topo, "s", "s0", "1"), "peer s0 has carrier again after set link-up")
        t.send("quit\r")
        c.check(t.wait_exit() == 0, "quit exits 0")
        t = None
    finally:
        if t is not None:
            t.kill()
        topo.remove()


def main():
    vh.need_root()
    vdk = sys.argv[1]
    dpdk = sys.argv[2] if len(sys.argv) > 2 else "/usr/bin/dpdk-testpmd"
    if not os.access(dpdk, os.X_OK):
        # Not a skip: CI installs it (dpdk-dev in devtools/common.sh).
        sys.exit("FAIL: no %s to compare with: apt-get install dpdk-dev" % dpdk)
    c = vh.Checks()
    same_output(c, vdk, dpdk)
    link_down_seen_by_peer(c, vdk)
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
