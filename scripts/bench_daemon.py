"""The daemon's cost and latency under live input: `moodd run` at default settings for --seconds of audio.

    python scripts/bench_daemon.py --bin .build/release --seconds 600

Feeds examples/demo.ogg (looped) to `moodd run --source stdin:48000:2` as raw s16le, paced in real time
in 20 ms chunks like a sound card, with a subscriber on the socket. Reports:
- CPU: the daemon's user+system time (/proc/PID/stat) over the run, as percent of one core;
- RSS: sampled every second (/proc/PID/status VmRSS), median and max after the first 10 s;
- latency: for each `mood` event, its arrival time at the subscriber minus the write time of the last
  chunk written before it arrived: an upper bound on "last sample of the window -> event on the socket"
  (the window ends at or before that chunk), median and p99.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import soundfile as sf
import soxr


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--audio", default="examples/demo.ogg")
    ap.add_argument("--model", help="model file (default: the shipped one)")
    args = ap.parse_args()

    y, sr = sf.read(args.audio, dtype="float32", always_2d=True)
    y = soxr.resample(y, sr, 48000)
    pcm = (np.clip(y, -1, 1) * 32767).astype("<i2")  # [n, 2]
    if pcm.shape[1] == 1:
        pcm = np.repeat(pcm, 2, axis=1)
    chunk = 960  # 20 ms at 48 kHz

    tmp = tempfile.mkdtemp(prefix="moodd-bench-")
    sock_path = os.path.join(tmp, "moodd.sock")
    command = [os.path.join(args.bin, "moodd"), "run", "--config", "config/moodd.conf", "--source", "stdin:48000:2",
               "--socket", sock_path, "--log", os.path.join(tmp, "moodd.log")]
    if args.model:
        command += ["--model", args.model]
    daemon = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(200):
        if os.path.exists(sock_path):
            break
        time.sleep(0.05)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(sock_path)

    writes = []  # monotonic time of each chunk write
    arrivals = []  # monotonic time of each mood event
    stop = threading.Event()

    def read_events():
        buf = b""
        client.settimeout(0.5)
        while not stop.is_set():
            try:
                data = client.recv(65536)
            except socket.timeout:
                continue
            if not data:
                break
            now = time.monotonic()
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if json.loads(line).get("event") == "mood":
                    arrivals.append(now)

    reader = threading.Thread(target=read_events, daemon=True)
    reader.start()

    samples = []
    start = time.monotonic()
    cpu0 = cpu_seconds(daemon.pid)
    position, next_sample = 0, start + 1
    total_chunks = int(args.seconds * 48000 / chunk)
    for i in range(total_chunks):
        due = start + i * chunk / 48000
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        block = pcm[position:position + chunk]
        if len(block) < chunk:
            position = 0
            block = pcm[:chunk]
        position += chunk
        daemon.stdin.write(block.tobytes())
        daemon.stdin.flush()
        writes.append(time.monotonic())
        if time.monotonic() >= next_sample:
            samples.append((time.monotonic() - start, rss_kib(daemon.pid)))
            next_sample += 1
    elapsed = time.monotonic() - start
    cpu = cpu_seconds(daemon.pid) - cpu0
    stop.set()
    daemon.stdin.close()
    daemon.terminate()
    daemon.wait(timeout=5)

    writes_arr = np.array(writes)
    latencies = []
    for t in arrivals:
        k = np.searchsorted(writes_arr, t) - 1
        if k >= 0:
            latencies.append((t - writes_arr[k]) * 1e3)
    steady = [kib for (t, kib) in samples if t >= 10] or [kib for _, kib in samples]
    print(f"moodd run, stdin:48000:2 paced in real time, {elapsed:.0f} s of audio, {len(arrivals)} mood events\n")
    print("| measure | value |")
    print("|---|---:|")
    print(f"| CPU, percent of one core (mean over the run) | {100 * cpu / elapsed:.2f} % |")
    print(f"| RSS after 10 s, median / max | {np.median(steady) / 1024:.1f} / {max(steady) / 1024:.1f} MiB |")
    if latencies:
        print(f"| event latency after the window's last chunk, median / p99 | "
              f"{np.median(latencies):.1f} / {np.percentile(latencies, 99):.1f} ms |")
    growth = (samples[-1][1] - steady[0]) / 1024 if samples else 0
    print(f"| RSS growth from 10 s to the end | {growth:+.2f} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
