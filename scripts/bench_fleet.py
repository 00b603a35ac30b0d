"""A fleet of stations on one MQTT broker, restarted mid-run: messages lost, time to republish, CPU.

    python3 scripts/bench_fleet.py --bin .build/release --stations 50 [--seconds 60] [--down 5]

N `moodd run` daemons (the demo, `file+loop:` paced in real time, hop 1.5 s, each with its own socket,
`mqtt.topic` fleet/sNN and client id; discovery off, since every station here shares one host name)
publish to one private mosquitto broker; `mosquitto_sub` counts each station's messages on fleet/#,
and one client on each daemon's socket records what the daemon published there. After --seconds the
broker is stopped (SIGTERM) for --down seconds, started again on the same port, and the run goes on
for --seconds more. Reports:
- messages lost outside the downtime: each station's `change` and `source` events, as its socket sent
  them, that never arrived on `<topic>/event` (those sent while the station was disconnected are not
  published, by design: the state is republished on reconnection); and periodic `state` messages
  missing (a gap over publish_interval + 1 s between two, outside the downtime);
- time to republish: from the broker accepting connections again to each station's `online`
  (retained availability; the state follows it);
- CPU: the broker's and the daemons' user+system time over the run (/proc/PID/stat), percent of one core;
- cadence: the interval between a station's `mood` events on its socket (hop 1.5 s), to tell whether
  the machine keeps up with N daemons;
- each daemon's `status` at the end: MQTT `dropped` and `reconnects`.
Standard library only; needs mosquitto and mosquitto-clients (`scripts/bootstrap --test`).
"""
import argparse
import json
import os
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time

HOP = 1.5


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


class Broker:
    """A private mosquitto on `port`: anonymous, no persistence (a restart forgets retained messages)."""

    def __init__(self, directory, port):
        self.config = os.path.join(directory, "mosquitto.conf")
        self.log = os.path.join(directory, "broker.log")
        self.port = port
        with open(self.config, "w") as f:
            f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000\n")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(["mosquitto", "-c", self.config], stdout=subprocess.DEVNULL,
                                        stderr=open(self.log, "a"))
        deadline = time.monotonic() + 10
        while not accepts(self.port):
            if time.monotonic() > deadline:
                raise SystemExit(f"mosquitto did not start: {open(self.log).read()[-2000:]}")
            time.sleep(0.01)
        return time.monotonic()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Subscriber(threading.Thread):
    """mosquitto_sub on fleet/#, which reconnects by itself (every second) after a broker restart:
    (arrival, station, kind, payload) for every message."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.process = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-v", "-t", "fleet/#"],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
        self.messages = []

    def run(self):
        for raw in self.process.stdout:
            now = time.monotonic()
            topic, _, payload = raw.decode().rstrip("\n").partition(" ")
            parts = topic.split("/")
            if len(parts) == 3:
                self.messages.append((now, parts[1], parts[2], payload))


class SocketClients(threading.Thread):
    """One client on each daemon's socket: (arrival, line) of every `mood`, `change` and `source`."""

    def __init__(self, paths):
        super().__init__(daemon=True)
        self.selector = selectors.DefaultSelector()
        self.events = {name: [] for name in paths}
        self.sockets = {}
        self.buffers = {}
        self.status = {}
        for name, path in paths.items():
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            s.setblocking(False)
            self.sockets[name] = s
            self.buffers[name] = b""
            self.selector.register(s, selectors.EVENT_READ, name)
        self.stopping = False

    def run(self):
        while not self.stopping:
            for key, _ in self.selector.select(timeout=0.1):
                name = key.data
                try:
                    data = key.fileobj.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    self.selector.unregister(key.fileobj)
                    continue
                now = time.monotonic()
                *lines, self.buffers[name] = (self.buffers[name] + data).split(b"\n")
                for line in lines:
                    text = line.decode()
                    event = json.loads(text)["event"]
                    if event == "status":
                        self.status[name] = json.loads(text)
                    elif event in ("mood", "change", "source"):
                        self.events[name].append((now, event, text))

    def ask_status(self):
        for s in self.sockets.values():
            s.send(b'{"cmd":"status"}\n')


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--stations", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60, help="before the broker restart, and again after it")
    ap.add_argument("--down", type=float, default=5, help="seconds the broker is away")
    ap.add_argument("--interval", type=float, default=10, help="mqtt.publish_interval (the default: 10)")
    args = ap.parse_args()
    for tool in ("mosquitto", "mosquitto_sub"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found (scripts/bootstrap --test installs mosquitto, mosquitto-clients)")

    tmp = tempfile.mkdtemp(prefix="moodd-fleet-")
    port = free_port()
    broker = Broker(tmp, port)
    broker.start()
    subscriber = Subscriber(port)
    subscriber.start()
    names = [f"s{i:02d}" for i in range(args.stations)]
    daemons = {}
    load_before = os.getloadavg()
    try:
        for name in names:
            daemons[name] = subprocess.Popen(
                [os.path.join(args.bin, "moodd"), "run", "--config", "config/moodd.conf",
                 "--source", "file+loop:examples/demo.ogg", "--socket", os.path.join(tmp, name + ".sock"),
                 "--log", os.path.join(tmp, name + ".log"),
                 "--set", "mqtt.host=127.0.0.1", "--set", f"mqtt.port={port}", "--set", f"mqtt.topic=fleet/{name}",
                 "--set", f"mqtt.client_id=fleet-{name}", "--set", "mqtt.discovery_prefix=",
                 "--set", f"mqtt.publish_interval={args.interval:g}"],
                stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, name + ".stderr"), "w"))
        deadline = time.monotonic() + 120
        paths = {name: os.path.join(tmp, name + ".sock") for name in names}
        while not all(os.path.exists(p) for p in paths.values()):
            if time.monotonic() > deadline or any(d.poll() is not None for d in daemons.values()):
                raise SystemExit("not every daemon started")
            time.sleep(0.05)
        clients = SocketClients(paths)
        clients.start()

        # Every station online, then the measured run.
        while {m[1] for m in subscriber.messages if m[2] == "availability" and m[3] == "online"} != set(names):
            if time.monotonic() > deadline:
                raise SystemExit("not every station came online")
            time.sleep(0.1)
        start = time.monotonic()
        cpu_start = {name: cpu_seconds(d.pid) for name, d in daemons.items()}
        broker_cpu = cpu_seconds(broker.process.pid)
        time.sleep(args.seconds)

        broker_cpu = cpu_seconds(broker.process.pid) - broker_cpu
        down = time.monotonic()
        broker.stop()
        time.sleep(args.down)
        first_broker_seconds = down - start
        up = broker.start()
        broker_cpu_2 = cpu_seconds(broker.process.pid)
        time.sleep(args.seconds)
        broker_cpu += cpu_seconds(broker.process.pid) - broker_cpu_2
        end = time.monotonic()
        cpu = {name: cpu_seconds(d.pid) - cpu_start[name] for name, d in daemons.items()}
        rss = [rss_mib(d.pid) for d in daemons.values()]
        clients.ask_status()
        time.sleep(1)
    finally:
        for d in daemons.values():
            d.send_signal(signal.SIGTERM)
        for d in daemons.values():
            try:
                d.wait(timeout=15)
            except subprocess.TimeoutExpired:
                d.kill()
        time.sleep(0.5)
        subscriber.process.terminate()
        broker.stop()
    clients.stopping = True
    wall = end - start

    # Per station: republish time, lost events, missing periodic states, cadence.
    republish, lost_events, sent_events, state_gaps, states, intervals, moods = [], 0, 0, 0, 0, [], []
    gap_notes = []
    received = {name: [] for name in names}
    for m in subscriber.messages:
        received[m[1]].append(m)
    for name in names:
        mine = received[name]
        online = [m[0] for m in mine if m[2] == "availability" and m[3] == "online" and m[0] >= up]
        back = online[0] if online else float("inf")
        republish.append(back - up)
        published = {m[3] for m in mine if m[2] == "event"}
        for when, kind, text in clients.events[name]:
            if kind in ("change", "source") and start <= when <= end and not (down - 0.5 <= when <= back):
                sent_events += 1
                lost_events += text not in published
        times = [m[0] for m in mine if m[2] == "state" and start <= m[0] <= end]
        states += len(times)
        for a, b in zip(times, times[1:]):
            if b - a > args.interval + 1 and not (a <= up and b >= down):  # not overlapping the downtime
                state_gaps += 1
                gap_notes.append(f"{name}: {b - a:.2f} s from {a - start:.1f} s (broker down {down - start:.1f}-{up - start:.1f} s)")
        arrivals = [when for when, kind, _ in clients.events[name] if kind == "mood" and start <= when <= end]
        moods.append(len(arrivals))
        intervals += [b - a for a, b in zip(arrivals, arrivals[1:])]
    status = [s.get("mqtt") or {} for s in clients.status.values()]
    dropped = sum(s.get("dropped", 0) for s in status)
    reconnects = [s.get("reconnects", 0) for s in status]
    expected_moods = wall / HOP

    print(f"{args.stations} stations, {wall:.0f} s measured ({first_broker_seconds:.0f} s, broker away {args.down:g} s, "
          f"{args.seconds:g} s), publish_interval {args.interval:g} s, {os.cpu_count()} cores; "
          f"load average before {load_before[0]:.2f}; {len(subscriber.messages)} messages received in all\n")
    print("| measure | value |\n|---|---:|")
    print(f"| stations | {args.stations} |")
    counts = [len(received[name]) for name in names]
    print(f"| messages received per station, min / max (all, the downtime's included) | {min(counts)} / {max(counts)} |")
    print(f"| change/source events published while connected, lost | {lost_events} of {sent_events} |")
    print(f"| periodic state messages received / gaps over {args.interval + 1:g} s outside the downtime | {states} / {state_gaps} |")
    print(f"| republished after the broker returned, median / max | {statistics.median(republish):.2f} / {max(republish):.2f} s |")
    print(f"| stations online again within 5 s | {sum(r <= 5 for r in republish)} of {args.stations} |")
    print(f"| broker CPU (while up) | {100 * broker_cpu / (wall - args.down):.2f} % of a core |")
    print(f"| daemon CPU, median / max / all together | {100 * statistics.median(cpu.values()) / wall:.2f} / "
          f"{100 * max(cpu.values()) / wall:.2f} / {100 * sum(cpu.values()) / wall:.1f} % of a core |")
    print(f"| daemon RSS, median / max | {statistics.median(rss):.1f} / {max(rss):.1f} MiB |")
    print(f"| moods per station, median / min (expected {expected_moods:.0f}) | {statistics.median(moods):.0f} / {min(moods)} |")
    print(f"| mood interval, median / p99 / max | {statistics.median(intervals):.3f} / {percentile(intervals, 0.99):.3f} / "
          f"{max(intervals):.3f} s |")
    print(f"| status at the end: MQTT dropped (all stations) / reconnects per station | {dropped} / "
          f"{min(reconnects) if reconnects else '-'}-{max(reconnects) if reconnects else '-'} ({len(status)} answered) |")
    if gap_notes:
        print("\nstate gaps: " + "; ".join(gap_notes))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
