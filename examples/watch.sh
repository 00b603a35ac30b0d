#!/bin/sh
# Follow moodd's mood changes with socat and jq: one line per change, plus the state on connect.
#   examples/watch.sh [SOCKET]
# Needs: socat, jq. (moodctl watch --changes-only does the same without them.)
set -eu
SOCKET=${1:-${MOODD_SOCKET:-/run/moodd/moodd.sock}}

# -u: read only; the daemon sends hello, state, then every event (docs/protocol.md).
socat -u "UNIX-CONNECT:$SOCKET" - | jq --unbuffered -r '
  if .event == "state" then "\(.time)  now \(.label) (\(.confidence))"
  elif .event == "change" then "\(.time)  \(.from) -> \(.to)"
  elif .event == "source" then "\(.time)  source \(.state)\(if .reason then ": " + .reason else "" end)"
  elif .event == "error" then "moodd: \(.error)"
  else empty end'
