"""The daemon with MQTT while its broker is up, down, flapping or stuck; and what MQTT costs in memory.

    python3 scripts/bench_mqtt.py --bin .build/release [--rounds 2] [--seconds 15] [--publish 60]

Two `moodd run` daemons at default settings on the demo (`file+loop:`, paced in real time, hop 1.5 s),
side by side: one with MQTT to a private mosquitto on a free loopback port (discovery on, every other
key at its default), one without. One healthy subscriber on each socket (bench_hostile.py's `Healthy`).

After a warm-up and --publish seconds of publishing, rounds alternate --seconds in each phase, so every
phase sees the same machine:
- baseline: the broker up and reading;
- down: the broker killed (SIGKILL; started again at the phase's end);
- flapping: the broker killed and started again every --flap seconds;
- stuck: the broker stopped (SIGSTOP; SIGCONT at the phase's end): connected, never reading.
Per phase, for the MQTT daemon: analysis ticks missed (an interval between `mood` events over 1.5 hops),
its subscriber's latency (arrival minus the event's `time`, whole ms; median, p95, ratio to baseline),
and the daemon's CPU. The MQTT-less daemon's subscriber is measured over the same spans, as a control.

Memory: VmRSS (and its anonymous part) of both daemons after the warm-up, after --publish seconds of
publishing, and after the rounds (every outage). Then a third daemon is started with MQTT at its
worst: 1 KB topics and publish_interval 0.001 (a state message every millisecond), and the broker is
stopped until its `status` shows messages dropped, i.e. every queue full (64 messages in libmosquitto,
the kernel's socket buffers full); its RSS is compared with the MQTT-less daemon's.
Standard library only; needs mosquitto (`scripts/bootstrap --test`).
"""
import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from bench_fleet import Broker, cpu_seconds, free_port
from bench_hostile import Healthy

HOP = 1.5
PHASES = ["baseline", "down", "flapping", "stuck"]


def memory(pid):
    """(VmRSS, RssAnon) in MiB."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon"):
                values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("RssAnon", 0.0)


def mappings(pid):
    """{what: (Rss, Pss) in KiB}: /proc/PID/smaps summed per library (its file's name up to ".so"), the
    daemon's own binary, and "anonymous" (heap, stacks, anonymous mappings)"""
    out, what = {}, None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split()
            if not head[0].endswith(":"):              # a mapping's first line: address perms offset dev inode [path]
                path = head[5] if len(head) > 5 else ""
                name = os.path.basename(path)
                what = ("anonymous" if not path or path.startswith("[") else
                        "moodd (its binary)" if name == "moodd" else name.split(".so")[0])
            elif head[0] in ("Rss:", "Pss:"):
                rss, pss = out.get(what, (0, 0))
                out[what] = (rss + int(head[1]), pss) if head[0] == "Rss:" else (rss, pss + int(head[1]))
    return out


LOAD_PROBE = """
import ctypes, os, sys
def rss():
    out, what = {}, None
    for line in open("/proc/self/smaps"):
        head = line.split()
        if not head[0].endswith(":"):
            path = head[5] if len(head) > 5 else ""
            what = os.path.basename(path).split(".so")[0] if path.startswith("/") else "anonymous"
        elif head[0] == "Rss:":
            out[what] = out.get(what, 0) + int(head[1])
    return out
before = rss()
ctypes.CDLL("libmosquitto.so.1")
after = rss()
print(" ".join(f"{k}={after.get(k, 0) - before.get(k, 0)}" for k in sorted(set(before) | set(after))
               if abs(after.get(k, 0) - before.get(k, 0)) >= 16))
"""


def library_load_cost():
    """{mapping: KiB} that loading libmosquitto.so.1 alone adds to a bare Python (no site, no ssl), before any call"""
    out = subprocess.run([sys.executable, "-I", "-S", "-c", LOAD_PROBE], capture_output=True, text=True, check=True)
    return {k: int(v) for k, v in (item.split("=") for item in out.stdout.split())}


def start_daemon(bin_dir, tmp, name, extra):
    path = os.path.join(tmp, name + ".sock")
    process = subprocess.Popen([os.path.join(bin_dir, "moodd"), "run", "--config", "config/moodd.conf",
                                "--source", "file+loop:examples/demo.ogg", "--socket", path,
                                "--log", os.path.join(tmp, name + ".log")] + extra,
                               stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, name + ".stderr"), "w"))
    deadline = time.monotonic() + 60
    while not os.path.exists(path):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{name} did not start: {open(os.path.join(tmp, name + '.stderr')).read()[-2000:]}")
        time.sleep(0.02)
    return process, path


def mqtt_status(path):
    """The `mqtt` object of the daemon's `status` (a connection of its own)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        s.settimeout(5)
        s.sendall(b'{"cmd":"status"}\n')
        buffer = b""
        while True:
            data = s.recv(65536)
            if not data:
                return None
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                event = json.loads(line)
                if event["event"] == "status":
                    return event.get("mqtt")


def wait_moods(healthy, count):
    while len(healthy.moods) < count:
        time.sleep(0.05)


def phase_stats(moods, spans):
    intervals, latencies, expected = [], [], 0
    for a, b in spans:
        inside = [m for m in moods if a <= m[0] < b]
        intervals += [y[0] - x[0] for x, y in zip(inside, inside[1:])]
        latencies += [m[1] for m in inside]
        expected += (b - a) / HOP
    latencies.sort()
    return {"moods": len(latencies), "expected": expected,
            "missed": sum(round(i / HOP) - 1 for i in intervals if i > 1.5 * HOP),
            "interval_max": max(intervals),
            "median": statistics.median(latencies), "p95": latencies[min(len(latencies) - 1, len(latencies) * 95 // 100)]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=15, help="per phase per round")
    ap.add_argument("--flap", type=float, default=3, help="seconds between broker restarts while flapping")
    ap.add_argument("--warmup", type=float, default=10)
    ap.add_argument("--publish", type=float, default=60, help="seconds of publishing before the rounds")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="moodd-bench-mqtt-")
    port = free_port()
    broker = Broker(tmp, port)
    broker.start()
    mqtt = ["--set", "mqtt.host=127.0.0.1", "--set", f"mqtt.port={port}", "--set", "mqtt.topic=bench/on",
            "--set", "mqtt.client_id=bench-on"]
    load_before = os.getloadavg()
    daemons = {}
    try:
        daemons["on"] = start_daemon(args.bin, tmp, "on", mqtt)
        daemons["off"] = start_daemon(args.bin, tmp, "off", [])
        healthy = {name: Healthy(path) for name, (_, path) in daemons.items()}
        for h in healthy.values():
            h.start()
        for h in healthy.values():
            wait_moods(h, 1)
        pid = {name: p.pid for name, (p, _) in daemons.items()}
        rss = {}
        time.sleep(args.warmup)
        rss["after the warm-up"] = {name: memory(p) for name, p in pid.items()}
        time.sleep(args.publish)
        rss[f"after {args.publish:g} s of publishing"] = {name: memory(p) for name, p in pid.items()}
        maps = {name: mappings(p) for name, p in pid.items()}

        spans = {phase: [] for phase in PHASES}
        cpu = {phase: 0.0 for phase in PHASES}
        for _ in range(args.rounds):
            for phase in PHASES:
                start, cpu_start = time.monotonic(), cpu_seconds(pid["on"])
                end = start + args.seconds
                if phase == "down":
                    broker.process.kill()
                    broker.process.wait()
                    time.sleep(max(0, end - time.monotonic()))
                elif phase == "flapping":
                    while time.monotonic() + args.flap <= end:
                        time.sleep(args.flap)
                        broker.process.kill()
                        broker.process.wait()
                        broker.start()
                    time.sleep(max(0, end - time.monotonic()))
                elif phase == "stuck":
                    broker.process.send_signal(signal.SIGSTOP)
                    time.sleep(args.seconds)
                else:
                    time.sleep(args.seconds)
                spans[phase].append((start, time.monotonic()))
                cpu[phase] += cpu_seconds(pid["on"]) - cpu_start
                # Back to a broker that is up and reading, outside the measured span.
                if phase == "down":
                    broker.start()
                elif phase == "stuck":
                    broker.process.send_signal(signal.SIGCONT)
        rss["after the rounds (every outage)"] = {name: memory(p) for name, p in pid.items()}
        status_on = mqtt_status(daemons["on"][1])
        alive = all(p.poll() is None for p, _ in daemons.values())

        # MQTT at its worst: every queue full behind a stuck broker.
        topic = "bench/" + "x" * 1000
        daemons["flood"] = start_daemon(args.bin, tmp, "flood", [
            "--set", "mqtt.host=127.0.0.1", "--set", f"mqtt.port={port}", "--set", f"mqtt.topic={topic}",
            "--set", "mqtt.client_id=bench-flood", "--set", "mqtt.publish_interval=0.001"])
        flood = daemons["flood"][1]
        deadline = time.monotonic() + 30
        while not (mqtt_status(flood) or {}).get("connected"):
            if time.monotonic() > deadline:
                raise SystemExit("the flooding daemon never connected")
            time.sleep(0.2)
        time.sleep(args.warmup)
        flood_up = memory(daemons["flood"][0].pid)
        off_then = memory(pid["off"])
        broker.process.send_signal(signal.SIGSTOP)
        stopped = time.monotonic()
        while (mqtt_status(flood) or {}).get("dropped", 0) == 0:
            if time.monotonic() - stopped > 60:
                break
            time.sleep(0.2)
        full_after = time.monotonic() - stopped
        time.sleep(5)
        flood_status = mqtt_status(flood)
        flood_full = memory(daemons["flood"][0].pid)
        off_full = memory(pid["off"])
        broker.process.send_signal(signal.SIGCONT)
    finally:
        for p, _ in daemons.values():
            p.send_signal(signal.SIGTERM)
        for p, _ in daemons.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        broker.process.send_signal(signal.SIGCONT)
        broker.stop()
    load_after = os.getloadavg()

    rows = {phase: phase_stats(healthy["on"].moods, spans[phase]) for phase in PHASES}
    control = {phase: phase_stats(healthy["off"].moods, spans[phase]) for phase in PHASES}
    base = rows["baseline"]
    wall = {phase: sum(b - a for a, b in spans[phase]) for phase in PHASES}
    print(f"{args.rounds} rounds of {args.seconds:g} s per phase (flapping: a restart every {args.flap:g} s), "
          f"{os.cpu_count()} cores, load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
          f"daemons alive: {alive}; MQTT status after the rounds: {json.dumps(status_on)}\n")
    print("| phase | moods (expected) | ticks missed | interval max | latency median / p95 | ratio to baseline, median / p95 "
          "| without MQTT: latency median / p95 | daemon CPU |\n|---|---:|---:|---:|---:|---:|---:|---:|")
    for phase in PHASES:
        r, c = rows[phase], control[phase]
        print(f"| {phase} | {r['moods']} ({r['expected']:.0f}) | {r['missed']} | {r['interval_max']:.3f} s "
              f"| {r['median'] * 1000:.1f} / {r['p95'] * 1000:.1f} ms | {r['median'] / base['median']:.2f} / {r['p95'] / base['p95']:.2f} "
              f"| {c['median'] * 1000:.1f} / {c['p95'] * 1000:.1f} ms | {100 * cpu[phase] / wall[phase]:.2f} % |")

    print("\n| RSS (VmRSS; anonymous) | MQTT off | MQTT on | growth from MQTT |\n|---|---:|---:|---:|")
    for label, value in rss.items():
        off, on = value["off"], value["on"]
        print(f"| {label} | {off[0]:.2f} MiB; {off[1]:.2f} | {on[0]:.2f} MiB; {on[1]:.2f} "
              f"| {on[0] - off[0]:+.2f} MiB ({(on[0] - off[0]) * 1.048576:+.2f} MB); {on[1] - off[1]:+.2f} |")
    print(f"| 1 KB topics, a state every ms, broker up {args.warmup:g} s | {off_then[0]:.2f} MiB; {off_then[1]:.2f} "
          f"| {flood_up[0]:.2f} MiB; {flood_up[1]:.2f} | {flood_up[0] - off_then[0]:+.2f} MiB "
          f"({(flood_up[0] - off_then[0]) * 1.048576:+.2f} MB); {flood_up[1] - off_then[1]:+.2f} |")
    print(f"| the same, broker stopped, queues full ({full_after:.1f} s to the first drop, then 5 s; "
          f"status {json.dumps(flood_status)}) | {off_full[0]:.2f} MiB; {off_full[1]:.2f} "
          f"| {flood_full[0]:.2f} MiB; {flood_full[1]:.2f} | {flood_full[0] - off_full[0]:+.2f} MiB "
          f"({(flood_full[0] - off_full[0]) * 1.048576:+.2f} MB); {flood_full[1] - off_full[1]:+.2f} |")
    print(f"\nThe flooding daemon itself, from the broker up to the queues full: {flood_full[0] - flood_up[0]:+.2f} MiB "
          f"VmRSS, {flood_full[1] - flood_up[1]:+.2f} MiB anonymous.")
    print(f"\nWhere the growth after {args.publish:g} s of publishing lies, per mapping (/proc/PID/smaps; "
          "Pss divides a page shared with other processes among them, so a library that other programs on the "
          "machine also map weighs less there):\n\n| mapping | Rss growth | Pss growth |\n|---|---:|---:|")
    growth = {k: tuple(a - b for a, b in zip(maps["on"].get(k, (0, 0)), maps["off"].get(k, (0, 0))))
              for k in set(maps["on"]) | set(maps["off"])}
    for k, (r, p) in sorted(growth.items(), key=lambda kv: -abs(kv[1][0])):
        if abs(r) >= 16 or abs(p) >= 16:
            print(f"| {k} | {r:+d} KiB | {p:+d} KiB |")
    print(f"| all | {sum(r for r, _ in growth.values()):+d} KiB | {sum(p for _, p in growth.values()):+d} KiB |")
    load = library_load_cost()
    print(f"\nLoading libmosquitto.so.1 alone, in a bare process, before any call: {sum(load.values()):+d} KiB of RSS ("
          + ", ".join(f"{k} {v:+d}" for k, v in sorted(load.items(), key=lambda kv: -kv[1])) + " KiB).")


if __name__ == "__main__":
    main()
