#!/bin/sh
# Keep MPD playing music that matches the room: when moodd announces a new mood, queue the MPD
# playlist named "mood-<label>" (create them with `mpc save mood-relaxed` etc.).
#   examples/mpd-reactor.sh [SOCKET]
# Needs: socat, jq, mpc (MPD_HOST/MPD_PORT as usual).
#
# It reacts to `change` events only (not every `mood` line), so a mood must hold for
# smoothing.dwell seconds before the music follows. The states that claim no mood (listening,
# silence, and with a content head speech and noise: people talking, a vacuum cleaner) change
# nothing: the playlist stays as it is until the next mood.
set -eu
SOCKET=${1:-${MOODD_SOCKET:-/run/moodd/moodd.sock}}

while true; do
  socat -u "UNIX-CONNECT:$SOCKET" - \
  | jq --unbuffered -r 'select(.event == "change") | .to' \
  | while read -r mood; do
      case "$mood" in
        listening|silence|speech|noise) continue ;;
      esac
      if mpc -q lsplaylists | grep -qx "mood-$mood"; then
        echo "mood is now $mood: queueing mood-$mood"
        # Keep the current song, replace what follows it.
        mpc -q crop || true
        mpc -q load "mood-$mood"
        mpc -q play
      else
        echo "mood is now $mood: no playlist mood-$mood in MPD" >&2
      fi
    done
  echo "connection to moodd lost; retrying in 5 s" >&2
  sleep 5
done
