#!/bin/sh
# Follow moodd's changes with socat and jq: one line per change (a mood, or listening, silence,
# speech, noise), plus the state on connect.
#   examples/watch.sh [SOCKET]
# Needs: socat, jq. (moodctl watch --changes-only does the same without them.)
set -eu
SOCKET=${1:-${MOODD_SOCKET:-/run/moodd/moodd.sock}}

# -u: read only; the daemon sends hello, state, then every event (docs/protocol.md, version 3).
socat -u "UNIX-CONNECT:$SOCKET" - | jq --unbuffered -r '
  if .event == "hello" then (if .protocol != 3 then "moodd speaks protocol \(.protocol); this script reads 3" else empty end)
  elif .event == "state" then "\(.time)  now \(.label)\(if (.label | IN("listening", "silence", "speech", "noise")) then "" else " (\(.confidence))" end)"
  elif .event == "change" then "\(.time)  \(.from) -> \(.to)"
  elif .event == "source" then "\(.time)  source \(.source.state)\(if .source.reason then ": " + .source.reason else "" end)"
  elif .event == "error" then "moodd: \(.error)"
  else empty end'
