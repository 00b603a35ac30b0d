#!/usr/bin/env python3
"""A fleet of moodd stations at a glance, from the broker (docs/mqtt.md): one line per station.

    examples/fleet.py [-H broker.lan] [-p 1883] [--topic 'moodd/+'] [--cafile CA] [--watch]

Reads each station's retained `<topic>/availability` and `<topic>/state` through mosquitto_sub
(Debian's mosquitto-clients) and prints, per station: online or offline, its mood (or the daemon's
state: listening, silence, speech, noise), for how long, valence and arousal:

    station  status   mood       for      valence  arousal
    den      online   relaxed    12m04s     0.98    -1
    kitchen  offline  happy      2h31m      0.61     0.44

Once, when the retained messages have arrived; with --watch, again on every change (Ctrl-C ends it).
--topic is the stations' root topics, with `+` where their names differ (the default, moodd/+, is
what moodd uses unless `mqtt.topic` is set). Standard library only.
"""
import argparse
import json
import selectors
import subprocess
import sys
import time
from datetime import datetime, timezone


def duration(seconds):
    seconds = int(max(0, seconds))
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"


def number(value):
    return "-" if value is None else f"{value:g}"


def table(stations):
    rows = [("station", "status", "mood", "for", "valence", "arousal")]
    now = datetime.now(timezone.utc)
    for name in sorted(stations):
        s = stations[name]
        state = s.get("state") or {}
        since = state.get("since")
        held = duration((now - datetime.fromisoformat(since.replace("Z", "+00:00"))).total_seconds()) if since else "-"
        rows.append((name, s.get("availability", "?"), state.get("label", "?"), held,
                     number(state.get("valence")), number(state.get("arousal"))))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.rjust(w) if i >= 4 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
                     for r in rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-H", "--host", default="localhost")
    ap.add_argument("-p", "--port", type=int, default=1883)
    ap.add_argument("--topic", default="moodd/+", help="the stations' root topics, + for the part that names them")
    ap.add_argument("--cafile", help="CA file: TLS, the broker verified against it")
    ap.add_argument("--watch", action="store_true", help="print the table again on every change")
    args = ap.parse_args()
    pattern = args.topic.split("/")
    if "#" in pattern or "+" not in pattern:
        sys.exit("fleet.py: --topic needs a + where the station names are, and no #, like moodd/+")

    command = ["mosquitto_sub", "-h", args.host, "-p", str(args.port), "-v",
               "-t", args.topic + "/availability", "-t", args.topic + "/state"]
    if args.cafile:
        command += ["--cafile", args.cafile]
    try:
        sub = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    except FileNotFoundError:
        sys.exit("fleet.py: mosquitto_sub not found (apt install mosquitto-clients)")

    stations = {}
    selector = selectors.DefaultSelector()
    selector.register(sub.stdout, selectors.EVENT_READ)
    buffer = b""
    # Once: the retained messages come at once; done after 0.5 s without one (5 s at most).
    deadline = time.monotonic() + 5
    last = None
    try:
        while True:
            timeout = None
            if not args.watch:
                timeout = max(0, (deadline if last is None else min(deadline, last + 0.5)) - time.monotonic())
                if timeout == 0:
                    break
            if not selector.select(timeout):
                continue
            data = sub.stdout.read(65536)
            if not data:
                sys.exit("fleet.py: mosquitto_sub: " + sub.stderr.read().decode().strip())
            *lines, buffer = (buffer + data).split(b"\n")
            for line in lines:
                topic, _, payload = line.decode().partition(" ")
                levels = topic.split("/")
                name = "/".join(level for level, p in zip(levels, pattern) if p == "+")
                kind = levels[-1]
                if kind == "state":
                    try:
                        stations.setdefault(name, {})["state"] = json.loads(payload)
                    except ValueError:
                        continue
                else:
                    stations.setdefault(name, {})["availability"] = payload
            last = time.monotonic()
            if args.watch:
                print(table(stations) + "\n", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        sub.terminate()
    if not args.watch:
        if not stations:
            sys.exit(f"fleet.py: no station under {args.topic} on {args.host}:{args.port}")
        print(table(stations))


if __name__ == "__main__":
    main()
