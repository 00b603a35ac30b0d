"""The daemon's analysis cadence and a healthy client's latency, alone and under hostile clients.

    python3 scripts/bench_hostile.py --bin .build/release [--rounds 3] [--seconds 15]

`moodd run` at default settings on the demo, paced in real time, with one healthy subscriber. Each
round is --seconds alone (baseline) then --seconds under attack: 200 more subscribers (drained every
10 ms), one that never reads, one sending 10 MB without a newline, 200 leaving mid-event, and
connect/close cycles as fast as this process makes them (10,000 per round at most). Rounds alternate
so both phases see the same machine. Cadence: the interval between consecutive `mood` events at the
healthy client. Latency: its arrival time minus the event's `time` (stamped when the analysis starts,
so the inference is included; whole milliseconds), and, to the microsecond, how late each arrival
is against the analysis grid (ticks are `hop` apart on the monotonic clock) compared with the
earliest arrival of the run. Standard library only.
"""
import argparse
import json
import os
import selectors
import socket
import statistics
import subprocess
import tempfile
import threading
import time


def connect(path, rcvbuf=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(path)
    return s


class Healthy(threading.Thread):
    def __init__(self, path):
        super().__init__(daemon=True)
        self.sock = connect(path)
        self.moods = []  # (monotonic arrival, latency s)

    def run(self):
        buffer = b""
        while data := self.sock.recv(65536):
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                event = json.loads(line)
                if event["event"] == "mood":
                    now, wall = time.monotonic(), time.time()
                    stamp = time.mktime(time.strptime(event["time"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
                    stamp += int(event["time"][20:23]) / 1000
                    self.moods.append((now, wall - stamp))


def attack(path, seconds, subscriber_count=200):
    """Every hostile client at once for `seconds`; returns the connect/close cycles made."""
    stop = threading.Event()
    subscribers = [connect(path) for _ in range(subscriber_count)]
    non_reader = connect(path, rcvbuf=4096)
    cycles = [0]

    def drain():
        selector = selectors.DefaultSelector()
        for s in subscribers:
            s.setblocking(False)
            selector.register(s, selectors.EVENT_READ)
        while not stop.is_set():
            for key, _ in selector.select(timeout=0.01):
                try:
                    key.fileobj.recv(65536)
                except OSError:
                    pass
            time.sleep(0.01)

    def garbage():
        with connect(path) as s:
            block = b"x" * 65536
            try:
                for _ in range(160):
                    s.sendall(block)
            except OSError:
                pass

    def churn():
        for _ in range(200):
            with connect(path) as s:
                s.recv(37)
        while not stop.is_set() and cycles[0] < 10_000:
            try:
                connect(path).close()
                cycles[0] += 1
            except OSError:
                time.sleep(0.001)

    threads = [threading.Thread(target=f, daemon=True) for f in (drain, garbage, churn)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    for s in subscribers + [non_reader]:
        s.close()
    return cycles[0]


def summary(moods, spans, hop, origin):
    """Intervals within each span (never across the other phase's gap); latencies of all; and each
    arrival's lateness against the analysis grid (`origin` + k hop, monotonic): the ticks are on a
    fixed grid of the same clock, so this is latency to the microsecond, up to a constant."""
    intervals, latencies, late = [], [], []
    for a, b in spans:
        inside = [m for m in moods if a <= m[0] < b]
        intervals += [y[0] - x[0] for x, y in zip(inside, inside[1:])]
        latencies += [m[1] for m in inside]
        late += [m[0] - origin - round((m[0] - origin) / hop) * hop for m in inside]

    def p99(values):
        values = sorted(values)
        return values[min(len(values) - 1, len(values) * 99 // 100)]

    return {"moods": len(latencies), "interval_median": statistics.median(intervals), "interval_max": max(intervals),
            "latency_median": statistics.median(latencies), "latency_p99": p99(latencies),
            "late_median": statistics.median(late), "late_p99": p99(late)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--subscribers", type=int, default=200, help="well-behaved subscribers added by the attack (default 200)")
    ap.add_argument("--nice", type=int, help="run the daemon at this niceness (negative needs root), as the unit's Nice= would")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="moodd-hostile-")
    path = os.path.join(tmp, "moodd.sock")
    prefix = ["nice", "-n", str(args.nice)] if args.nice is not None else []
    daemon = subprocess.Popen(prefix + [os.path.join(args.bin, "moodd"), "run", "--config", "config/moodd.conf",
                               "--source", "file+loop:examples/demo.ogg", "--socket", path,
                               "--log", os.path.join(tmp, "moodd.log"), "--set", "socket.max_clients=1024"],
                              stderr=subprocess.DEVNULL)
    try:
        while not os.path.exists(path):
            time.sleep(0.02)
        healthy = Healthy(path)
        healthy.start()
        while not healthy.moods:
            time.sleep(0.05)
        phases = {"baseline": [], "attack": []}
        cycles = []
        for _ in range(args.rounds):
            start = time.monotonic()
            time.sleep(args.seconds)
            phases["baseline"].append((start, time.monotonic()))
            start = time.monotonic()
            cycles.append(attack(path, args.seconds, args.subscribers))
            phases["attack"].append((start, time.monotonic()))
        alive = daemon.poll() is None
    finally:
        daemon.terminate()
        status = daemon.wait(timeout=5)

    # The grid's origin: the earliest arrival's phase (lateness is then >= 0 up to jitter).
    first = healthy.moods[0][0]
    offsets = [m[0] - first - round((m[0] - first) / 1.5) * 1.5 for m in healthy.moods]
    origin = first + min(offsets)
    rows = {name: summary(healthy.moods, spans, 1.5, origin) for name, spans in phases.items()}
    base, hostile = rows["baseline"], rows["attack"]
    print(f"{args.rounds} rounds of {args.seconds:g} s alone then {args.seconds:g} s under attack "
          f"({statistics.median(cycles):.0f} connect/close cycles per attack, median); daemon alive: {alive}, exit {status}"
          + (f", daemon at nice {args.nice}" if args.nice is not None else "") + "\n")
    print("| measure | baseline | under attack | ratio |\n|---|---:|---:|---:|")
    for key, label, scale, unit in [("interval_median", "analysis interval, median", 1, "s"),
                                    ("interval_max", "analysis interval, max", 1, "s"),
                                    ("latency_median", "healthy client latency, median", 1000, "ms"),
                                    ("latency_p99", "healthy client latency, p99", 1000, "ms"),
                                    ("late_median", "arrival after the fastest one's tick phase, median", 1000, "ms"),
                                    ("late_p99", "arrival after the fastest one's tick phase, p99", 1000, "ms")]:
        ratio = f"{hostile[key] / base[key]:.2f}" if base[key] > 0 else "-"
        print(f"| {label} | {base[key] * scale:.3f} {unit} | {hostile[key] * scale:.3f} {unit} | {ratio} |")
    print(f"| mood events | {base['moods']} | {hostile['moods']} | |")


if __name__ == "__main__":
    main()
