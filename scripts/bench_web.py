"""The daemon's CPU, RSS and cadence with 20 live pages open, side by side with none (issue 14).

    python3 scripts/bench_web.py --bin .build/release [--rounds 3] [--seconds 20] [--pages 20]

`moodd run` at default settings on the demo, paced in real time, with one healthy subscriber that
times the `mood` events. Each round is --seconds with no page (baseline), then --seconds with
moodd-web running and --pages clients reading /api/events (what an open page reads; each also
fetched /api/history once, as the page does on load). Rounds alternate so both phases see the same
machine. Reported per phase: the daemon's CPU (% of one core), its RSS, the interval between
consecutive `mood` events at the healthy client (median, max), ticks missed (an interval over 1.5
hops), the daemon's client count, and moodd-web's own CPU and RSS. Standard library only.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request

from bench_hostile import Healthy  # the subscriber that times the mood events


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Page(threading.Thread):
    """What an open page reads: history once, then the event stream."""

    def __init__(self, url, stop):
        super().__init__(daemon=True)
        self.url, self.stop, self.frames = url, stop, 0

    def run(self):
        urllib.request.urlopen(self.url + "api/history?seconds=3600", timeout=10).read()
        with urllib.request.urlopen(self.url + "api/events", timeout=30) as stream:
            while not self.stop.is_set():
                line = stream.readline()
                if not line:
                    break
                if line.startswith(b"event: mood"):
                    self.frames += 1


def status_clients(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b'{"cmd":"status"}\n')
    buffer = b""
    while True:
        buffer += s.recv(65536)
        for line in buffer.split(b"\n")[:-1]:
            event = json.loads(line)
            if event["event"] == "status":
                s.close()
                return event["counters"]["clients"] - 1


def phase(args, daemon, healthy, socket_path, folder, pages):
    web, stop, readers = None, threading.Event(), []
    if pages:
        out = open(os.path.join(folder, "web.out"), "w+")
        web = subprocess.Popen([os.path.join(args.bin, "moodd-web"), "--config", "/dev/null", "--set", "socket.path=" + socket_path,
                                "--set", "http.listen=127.0.0.1:0"], stdout=out, stderr=subprocess.DEVNULL)
        while "serving" not in open(out.name).read():
            time.sleep(0.05)
        url = open(out.name).read().split("serving ")[1].split()[0]
        readers = [Page(url, stop) for _ in range(pages)]
        for r in readers:
            r.start()
        time.sleep(2)
    start_cpu, start = proc_cpu(daemon.pid), time.monotonic()
    web_cpu = proc_cpu(web.pid) if web else 0
    first = len(healthy.moods)
    time.sleep(args.seconds)
    elapsed = time.monotonic() - start
    row = {
        "cpu": 100 * (proc_cpu(daemon.pid) - start_cpu) / elapsed,
        "rss": proc_rss_mib(daemon.pid),
        "intervals": [b[0] - a[0] for a, b in zip(healthy.moods[first:], healthy.moods[first + 1:])],
        "clients": status_clients(socket_path),
        "web_cpu": 100 * (proc_cpu(web.pid) - web_cpu) / elapsed if web else None,
        "web_rss": proc_rss_mib(web.pid) if web else None,
        "frames": min((r.frames for r in readers), default=None),
    }
    if web:
        stop.set()
        web.terminate()
        web.wait(timeout=10)
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--pages", type=int, default=20)
    args = ap.parse_args()
    folder = tempfile.mkdtemp(prefix="moodd-bench-web.")
    socket_path = os.path.join(folder, "moodd.sock")
    daemon = subprocess.Popen([os.path.join(args.bin, "moodd"), "run", "--config", "config/moodd.conf", "--source", "file+loop:examples/demo.ogg",
                               "--socket", socket_path, "--log", ""], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not os.path.exists(socket_path):
        time.sleep(0.05)
    healthy = Healthy(socket_path)
    healthy.start()
    time.sleep(5)
    rows = {0: [], args.pages: []}
    try:
        for _ in range(args.rounds):
            for pages in (0, args.pages):
                rows[pages].append(phase(args, daemon, healthy, socket_path, folder, pages))
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
    hop = 1.5
    print("| pages | daemon CPU % (median of rounds) | daemon RSS MiB | mood interval median / max s | ticks missed | daemon clients | moodd-web CPU % | moodd-web RSS MiB | events per page |")
    print("|---|---|---|---|---|---|---|---|---|")
    for pages, phase_rows in rows.items():
        intervals = [i for r in phase_rows for i in r["intervals"]]
        missed = sum(1 for i in intervals if i > 1.5 * hop)
        web_cpu = statistics.median(r["web_cpu"] for r in phase_rows) if pages else None
        print("| %d | %.1f | %.1f | %.3f / %.3f | %d of %d | %d | %s | %s | %s |" % (
            pages, statistics.median(r["cpu"] for r in phase_rows), max(r["rss"] for r in phase_rows),
            statistics.median(intervals), max(intervals), missed, len(intervals), max(r["clients"] for r in phase_rows),
            "%.1f" % web_cpu if pages else "-", "%.1f" % max(r["web_rss"] for r in phase_rows) if pages else "-",
            min(r["frames"] for r in phase_rows) if pages else "-"))


if __name__ == "__main__":
    main()
