"""Soak: `moodd run` on an unpaced, looped file for hours of audio; RSS and descriptors over time.

    python3 scripts/soak.py --bin .build/release --hours 24

An unpaced file is analysed on the audio's own clock (a window every `hop` seconds of samples, none
skipped), so the daemon does an hour's analyses in about 13 s of release-build time. Meanwhile one
subscriber reads every event; every simulated hour the log is rotated (rename + SIGHUP) and 50
short-lived clients connect, read the greeting and hang up. Every --sample-minutes of audio the
daemon's VmRSS, open descriptors and threads are sampled.

Passes (exit 0) when, after the warm-up, RSS grows less than --max-growth MiB per simulated hour
(least-squares slope) and no descriptor or thread leaked; every log line is JSON and the log holds
every `mood` event the subscriber saw; SIGTERM stops the daemon with status 0. Standard library only.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return int(fields["VmRSS"][0]) / 1024, int(fields["Threads"][0])


def descriptors(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class Subscriber(threading.Thread):
    """Reads every line; counts `mood` events and remembers the last line."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.moods = 0
        self.lines = []  # the last few, for the goodbye check
        self.bad = []
        self.closed = threading.Event()

    def run(self):
        buffer = b""
        while True:
            data = self.sock.recv(1 << 16)
            if not data:
                break
            buffer += data
            *complete, buffer = buffer.split(b"\n")
            for line in complete:
                try:
                    event = json.loads(line)
                except ValueError:
                    self.bad.append(line[:200])
                    continue
                if event.get("event") == "mood":
                    self.moods += 1
                self.lines = (self.lines + [event])[-5:]
        self.closed.set()


def churn(path, count):
    for _ in range(count):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(path)
            client.recv(4096)  # the hello (and perhaps more); then hang up mid-stream


def slope(points):
    """Least-squares slope of (x, y) points."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, help="folder holding the moodd executable")
    ap.add_argument("--hours", type=float, default=24, help="hours of audio to analyse (default 24)")
    ap.add_argument("--audio", default="examples/demo.ogg")
    ap.add_argument("--hop", type=float, default=1.5, help="analysis.hop, seconds (default 1.5, the default config's)")
    ap.add_argument("--sample-minutes", type=float, default=15, help="minutes of audio between samples (default 15)")
    ap.add_argument("--warmup-hours", type=float, help="hours of audio before growth counts (default: a quarter of --hours, at most 1)")
    ap.add_argument("--max-growth", type=float, default=1.0, help="MiB of RSS per hour of audio allowed after warm-up (default 1)")
    ap.add_argument("--json", help="also write the samples and the verdict here")
    args = ap.parse_args()
    warmup = args.warmup_hours if args.warmup_hours is not None else min(1.0, args.hours / 4)

    tmp = tempfile.mkdtemp(prefix="moodd-soak-")
    sock_path, log_path = os.path.join(tmp, "moodd.sock"), os.path.join(tmp, "moodd.log")
    stderr = open(os.path.join(tmp, "stderr"), "w+")
    command = [os.path.join(args.bin, "moodd"), "run", "--config", "config/moodd.conf",
               "--source", "file+loop+unpaced:" + args.audio, "--hop", str(args.hop),
               "--socket", sock_path, "--log", log_path]
    daemon = subprocess.Popen(command, stdin=subprocess.DEVNULL, stderr=stderr)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(sock_path):
            if daemon.poll() is not None or time.monotonic() > deadline:
                stderr.seek(0)
                sys.exit(f"soak: the daemon did not start: {stderr.read().strip()}")
            time.sleep(0.02)
        subscriber = Subscriber(sock_path)
        subscriber.start()

        per_hour = 3600 / args.hop  # mood events per hour of audio
        per_sample = max(1, round(args.sample_minutes * 60 / args.hop))
        total = round(args.hours * per_hour)
        samples, rotations, next_sample, next_hour = [], 0, 0, per_hour
        start = time.monotonic()
        print(f"soak: {args.hours:g} h of {args.audio} (hop {args.hop:g} s: {total} windows), {command[0]}", file=sys.stderr)
        while True:
            moods = subscriber.moods
            if daemon.poll() is not None:
                sys.exit(f"soak: the daemon exited with status {daemon.returncode} after {moods * args.hop / 3600:.2f} h")
            if subscriber.closed.is_set():
                sys.exit("soak: the daemon closed the subscriber's connection")
            if moods >= next_sample:
                rss, threads = proc_status(daemon.pid)
                samples.append({"hours": moods * args.hop / 3600, "wall_s": time.monotonic() - start,
                                "rss_mib": rss, "fds": descriptors(daemon.pid), "threads": threads})
                next_sample += per_sample
            if moods >= next_hour:
                rotations += 1
                os.rename(log_path, f"{log_path}.{rotations}")
                daemon.send_signal(signal.SIGHUP)
                churn(sock_path, 50)
                next_hour += per_hour
            if moods >= total:
                break
            time.sleep(0.05)

        stopping = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        status = daemon.wait(timeout=10)
        stop_seconds = time.monotonic() - stopping
        subscriber.closed.wait(5)
    finally:
        if daemon.poll() is None:
            daemon.kill()

    problems = []
    logged, bad_lines = 0, 0
    for name in sorted(os.listdir(tmp)):
        if name.startswith("moodd.log"):
            with open(os.path.join(tmp, name), "rb") as f:
                for line in f:
                    try:
                        logged += json.loads(line).get("event") == "mood"
                    except ValueError:
                        bad_lines += 1
    if status != 0:
        problems.append(f"exit status {status} after SIGTERM")
    if stop_seconds > 2:
        problems.append(f"took {stop_seconds:.1f} s to stop")
    if bad_lines or subscriber.bad:
        problems.append(f"{bad_lines} log lines and {len(subscriber.bad)} socket lines are not JSON")
    if logged < subscriber.moods:
        problems.append(f"the log holds {logged} mood events, the subscriber saw {subscriber.moods}")
    stderr.seek(0)
    errors = [line for line in stderr if " error " in line or "lost_lines" in line]
    if errors:
        problems.append(f"the daemon reported: {errors[0].strip()}")

    print(f"| audio (h) | wall (s) | RSS (MiB) | descriptors | threads |\n|---:|---:|---:|---:|---:|")
    for s in samples:
        print(f"| {s['hours']:.2f} | {s['wall_s']:.0f} | {s['rss_mib']:.1f} | {s['fds']} | {s['threads']} |")
    after = [s for s in samples if s["hours"] >= warmup]
    growth = slope([(s["hours"], s["rss_mib"]) for s in after])
    if len(after) < 2:
        problems.append(f"fewer than 2 samples after the {warmup:g} h warm-up: use more --hours or fewer --sample-minutes")
    else:
        if growth > args.max_growth:
            problems.append(f"RSS grows {growth:.2f} MiB per hour of audio after warm-up (limit {args.max_growth:g})")
        # A leak keeps growing; a client being closed or a pool thread parking is a blip of one.
        for key, what in (("fds", "descriptors"), ("threads", "threads")):
            early, late = max(s[key] for s in after[:3]), min(s[key] for s in after[-3:])
            if late > early:
                problems.append(f"{what} went from {early} to {late}")
    wall = samples[-1]["wall_s"] if samples else 0
    print(f"\n{subscriber.moods} windows ({subscriber.moods * args.hop / 3600:.2f} h of audio) in {wall:.0f} s "
          f"({subscriber.moods * args.hop / max(wall, 1e-9):.0f}x real time); {rotations} log rotations, "
          f"{rotations * 50} client connect/close cycles; RSS growth after {warmup:g} h: {growth:+.3f} MiB/h "
          f"(limit {args.max_growth:g}); {logged} mood lines logged; stopped in {stop_seconds:.2f} s, status {status}.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"samples": samples, "growth_mib_per_hour": growth, "problems": problems}, f, indent=1)
    for problem in problems:
        print(f"soak: FAILED: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
