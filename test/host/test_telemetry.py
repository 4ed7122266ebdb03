#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The telemetry socket of a forwarding vdk-testpmd (net_null and net_ring
ports), from outside: every command a client can list answers while
packets flow; the counters it gives equal `show port stats`; 2,000
malformed, oversized and truncated requests and 64 clients at once leave
the forwarding rate within 5% of a run nobody queried, the process alive
and its file descriptors as they were; vdk-telemetry (one-shot, -l, the
prompt) works; and a real Prometheus (Debian's), started here on loopback
with a configuration of this test's own, scrapes vdk-telemetry
--exporter and its HTTP API shows the port counters rising. The socket
is 0600 in a 0700 folder and gone after quit.

usage: test_telemetry.py vdk-testpmd vdk-telemetry   (about 90 s; root)
"""
import json
import os
import random
import re
import shutil
import socket
import stat
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import vdk_host as vh

# Parameters for each command the test knows; a command it does not know
# fails the test, so that a new command gets a check here.
PORTS = 4
# Forwarding runs with and without clients, each.
ROUNDS = 5


def cmd_requests(cmds, pools):
    reqs = []
    for cmd in cmds:
        if cmd in ("/", "/info", "/eal/lcore/list", "/ethdev/list", "/mempool/list",
                   "/nvme/ctrlrs"):
            reqs.append(cmd)
        elif cmd in ("/ethdev/stats", "/ethdev/xstats", "/ethdev/link_status"):
            reqs += ["%s,%d" % (cmd, p) for p in range(PORTS)]
        elif cmd == "/mempool/info":
            reqs += ["/mempool/info," + p for p in pools]
        elif cmd == "/help":
            reqs += ["/help," + c for c in cmds]
        elif cmd == "/nvme/qpairs":
            continue  # no controller on the host: checked by its error below
        else:
            reqs.append(None)  # unknown to the test
    return reqs


class Client:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(path)  # blocking: waits for room in the listen backlog
        self.s.settimeout(10)
        self.hello = json.loads(self.s.recv(65536))

    def ask(self, req):
        self.s.send(req if isinstance(req, bytes) else req.encode())
        return json.loads(self.s.recv(1 << 17))

    def close(self):
        self.s.close()


def port_stats(t):
    """`show port stats all` as {port: {field: value}}."""
    o = t.cmd("show port stats all")
    stats = {}
    for port, block in re.findall(r"NIC statistics for port (\d+)\s+#+\n(.*?)Throughput", o,
                                  re.S):
        stats[int(port)] = {k: int(v) for k, v in re.findall(r"([A-Za-z-]+):\s+(\d+)", block)}
    return stats


def lcore_cpu_ns(pid, lcore=1):
    """Time the lcore's thread has spent on a CPU (schedstat), in ns."""
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            if f.read().strip() == "vdk-lcore-%d" % lcore:
                with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                    return int(f.read().split()[0])
    raise AssertionError("no thread vdk-lcore-%d in %d" % (lcore, pid))


def fwd_rate(t, seconds, load=None):
    """Packets forwarded (counted by testpmd) per second the forwarding lcore
    was on a CPU, and per wall-clock second. On this shared machine other
    tenants take the lcore's CPU away at random; the first figure does not
    count that, and on a dedicated core the two are the same."""
    t.cmd("start")
    t0, c0 = time.monotonic(), lcore_cpu_ns(t.pid)
    if load is not None:
        load()
    time.sleep(max(0.0, t0 + seconds - time.monotonic()))
    o = t.cmd("stop")
    dt, dc = time.monotonic() - t0, (lcore_cpu_ns(t.pid) - c0) / 1e9
    m = re.search(r"Accumulated forward statistics.*?RX-packets:\s+(\d+)", o, re.S)
    assert m, o[-800:]
    return int(m.group(1)) / dc, int(m.group(1)) / dt


def bad_requests(n):
    """@n requests a server must refuse: malformed, oversized, truncated."""
    reqs = []
    for i in range(n):
        k = i % 8
        if k == 0:
            reqs.append(os.urandom(random.randrange(1, 300)))
        elif k == 1:
            reqs.append(b"/" + b"a" * random.randrange(256, 60000))
        elif k == 2:
            reqs.append(b"/ethdev/stats,0"[:random.randrange(1, 14)] + b"\x00")
        elif k == 3:
            reqs.append(b"/ethdev/stats," + str(random.randrange(4, 100000)).encode())
        elif k == 4:
            reqs.append(b"/ethdev/stats,-1")
        elif k == 5:
            reqs.append(b"ethdev/stats")
        elif k == 6:
            reqs.append(b"/mempool/info," + b"\xff" * random.randrange(1, 40))
        else:
            reqs.append(b"/nope/" + b"x" * random.randrange(0, 200))
    return reqs


def hammer(path, counts):
    """2,000 bad requests, 200 connections cut short and 64 clients at once,
    side by side; returns the threads and a list that collects failures."""
    errors = []

    def bad():
        cl = Client(path)
        for r in bad_requests(2000):
            rep = cl.ask(r)
            if "error" not in rep:
                errors.append((r[:40], rep))
            counts["bad"] += 1
            if counts["bad"] % 400 == 0:  # a fresh connection now and then
                cl.close()
                cl = Client(path)
        cl.close()

    def truncated():
        # Connections that end mid-conversation: nothing sent, or a request
        # sent and the reply never read. Past the client limit the server
        # may have closed first: that is fine too.
        for i in range(200):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            try:
                s.connect(path)
                if i % 2:
                    s.send(b"/ethdev/xstats,0")
            except OSError:
                pass
            s.close()
            counts["truncated"] += 1

    def many():
        socks, barrier = [], threading.Barrier(64)

        def one():
            try:
                barrier.wait()
                s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                socks.append(s)
                s.connect(path)
                s.settimeout(10)
                hello = json.loads(s.recv(65536))
                if "error" in hello:
                    counts["busy"] += 1
                    return
                for _ in range(5):
                    s.send(b"/ethdev/stats,0")
                    rep = json.loads(s.recv(65536))
                    if "ipackets" not in rep.get("/ethdev/stats", {}):
                        errors.append(("stats", rep))
                counts["served"] += 1
            except Exception as e:  # noqa: BLE001 - reported as a failure
                errors.append(("client", repr(e)))

        ths = [threading.Thread(target=one) for _ in range(64)]
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        for s in socks:
            s.close()

    ths = [threading.Thread(target=f) for f in (bad, truncated, many)]
    for th in ths:
        th.start()
    return ths, errors


def fds_of(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def prom_query(port, q):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": q}))
    with urllib.request.urlopen(url, timeout=5) as r:
        d = json.load(r)
    return {tuple(sorted(x["metric"].items())): float(x["value"][1]) for x in d["data"]["result"]}


def prometheus_scrapes(t, teltool, prefix, tmp, c):
    exp_port, prom_port = free_port(), free_port()
    exporter = subprocess.Popen([teltool, "-f", prefix, "--exporter",
                                 "127.0.0.1:%d" % exp_port], stdout=subprocess.PIPE, text=True)
    prom = None
    try:
        c.check("serving the metrics" in exporter.stdout.readline(), "the exporter starts")
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % exp_port, timeout=10) as r:
            text = r.read().decode()
        chk = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                             capture_output=True)
        c.check(chk.returncode == 0, "promtool check metrics accepts the text format",
                chk.stdout + chk.stderr)
        c.check('vdk_port_rx_packets_total{prefix="%s"' % prefix in text and
                'vdk_queue_tx_packets_total{' in text and 'vdk_mempool_avail{' in text,
                "port, queue and pool metrics with labels", text[:600])
        cfg = os.path.join(tmp, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 2s\n  scrape_timeout: 2s\n"
                    "scrape_configs:\n  - job_name: vdk\n    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n" % exp_port)
        prom = subprocess.Popen(["prometheus", "--config.file=" + cfg,
                                 "--storage.tsdb.path=" + os.path.join(tmp, "tsdb"),
                                 "--web.listen-address=127.0.0.1:%d" % prom_port],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        t.cmd("start")
        q = 'vdk_port_rx_packets_total{prefix="%s",port="0"}' % prefix
        first = None
        end = time.monotonic() + 60
        while time.monotonic() < end:
            time.sleep(1)
            try:
                r = prom_query(prom_port, q)
            except OSError:
                continue  # not up yet
            if r and first is None:
                first = (time.monotonic(), list(r.values())[0])
            elif r and first is not None and time.monotonic() - first[0] > 5:
                second = list(r.values())[0]
                break
        else:
            second = None
        t.cmd("stop")
        c.check(first is not None and second is not None and second > first[1] > 0,
                "Prometheus's API shows port 0's rx counter rising",
                "first %r second %r" % (first, second))
        # Over the last minute: on a loaded machine the latest scrape may
        # have timed out while earlier ones (those above) did not.
        up = prom_query(prom_port, 'max_over_time(up{job="vdk"}[1m])')
        c.check(list(up.values()) == [1.0], "Prometheus scrapes the exporter (up == 1)",
                repr(up))
        ok = prom_query(prom_port, 'max_over_time(vdk_up{prefix="%s"}[1m])' % prefix)
        c.check(list(ok.values()) == [1.0], "the exporter reached vdk-testpmd (vdk_up 1)",
                repr(ok))
    finally:
        if prom is not None:
            prom.terminate()
            prom.wait(timeout=30)
        exporter.terminate()
        exporter.wait(timeout=10)


def main():
    vh.need_root()
    testpmd, teltool = sys.argv[1], sys.argv[2]
    if shutil.which("prometheus") is None or shutil.which("promtool") is None:
        print("FAIL: no prometheus: apt-get install prometheus (devtools/common.sh lists it)")
        return 1
    c = vh.Checks()
    tmp = tempfile.mkdtemp(prefix="vdk-telemetry-test-")
    os.environ["VDK_RUNTIME_DIR"] = os.path.join(tmp, "run")
    prefix = "tel%d" % os.getpid()
    t = vh.Pty([testpmd, "-l", "0-1", "--no-huge", "--no-pci", "--file-prefix", prefix,
                "--vdev", "net_null0", "--vdev", "net_null1", "--vdev", "net_ring0",
                "--vdev", "net_ring1", "--", "-i"])
    # The clients run on CPU 0 beside the main lcore, at low priority; lcore 1
    # forwards on CPU 1. What is measured is the server's cost, not theirs.
    os.sched_setaffinity(0, {0})
    os.nice(19)
    try:
        folder = os.path.join(tmp, "run", prefix)
        path = os.path.join(folder, "telemetry.%d" % t.pid)
        st = os.lstat(path)
        c.check(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600 and
                stat.S_IMODE(os.lstat(folder).st_mode) == 0o700,
                "socket telemetry.PID 0600 in a 0700 folder named by --file-prefix")
        cpus = [open("/proc/%d/task/%s/status" % (t.pid, tid)).read()
                for tid in os.listdir("/proc/%d/task" % t.pid)
                if open("/proc/%d/task/%s/comm" % (t.pid, tid)).read().strip() ==
                "vdk-telemetry"]
        cpus = [re.search(r"Cpus_allowed_list:\s*(\S+)", x).group(1) for x in cpus]
        c.check(cpus == ["0"], "the server thread runs on the main lcore's CPU, never on "
                "the forwarding lcore's", repr(cpus))
        o = vh.sh(teltool, "-f", prefix, "-l").stdout
        c.check(o.split()[:2] == [str(t.pid), "vdk-testpmd"], "vdk-telemetry -l finds it", o)

        # Every command while forwarding. txonly fills the ring ports first,
        # then io forwarding keeps those packets going round between them.
        t.cmd("set fwd txonly")
        t.cmd("start")
        time.sleep(0.2)
        t.cmd("stop")
        t.cmd("set fwd io")
        t.cmd("start")
        cl = Client(path)
        c.check(cl.hello.get("pid") == t.pid, "greeting names the pid", repr(cl.hello))
        cmds = cl.ask("/")["/"]
        pools = cl.ask("/mempool/list")["/mempool/list"]
        reqs = cmd_requests(cmds, pools)
        c.check(None not in reqs, "the test knows every command", repr(cmds))
        bad = [(r, rep) for r in reqs if r for rep in [cl.ask(r)]
               if "error" in rep or r.split(",")[0] not in rep]
        c.check(len(reqs) > 20 and not bad, "%d requests over all %d commands answered while "
                "forwarding" % (len(reqs), len(cmds)), repr(bad[:3]))
        rep = cl.ask("/nvme/qpairs,0000:00:04.0")
        c.check("no NVMe controller" in rep.get("error", ""), "/nvme/qpairs of no controller",
                repr(rep))
        ports = cl.ask("/ethdev/list")["/ethdev/list"]
        c.check([p["name"] for p in ports] == ["net_null0", "net_null1", "net_ring0",
                                                "net_ring1"], "/ethdev/list", repr(ports))
        st1 = cl.ask("/ethdev/stats,2")["/ethdev/stats"]
        time.sleep(0.2)
        st2 = cl.ask("/ethdev/stats,2")["/ethdev/stats"]
        c.check(st2["opackets"] > st1["opackets"] > 0 and st2["ipackets"] > 0,
                "a ring port's counters rise while forwarding", "%r %r" % (st1, st2))
        t.cmd("stop")
        shown = port_stats(t)
        same = True
        for p in range(PORTS):
            o = vh.sh(teltool, "-f", prefix, "-c", "/ethdev/stats,%d" % p).stdout
            tel = json.loads(o)["/ethdev/stats"]
            s = shown[p]
            want = {"ipackets": s["RX-packets"], "opackets": s["TX-packets"],
                    "ibytes": s["RX-bytes"], "obytes": s["TX-bytes"],
                    "imissed": s["RX-missed"], "ierrors": s["RX-errors"],
                    "oerrors": s["TX-errors"], "rx_nombuf": s["RX-nombuf"]}
            got = {k: tel[k] for k in want}
            if got != want or want["opackets"] == 0:
                same = False
                print("port %d: telemetry %r, show port stats %r" % (p, got, want))
            x = cl.ask("/ethdev/xstats,%d" % p)["/ethdev/xstats"]
            if x["tx_good_packets"] != s["TX-packets"]:
                same = False
        c.check(same, "vdk-telemetry -c /ethdev/stats,N and /ethdev/xstats equal "
                "`show port stats` on all 4 ports")
        cl.close()
        r = subprocess.run([teltool, "-f", prefix], input="/ethdev/stats,1\n/info\nquit\n",
                           capture_output=True, text=True, timeout=20)
        c.check(r.returncode == 0 and '"ipackets"' in r.stdout and '"vdk-testpmd"' in r.stdout,
                "the prompt answers lines read from a pipe", r.stdout[-300:] + r.stderr)

        # The prompt on a terminal: Tab completes from the process's commands.
        class TelPty(vh.Pty):
            PROMPT = "vdk-telemetry> "

        tp = TelPty([teltool, "-f", prefix])
        try:
            # libedit redraws with escapes: the reply, not the echo, tells
            # that "/ethdev/st,1" (unknown) became "/ethdev/stats,1".
            tp.send("/ethdev/st\t")
            time.sleep(0.5)
            tp.send(",1\r")
            o = tp.read_until(TelPty.PROMPT)
            c.check('"ipackets"' in o and '"q_opackets"' in o,
                    "at the prompt, Tab completes /ethdev/st to /ethdev/stats", o[-300:])
            tp.send("quit\r")
            c.check(tp.wait_exit() == 0, "quit leaves the prompt")
        finally:
            tp.kill()

        # The forwarding rate with and without a storm of clients. The
        # server closes a client's descriptor when it next polls: let the
        # clients above be closed before counting.
        time.sleep(0.5)
        fds_before = fds_of(t.pid)
        counts = {"bad": 0, "truncated": 0, "served": 0, "busy": 0}
        all_errors = []

        def load():
            ths, errs = hammer(path, counts)
            all_errors.append(errs)
            for th in ths:
                th.join(timeout=120)

        # Interleaved, five of each, medians compared: the machine's other
        # load comes and goes, and one lucky or unlucky run must not decide.
        base, loaded = [], []
        for _ in range(ROUNDS):
            base.append(fwd_rate(t, 3.0))
            loaded.append(fwd_rate(t, 3.0, load))
        errs = [e for es in all_errors for e in es]
        c.check(not errs, "every bad request got an error reply, every client its stats",
                repr(errs[:3]))
        c.check(counts["bad"] == ROUNDS * 2000 and counts["truncated"] == ROUNDS * 200 and
                counts["served"] + counts["busy"] == ROUNDS * 64 and counts["served"] > 0 and
                counts["busy"] > 0,
                "2,000 bad requests, 200 cut short and 64 clients at once, five times "
                "(the server serves 32 at once and turns the others away)", repr(counts))
        ratio = statistics.median(x[0] for x in loaded) / statistics.median(x[0] for x in base)
        print("forwarding (Mpps per lcore CPU-second / per wall second): unqueried %s, "
              "queried %s, median queried/unqueried %.3f"
              % (["%.1f/%.1f" % (a / 1e6, b / 1e6) for a, b in base],
                 ["%.1f/%.1f" % (a / 1e6, b / 1e6) for a, b in loaded], ratio))
        c.check(ratio >= 0.95, "forwarding rate with clients within 5% of without",
                "%.3f" % ratio)
        time.sleep(0.5)
        c.check(fds_of(t.pid) == fds_before, "no file descriptor leaked",
                "%d before, %d after" % (fds_before, fds_of(t.pid)))
        cl = Client(path)
        c.check("/info" in cl.ask("/info"), "the server still answers after the storm")
        cl.close()

        prometheus_scrapes(t, teltool, prefix, tmp, c)

        t.send("quit\r")
        rc = t.wait_exit()
        c.check(rc == 0, "quit exits 0", "exit %d" % rc)
        c.check(not os.path.exists(path) and not os.path.exists(folder),
                "the socket and its folder are gone after quit", repr(os.listdir(tmp)))
        t = None
    finally:
        if t is not None:
            t.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
