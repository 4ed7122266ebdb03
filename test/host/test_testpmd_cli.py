#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""vdk-testpmd's prompt through a pseudo-terminal, on two net_af_packet
ports over veth pairs with real traffic: every command, tab completion and
history (libedit), `set fwd` switched while packets flow with every packet
still accounted for, unknown commands and bad arguments answered with a
message and no change of state, and `quit` with a clean exit. Then burst
statistics (--record-burst-stats, `set record-burst-stats`) on two net_null
ports.

usage: test_testpmd_cli.py PATH/TO/vdk-testpmd   (about 20 s; root)
"""
import re
import sys
import time

import vdk_host as vh


def burst_of(cfg_text):
    m = re.search(r"packets/burst=(\d+)", cfg_text)
    return int(m.group(1)) if m else -1


def engine_of(cfg_text):
    m = re.search(r"^(\w+) packet forwarding - ports=", cfg_text, re.M)
    return m.group(1) if m else None


def config_of(cfg_text):
    """The lines of `show config fwd` and `rxtx` that describe the configuration:
    an asynchronous message (a link event) may share the pty's output."""
    keep = re.compile(r"packet forwarding - ports=|Logical Core|RX P=|packets/burst=|nb forwarding")
    return [ln.strip() for ln in cfg_text.splitlines() if keep.search(ln)]


def kernel_drops(topo):
    """Frames the kernel dropped between port 1 (r1) and the counter (r0)."""
    n = 0
    for ns, dev, stats in (("f", "r1", ("tx_dropped", "tx_errors")),
                           ("r", "r0", ("rx_dropped", "rx_errors"))):
        for st in stats:
            n += int(vh.sh(*topo.exec_args(ns, ["cat", "/sys/class/net/%s/statistics/%s" %
                                                 (dev, st)])).stdout)
    return n


def burst_stats_on_null(testpmd, c):
    """net_null fills every rx burst and takes every tx burst: all of 32."""
    t = vh.Pty([testpmd, "-l", "0-1", "--no-huge", "--no-pci", "--vdev", "net_null0",
                "--vdev", "net_null1", "--", "-i", "--record-burst-stats"])
    try:
        t.cmd("start")
        time.sleep(0.3)
        o = t.cmd("stop")
        blocks = re.findall(r"Forward statistics for port (\d+).*?\n(.*?)  -{20,}\n", o, re.S)
        full = "[0% of 0 pkts + 100% of 32 pkts]"
        c.check(len(blocks) == 2 and
                all(re.search(r"^  RX-bursts : [1-9]\d* " + re.escape(full), b, re.M) and
                    re.search(r"^  TX-bursts : [1-9]\d* " + re.escape(full), b, re.M)
                    for _, b in blocks),
                "--record-burst-stats: RX-bursts and TX-bursts of 32 for each port", o[-1200:])
        o = t.cmd("set record-burst-stats sometimes")
        c.check("usage: set record-burst-stats on|off" in o,
                "set record-burst-stats refuses a bad value", repr(o))
        o = t.cmd("set record-burst-stats off")
        c.check("set to off" in o, "set record-burst-stats off")
        t.cmd("start")
        time.sleep(0.2)
        o = t.cmd("stop")
        c.check("Forward statistics for port 1" in o and "-bursts" not in o,
                "no burst lines once off", o[-800:])
        t.cmd("set burst 8")
        t.cmd("set record-burst-stats on")
        t.cmd("start")
        time.sleep(0.2)
        o = t.cmd("show fwd stats all")
        c.check("RX-bursts" in o and "100% of 8 pkts]" in o and "of 32 pkts" not in o,
                "set record-burst-stats on: counted afresh at start, shown by show fwd stats all",
                o[-800:])
        t.cmd("stop")
        t.send("quit\r")
        rc = t.wait_exit()
        c.check(rc == 0, "net_null session quits 0", "exit %d" % rc)
        t = None
    finally:
        if t is not None:
            t.kill()


def main():
    vh.need_root()
    testpmd = sys.argv[1]
    c = vh.Checks()
    topo = vh.Topology().make()
    t = None
    try:
        t = vh.Pty(topo.exec_args("f", [testpmd] + vh.afp_eal_args(1) + ["--", "-i"]))
        c.check(True, "prompt shown")

        o = t.cmd("help")
        c.check("set fwd io|mac|macswap|txonly|rxonly|csum" in o and "port start all|<port>" in o,
                "help lists the commands")
        o = t.cmd("show port info all")
        c.check("Infos for port 0" in o and "Infos for port 1" in o and
                "Driver name: net_af_packet" in o and "Kernel interface: s1" in o,
                "show port info all")
        c.check("Link status: up" in o, "links are up after start", o[-400:])
        o = t.cmd("show config fwd") + t.cmd("show config rxtx")
        c.check(engine_of(o) == "io" and burst_of(o) == 32 and "RX P=0/Q=0" in o,
                "show config fwd and rxtx: io, burst 32")
        cfg_before = o

        # Refusals: a message each, and the configuration unchanged after all of them.
        bad = [("frobnicate", "Command not found"), ("set burst 0", "Bad arguments"),
               ("set burst 9999", "Bad arguments"), ("set fwd teleport", "Invalid forwarding mode"),
               ("set txpkts 10", "Bad arguments"), ("set nbcore 7", "Invalid number of forwarding cores"),
               ("set promisc 5 on", "Invalid port"), ("set promisc all sideways", "Bad arguments"),
               ("port start 9", "Invalid port"), ("port frob all", "Bad arguments"),
               ("show port info 9", "Invalid port"), ("show port nothing 0", "Bad arguments"),
               ("clear port stats x", "Invalid port"), ("start tx_first 0", "Bad arguments"),
               ("stop", "Packet forwarding not started"), ("show fwd", "Bad arguments")]
        for line, msg in bad:
            o = t.cmd(line)
            c.check(msg in o, "refused with a message: %s" % line, repr(o))
        o = t.cmd("show config fwd") + t.cmd("show config rxtx")
        c.check(config_of(o) == config_of(cfg_before), "refusals changed nothing",
                "before:\n%s\nafter:\n%s" % (cfg_before, o))
        o = t.cmd("show port info 0")
        c.check("Promiscuous mode: enabled" in o and "Port state: started" in o,
                "ports untouched by the refusals")

        # Tab completion and history, as a person types them.
        # libedit redraws with cursor moves, so what the line became is
        # judged by what the command does, not by the echo.
        t.send("sho\t")
        time.sleep(0.3)
        t.send("con\t")
        time.sleep(0.3)
        t.send("f\t\r")
        o = t.read_until(t.PROMPT)
        c.check("packet forwarding - ports=2" in o, "'sho<TAB>con<TAB>f<TAB>' runs show config fwd",
                repr(o[-300:]))
        t.cmd("help")
        t.send("\x1b[A\x1b[A")  # up arrow twice: the command before help
        time.sleep(0.3)
        t.send("\r")
        o = t.read_until(t.PROMPT)
        c.check("packet forwarding - ports=2" in o, "history recalls an earlier command",
                repr(o[-300:]))
        t.send("set fwd mac\t")
        # The list, then the prompt redrawn with the line as typed.
        o = t.read_until(re.compile(r"macswap.*testpmd> set fwd mac", re.S), 5)
        t.send("\x15")            # ^U: drop the line
        t.cmd("")
        c.check("mac" in o and "macswap" in o, "tab lists mac and macswap")

        # Forwarding with traffic flowing; switch engines while it runs.
        n = 3000
        counter = vh.start_counter(topo, idle=4)
        o = t.cmd("start")
        c.check("io packet forwarding" in o, "start")
        o = t.cmd("start")
        c.check("already started" in o, "second start refused")
        sender = vh.start_sender(topo, n, 1000)
        for mode in ["mac", "macswap", "csum", "io", "mac", "io"]:
            time.sleep(0.4)
            o = t.cmd("set fwd " + mode)
            c.check("Set %s packet forwarding mode" % mode in o, "set fwd %s while forwarding" % mode)
        o = t.cmd("set burst 8")
        c.check("set to 8" in o, "set burst while forwarding")
        o = t.cmd("port stop 0")
        c.check("Please stop forwarding first" in o, "port stop refused while forwarding")
        o = t.cmd("set nbcore 1")
        c.check("Please stop forwarding first" in o, "set nbcore refused while forwarding")
        sender.communicate(timeout=60)
        got, dups = vh.counter_result(counter)
        c.check(got == n and dups == 0, "every packet through the switches (%d)" % n,
                "got %d dups %d" % (got, dups))
        o = t.cmd("show fwd stats all")
        c.check("Forward statistics for port 0" in o, "show fwd stats all while forwarding")
        o = t.cmd("stop")
        m = re.search(r"port 0\s.*?RX-packets: (\d+)\s+RX-dropped: (\d+)", o, re.S)
        c.check(m and int(m.group(1)) == n and int(m.group(2)) == 0,
                "stop: summary counts every packet on port 0", o[-800:])
        c.check("Accumulated forward statistics for all ports" in o, "stop prints the totals")
        o = t.cmd("show config fwd") + t.cmd("show config rxtx")
        c.check(engine_of(o) == "io" and burst_of(o) == 8, "last switch is what runs")

        # Statistics commands.
        o = t.cmd("show port stats all")
        m = re.search(r"NIC statistics for port 1.*?TX-packets: (\d+)", o, re.S)
        c.check(m and int(m.group(1)) >= n, "show port stats all")
        o = t.cmd("show port xstats 1")
        c.check("tx_good_packets: " in o and "tx_q0_packets: " in o, "show port xstats")
        o = t.cmd("clear port stats all")
        c.check("cleared" in o, "clear port stats all")
        o = t.cmd("show port stats 1")
        c.check(re.search(r"TX-packets: 0\s", o) is not None, "stats read 0 after clear", o)

        # txonly and rxonly with the counter watching the wire.
        # The wire must carry every frame port 1 counted as sent, but for
        # those the kernel says it dropped on the way (veth, the socket).
        drops0 = kernel_drops(topo)
        counter = vh.start_counter(topo, idle=2, kind="txonly")
        t.cmd("set txpkts 64")
        t.cmd("set fwd txonly")
        o = t.cmd("start tx_first")
        c.check("txonly packet forwarding" in o, "start tx_first in txonly")
        time.sleep(0.5)
        o = t.cmd("stop")
        m = re.search(r"port 1\s.*?TX-packets: (\d+)", o, re.S)
        sent = int(m.group(1)) if m else 0
        c.check(sent > 0, "txonly sent packets", o[-600:])
        got, _, sock_drops = vh.counter_result(counter, timeout=30, drops=True)
        dropped = sock_drops + kernel_drops(topo) - drops0
        c.check(got > 0 and got + dropped == sent,
                "the wire saw the txonly frames port 1 sent: %d of %d (%d dropped by the kernel)"
                % (got, sent, dropped))
        o = t.cmd("set fwd rxonly")
        c.check("Set rxonly" in o, "set fwd rxonly")
        t.cmd("set fwd io")

        # Promiscuous mode and port control.
        t.cmd("set promisc 0 off")
        o = t.cmd("show port info 0")
        c.check("Promiscuous mode: disabled" in o, "set promisc 0 off")
        t.cmd("set promisc all on")
        o = t.cmd("show port info 1")
        c.check("Promiscuous mode: enabled" in o, "set promisc all on")
        o = t.cmd("port stop 1")
        c.check("Port 1 stopped" in o, "port stop 1")
        o = t.cmd("start")
        c.check("Port 1 is not started" in o, "start refused with a stopped port")
        o = t.cmd("port start 1")
        c.check("Port 1 started" in o, "port start 1")
        o = t.cmd("set nbcore 1")
        c.check("set to 1" in o, "set nbcore 1")
        o = t.cmd("port close 1")
        c.check("Port 1 is closed" in o, "port close 1")
        o = t.cmd("show port info 1")
        c.check("Invalid port" in o, "closed port is gone")

        t.send("quit\r")
        rc = t.wait_exit()
        c.check(rc == 0, "quit exits 0", "exit %d" % rc)
        c.check("Port 0 is closed" in t.buf and "Bye..." in t.buf, "quit closes the ports",
                t.buf[-500:])
        t = None
    finally:
        if t is not None:
            t.kill()
        topo.remove()
    burst_stats_on_null(testpmd, c)
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
