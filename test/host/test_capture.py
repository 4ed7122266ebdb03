#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""vdk-testpmd's packet capture (`capture start|stop`, `show capture`,
--capture): packets forwarded between two net_af_packet ports on veth
pairs while a port is captured, at the prompt and from the command line;
tcpdump reads each file and its count equals the port's counters less the
drops the capture reports; net_null ports at full rate, where the capture
cannot keep up, account for every packet the same way; `count N` stops at
N; bad inputs are refused with a message.

usage: test_capture.py PATH/TO/vdk-testpmd   (about 20 s; root)
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pcapfile
import vdk_host as vh

SUMMARY = re.compile(r"Capture of port (\d+) (\w+) to (\S+): (\w+)[^,]*, (\d+) packets written, "
                     r"(\d+) dropped")


def capture_summary(text):
    """(written, dropped) of the last capture summary in @text."""
    m = SUMMARY.findall(text)
    assert m, "no capture summary in:\n%s" % text[-2000:]
    return int(m[-1][4]), int(m[-1][5])


def tcpdump_count(path):
    """Frames tcpdump reads from @path, or -1 if it cannot read it."""
    r = subprocess.run(["tcpdump", "-r", path, "--count"], capture_output=True, text=True)
    m = re.match(r"(\d+) packets?\s*$", r.stdout)
    if r.returncode != 0 or not m:
        print("tcpdump -r %s: exit %d: %s%s" % (path, r.returncode, r.stdout, r.stderr))
        return -1
    return int(m.group(1))


def port_stats(t, port):
    """(RX-packets, TX-packets) from `show port stats`."""
    o = t.cmd("show port stats %d" % port)
    rx = re.search(r"RX-packets: (\d+)", o)
    tx = re.search(r"TX-packets: (\d+)", o)
    assert rx and tx, "show port stats printed: %r" % o
    return int(rx.group(1)), int(tx.group(1))


def seqs(path):
    """Sequence numbers of the sender's frames in a capture file."""
    _, frames = pcapfile.read(path)
    return [int.from_bytes(f[18:22], "big") for f in frames if f[14:18] == vh.MARK]


def null_run(binary, spec, run_time):
    argv = [binary, "-l", "0-1", "--no-huge", "--no-pci", "--vdev", "net_null0",
            "--vdev", "net_null1", "--", "--disable-link-check", "--run-time=%g" % run_time,
            "--capture=" + spec]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def main():
    vh.need_root()
    if not vh.need_tcpdump():
        return 1
    binary = sys.argv[1]
    c = vh.Checks()
    tmp = tempfile.mkdtemp(prefix="vdk-capture-")
    topo = vh.Topology().make()
    t = None
    try:
        # 1. At the prompt, while forwarding: port 0's receive side.
        n = 1000
        f1 = os.path.join(tmp, "rx0.pcap")
        t = vh.Pty(topo.exec_args("f", [binary] + vh.afp_eal_args() + ["--", "-i"]))
        t.cmd("start")
        o = t.cmd("capture start 0 rx " + f1)
        c.check("Capturing port 0 rx to " + f1 in o, "capture start while forwarding", repr(o))
        o = t.cmd("show capture")
        c.check(re.search(r"port 0 rx to \S+: running, \d+ packets written, 0 dropped", o)
                is not None, "show capture: running, its counts", repr(o))
        # A long idle time: on a loaded host the first frame may take seconds to come.
        counter = vh.start_counter(topo, idle=6.0)
        vh.start_sender(topo, n, 1000).communicate(timeout=60)
        got, _ = vh.counter_result(counter)
        # Bad inputs while it runs.
        for line, msg in (("capture start 0 tx " + os.path.join(tmp, "x.pcap"),
                           "A capture is running already (port 0 rx to %s)" % f1),
                          ("capture start 0 sideways x.pcap", "usage: capture start"),
                          ("capture start 0 rx x.pcap count 0", "usage: capture start"),
                          ("capture start", "usage: capture start"),
                          ("capture pause", "usage: capture start")):
            o = t.cmd(line)
            c.check(msg in o, "refused: " + line.replace(tmp + "/", ""), repr(o))
        o = t.cmd("capture stop")
        written, dropped = capture_summary(o)
        rx0, _ = port_stats(t, 0)
        on_file = tcpdump_count(f1)
        # On a loaded machine the kernel may drop some before port 0 (its imissed):
        # the capture is held to what the port counted.
        c.check(rx0 > 0 and got == rx0, "what port 0 received was forwarded",
                "sent %d, counter %d, port 0 rx %d" % (n, got, rx0))
        c.check(on_file == written and on_file == rx0 - dropped,
                "tcpdump reads port 0's rx packets less the reported drops",
                "file %d, written %d, port rx %d, dropped %d" % (on_file, written, rx0, dropped))
        s = seqs(f1)
        c.check(len(s) == on_file and s == sorted(set(s)) and s[-1] < n,
                "the file holds the sender's frames, in order", "%d frames of %d, first %s"
                % (len(s), on_file, s[:5]))
        # Bad inputs with none running.
        for line, msg in (("capture stop", "No capture running"),
                          ("show capture", "No capture running"),
                          ("capture start 7 rx " + os.path.join(tmp, "x.pcap"), "Invalid port 7"),
                          ("capture start 0 rx " + os.path.join(tmp, "nodir", "x.pcap"),
                           "Cannot capture to %s/nodir/x.pcap: No such file or directory" % tmp)):
            o = t.cmd(line)
            c.check(msg in o, "refused: " + line.replace(tmp + "/", ""), repr(o))
        c.check(not os.path.exists(os.path.join(tmp, "x.pcap")), "a refused capture made no file")
        t.send("quit\r")
        t.wait_exit()
        t = None

        # 2. From the command line: port 1 both ways (what it sends is what it forwards).
        f2 = os.path.join(tmp, "both1.pcap")
        argv = topo.exec_args("f", [binary] + vh.afp_eal_args() +
                              ["--", "--run-time=60", "--capture=1,both," + f2])
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = []
        for line in p.stdout:
            lines.append(line)
            if "nb forwarding cores=" in line:
                break
        counter = vh.start_counter(topo, idle=6.0)
        vh.start_sender(topo, n, 1000).communicate(timeout=60)
        got, _ = vh.counter_result(counter)
        p.send_signal(signal.SIGINT)
        out, _ = p.communicate(timeout=30)
        text = "".join(lines) + out
        written, dropped = capture_summary(text)
        rx1, tx1 = vh.fwd_summary(text, 1)
        on_file = tcpdump_count(f2)
        c.check(p.returncode == 0 and tx1 > 0 and got == tx1,
                "--capture: testpmd forwarded what it received and exited 0",
                "exit %d, sent %d, counter %d, port 1 tx %d" % (p.returncode, n, got, tx1))
        c.check(on_file == written and on_file == rx1 + tx1 - dropped,
                "tcpdump reads port 1's rx and tx packets less the reported drops",
                "file %d, written %d, port rx %d tx %d, dropped %d"
                % (on_file, written, rx1, tx1, dropped))

        # 3. Faster than any disk: net_null ports, nothing lost uncounted.
        f3 = os.path.join(tmp, "null.pcap")
        r = null_run(binary, "0,both," + f3, 1)
        written, dropped = capture_summary(r.stdout)
        rx0, tx0 = vh.fwd_summary(r.stdout, 0)
        on_file = tcpdump_count(f3)
        c.check(r.returncode == 0 and rx0 > 0 and on_file == written and
                on_file == rx0 + tx0 - dropped,
                "full rate: file + reported drops = port 0's rx + tx",
                "exit %d, file %d, written %d, rx %d tx %d, dropped %d"
                % (r.returncode, on_file, written, rx0, tx0, dropped))
        print("     (full rate: %d written, %d dropped of %d)" % (written, dropped, rx0 + tx0))

        # 4. count N: exactly N, whatever the rate.
        f4 = os.path.join(tmp, "count.pcap")
        r = null_run(binary, "1,tx,%s,count=500" % f4, 0.5)
        written, _ = capture_summary(r.stdout)
        c.check(r.returncode == 0 and written == 500 and tcpdump_count(f4) == 500,
                "count=500 writes 500 frames", "exit %d, written %d, file %d"
                % (r.returncode, written, tcpdump_count(f4)))

        # 5. Bad --capture options end the run with a message.
        for spec, msg in (("0,rx", "invalid --capture '0,rx'"),
                          ("x,rx," + f4, "Invalid port 'x'"),
                          ("0,up," + f4, "invalid --capture"),
                          ("0,rx,%s,count=-1" % f4, "invalid --capture"),
                          ("5,rx," + f4, "Invalid port 5"),
                          ("0,rx,/nonexistent/dir/c.pcap", "Cannot capture to /nonexistent"),
                          ("0,rx,/dev/full", "writing the file failed: No space left on device")):
            r = null_run(binary, spec, 0.2)
            c.check(r.returncode != 0 and msg in r.stdout + r.stderr,
                    "refused: --capture=" + spec.replace(tmp + "/", ""),
                    "exit %d: %s" % (r.returncode, (r.stdout + r.stderr)[-600:]))
    finally:
        if t is not None:
            t.kill()
        topo.remove()
        shutil.rmtree(tmp, ignore_errors=True)
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
