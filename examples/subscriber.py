#!/usr/bin/env python3
"""Subscribe to moodd's events with the Python standard library only.

    examples/subscriber.py [--socket PATH]

Prints each announced change (a mood, or one of the states that claim none: listening, silence,
speech, noise) and reconnects when the daemon restarts (or disconnected us for being too slow:
reconnecting gives a fresh hello and state, see docs/protocol.md, version 3).
"""
import argparse
import json
import os
import socket
import sys
import time


def events(path):
    """Yields each event (a dict) from one connection until the daemon closes it."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        with s.makefile("r", encoding="utf-8", newline="\n") as lines:
            for line in lines:
                yield json.loads(line)


PROTOCOL = 3

# The announced states that are not moods (docs/protocol.md); speech and noise need a content head.
NO_MOOD = {"listening", "silence", "speech", "noise"}


def describe(label, confidence):
    """`relaxed (0.71)` for a mood, `speech (no mood)` for the other states."""
    return f"{label} (no mood)" if label in NO_MOOD else f"{label} ({confidence})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", default=os.environ.get("MOODD_SOCKET", "/run/moodd/moodd.sock"))
    args = parser.parse_args()
    delay = 1.0
    while True:
        try:
            for event in events(args.socket):
                delay = 1.0
                kind = event.get("event")
                if kind == "hello":
                    if event.get("protocol") != PROTOCOL:
                        print(f"moodd speaks protocol {event.get('protocol')}; this script reads {PROTOCOL}",
                              file=sys.stderr, flush=True)
                    content = event.get("content_labels")
                    extra = f"; tells {', '.join(content)} apart" if content else ""
                    print(f"connected: moodd {event['version']}, model {event['model']}, labels {', '.join(event['labels'])}{extra}",
                          flush=True)
                elif kind == "state":
                    print(f"{event['time']} now {describe(event['label'], event['confidence'])}", flush=True)
                elif kind == "change":
                    print(f"{event['time']} {event['from']} -> {event['to']}", flush=True)
                elif kind == "source":
                    source = event["source"]
                    reason = f": {source['reason']}" if source["reason"] else ""
                    print(f"{event['time']} source {source['state']}{reason}", flush=True)
                elif kind == "error":
                    print(f"moodd: {event['error']}", file=sys.stderr, flush=True)
                # mood and events of later protocol versions: ignored here.
            print("moodd closed the connection; reconnecting", file=sys.stderr, flush=True)
        except (FileNotFoundError, ConnectionRefusedError) as e:
            print(f"cannot connect to {args.socket}: {e.strerror} (is moodd running?)", file=sys.stderr, flush=True)
        except KeyboardInterrupt:
            return 0
        time.sleep(delay)
        delay = min(delay * 2, 30.0)


if __name__ == "__main__":
    sys.exit(main())
