#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""net_pcap through vdk-testpmd: a capture the test makes (sizes from 60
bytes to a 9000-byte frame that spans mbufs) and one tcpdump records off a
veth pair are each replayed to a tx_pcap file that must equal the input
frame by frame, read back both by this test and by tcpdump; infinite_rx
replays in a loop; a live interface pair forwards every packet a sender
sends; and bad arguments are refused with a message.

usage: test_pcap.py PATH/TO/vdk-testpmd   (about 20 s; root)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pcapfile
import vdk_host as vh


def frames_made(n):
    out = []
    for i in range(n):
        size = 9000 if i == n // 2 else 60 + (i * 37) % 1455
        hdr = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x88\xb5" + vh.MARK + \
            i.to_bytes(4, "big")
        out.append(hdr + bytes((i + k) & 0xFF for k in range(size - len(hdr))))
    return out


def testpmd(topo, binary, vdevs, run_time=1, ns="f"):
    argv = [binary, "-l", "0-1", "--no-huge", "--no-pci"]
    for v in vdevs:
        argv += ["--vdev", v]
    argv += ["--", "--run-time=%d" % run_time]
    return subprocess.run(topo.exec_args(ns, argv), capture_output=True, text=True, timeout=60)


def summary_missed(text, port):
    """(RX-packets, RX-dropped) of @port in testpmd's summary."""
    m = re.search(r"Forward statistics for port %d\s.*?RX-packets: (\d+)\s+RX-dropped: (\d+)"
                  % port, text, re.S)
    assert m, "no summary for port %d in:\n%s" % (port, text)
    return int(m.group(1)), int(m.group(2))


def tcpdump_text(path):
    """tcpdump's own decoding of a file, without timestamps: what a user would compare."""
    r = subprocess.run(["tcpdump", "-r", path, "-t", "-nn", "-xx"], capture_output=True,
                       text=True)
    return r.returncode, r.stdout


def same_frames(c, what, want, path):
    try:
        linktype, got = pcapfile.read(path)
    except (OSError, ValueError) as e:
        c.check(False, what + ": output readable", str(e))
        return
    first_diff = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), None)
    c.check(linktype == pcapfile.LINKTYPE_ETHERNET and len(got) == len(want) and
            first_diff is None, what + ": output equals the input frame by frame",
            "linktype %d, %d frames of %d, first difference at %s"
            % (linktype, len(got), len(want), first_diff))


def main():
    vh.need_root()
    if not vh.need_tcpdump():
        return 1
    binary = sys.argv[1]
    c = vh.Checks()
    tmp = tempfile.mkdtemp(prefix="vdk-pcap-")
    topo = vh.Topology().make()
    try:
        # 1. A capture made here, replayed once to a file.
        want = frames_made(300)
        src, out = os.path.join(tmp, "made.pcap"), os.path.join(tmp, "made-out.pcap")
        pcapfile.write(src, want)
        r = testpmd(topo, binary, ["net_pcap0,rx_pcap=%s,tx_pcap=%s" % (src, out)])
        c.check(r.returncode == 0, "made capture: testpmd exits 0",
                "exit %d: %s" % (r.returncode, r.stderr[-500:]))
        c.check(vh.fwd_summary(r.stdout, 0) == (len(want), len(want)),
                "made capture: port 0 received and sent %d" % len(want),
                "rx, tx = %s" % (vh.fwd_summary(r.stdout, 0),))
        same_frames(c, "made capture", want, out)
        rc_in, text_in = tcpdump_text(src)
        rc_out, text_out = tcpdump_text(out)
        c.check(rc_in == 0 and rc_out == 0 and text_in == text_out and
                text_out.count("0x0000:") == len(want),
                "made capture: tcpdump -r decodes the output as the input",
                "exit %d/%d, %d/%d frames" % (rc_in, rc_out, text_in.count("0x0000:"),
                                               text_out.count("0x0000:")))

        # 2. A capture tcpdump wrote off a veth end, replayed from port 0 to port 1.
        n = 200
        cap = os.path.join(tmp, "tcpdump.pcap")
        dump = subprocess.Popen(topo.exec_args("r", ["tcpdump", "-i", "r0", "-w", cap, "-c",
                                                     str(n), "-U", "ether proto 0x88b5"]),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # tcpdump says "listening on" once its socket is bound.
        line = dump.stderr.readline()
        vh.sh("ip", "-n", topo.ns["f"], "link", "set", "r1", "up")
        sender = subprocess.Popen(topo.exec_args("f", [sys.executable, "-c", vh.SENDER, "r1",
                                                       str(n), "2000", "0", "1"]),
                                  stdout=subprocess.PIPE, text=True)
        sender.communicate(timeout=60)
        try:
            dump.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            dump.kill()
            dump.communicate()
        vh.sh("ip", "-n", topo.ns["f"], "link", "set", "r1", "down")
        _, recorded = pcapfile.read(cap)
        c.check("listening on" in line and len(recorded) == n,
                "tcpdump recorded the %d frames sent" % n,
                "%d recorded; tcpdump said %r" % (len(recorded), line))
        out = os.path.join(tmp, "tcpdump-out.pcap")
        r = testpmd(topo, binary, ["net_pcap0,rx_pcap=" + cap, "net_pcap1,tx_pcap=" + out])
        c.check(r.returncode == 0 and vh.fwd_summary(r.stdout, 0)[0] == n and
                vh.fwd_summary(r.stdout, 1)[1] == n,
                "tcpdump capture: port 0 received %d, port 1 sent them" % n,
                "exit %d: %s" % (r.returncode, (r.stdout + r.stderr)[-800:]))
        same_frames(c, "tcpdump capture", recorded, out)
        rc_in, text_in = tcpdump_text(cap)
        rc_out, text_out = tcpdump_text(out)
        c.check(rc_out == 0 and text_in == text_out, "tcpdump capture: tcpdump -r agrees")

        # 3. infinite_rx: the capture again and again, to a port that discards.
        r = testpmd(topo, binary, ["net_pcap0,rx_pcap=%s,infinite_rx=1" % src])
        rx, tx = vh.fwd_summary(r.stdout, 0)
        c.check(r.returncode == 0 and rx > 10 * len(want) and tx == rx,
                "infinite_rx replays the %d frames in a loop" % len(want),
                "rx %d tx %d exit %d" % (rx, tx, r.returncode))

        # 4. Live interfaces: sender -> s1 (port 0) -> r1 (port 1) -> counter.
        n = 1000
        for dev in ("s1", "r1"):
            vh.sh("ip", "-n", topo.ns["f"], "link", "set", dev, "up")
        argv = topo.exec_args("f", [binary, "-l", "0-1", "--no-huge", "--no-pci",
                                    "--vdev", "net_pcap0,iface=s1",
                                    "--vdev", "net_pcap1,iface=r1", "--", "--run-time=60"])
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = []
        for line in p.stdout:
            lines.append(line)
            if "nb forwarding cores=" in line:
                break
        counter = vh.start_counter(topo, idle=5.0)
        sender = vh.start_sender(topo, n, 1000, first=5000)
        sender.communicate(timeout=60)
        got, dups = vh.counter_result(counter)
        p.send_signal(2)
        rest, _ = p.communicate(timeout=30)
        text = "".join(lines) + rest
        # Every frame accounted for: forwarded, or reported dropped by libpcap
        # (the kernel ring or the interface, when a loaded host starves the
        # lcore); on an idle host all of them arrive.
        rx0 = tx1 = miss0 = -1
        if p.returncode == 0:
            rx0, miss0 = summary_missed(text, 0)
            tx1 = vh.fwd_summary(text, 1)[1]
        c.check(p.returncode == 0 and rx0 + miss0 == n and tx1 == rx0 and got == rx0 and
                dups == 0 and rx0 >= n * 9 // 10,
                "live interfaces: %d packets forwarded once or reported dropped" % n,
                "port 0 rx %d missed %d, port 1 tx %d, counter %d dups %d: %s"
                % (rx0, miss0, tx1, got, dups, text[-600:]))

        # 5. Refusals, each with its message.
        vh.sh("ip", "-n", topo.ns["f"], "link", "add", "down0", "type", "veth", "peer", "name",
              "down1")
        bad_link = os.path.join(tmp, "raw-ip.pcap")
        pcapfile.write(bad_link, [b"\x45" + bytes(39)], linktype=101)  # LINKTYPE_RAW
        empty = os.path.join(tmp, "empty.pcap")
        pcapfile.write(empty, [])
        for args, msg in (
                ("rx_pcap=" + os.path.join(tmp, "nosuch.pcap"), "cannot read capture file"),
                ("rx_pcap=" + bad_link, "the port replays Ethernet only"),
                ("rx_pcap=%s,infinite_rx=1" % empty, "nothing for infinite_rx to replay"),
                ("infinite_rx=1", "give rx_pcap=<file>"),
                ("rx_pcap=%s,rx_iface=s1" % src, "one receive source"),
                ("iface=nosuch0", "cannot open interface nosuch0"),
                ("iface=down0", "bring it up"),
                ("tx_pcap=/nonexistent/dir/out.pcap", "cannot write capture file"),
                ("rx_pcap=%s,bogus=1" % src, "unknown argument 'bogus=1'")):
            r = testpmd(topo, binary, ["net_pcap0," + args])
            c.check(r.returncode != 0 and msg in r.stdout + r.stderr,
                    "refused: %s" % args.replace(tmp + "/", ""),
                    "exit %d: %s" % (r.returncode, (r.stdout + r.stderr)[-600:]))
    finally:
        topo.remove()
        shutil.rmtree(tmp, ignore_errors=True)
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
