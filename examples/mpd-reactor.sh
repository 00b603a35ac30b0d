#!/bin/sh
# Keep MPD playing music that matches the room: when moodd announces a mood, queue the tracks of the
# library that `moodd scan` found closest to it (docs/library.md). No hand-made playlists.
#   examples/mpd-reactor.sh [SOCKET]
#   MOODD_LIBRARY  the database moodd scan wrote (default ~/.local/share/moodd/library.db)
#   MUSIC_DIR      MPD's music_directory, which the queued paths are made relative to (default ~/Music)
# Needs: socat, jq, mpc (MPD_HOST/MPD_PORT as usual), moodd on PATH.
#
# It reads the daemon's `state` when it connects (the mood already announced) and then `change`
# events only (not every `mood` line), so a mood must hold for smoothing.dwell seconds before the music
# follows. The states that claim no mood (listening, silence, and with a content head speech and noise:
# people talking, a vacuum cleaner) change nothing. It keeps the song playing and replaces what follows
# it; if the user paused MPD, it queues and leaves it paused.
set -eu
SOCKET=${1:-${MOODD_SOCKET:-/run/moodd/moodd.sock}}
LIBRARY=${MOODD_LIBRARY:-$HOME/.local/share/moodd/library.db}
MUSIC_DIR=${MUSIC_DIR:-$HOME/Music}

queue() {
  mood=$1
  tracks=$(moodd playlist --db "$LIBRARY" --mood "$mood" --relative-to "$MUSIC_DIR" --limit 30 | grep -v '^#' || true)
  if [ -z "$tracks" ]; then
    echo "mood is now $mood: no scanned track is $mood (moodd scan $MUSIC_DIR --db $LIBRARY)" >&2
    return
  fi
  echo "mood is now $mood: queueing $(printf '%s\n' "$tracks" | wc -l) tracks"
  paused=$(mpc status | grep -c '^\[paused\]' || true)
  mpc -q crop 2>/dev/null || true  # keeps the song playing (fails harmlessly on an empty queue)
  printf '%s\n' "$tracks" | mpc -q add
  [ "$paused" -eq 1 ] || mpc -q play
}

while true; do
  socat -u "UNIX-CONNECT:$SOCKET" - \
  | jq --unbuffered -r 'if .event == "state" then .label elif .event == "change" then .to else empty end' \
  | while read -r mood; do
      case "$mood" in
        listening|silence|speech|noise) continue ;;
      esac
      queue "$mood"
    done
  echo "connection to moodd lost; retrying in 5 s" >&2
  sleep 5
done
