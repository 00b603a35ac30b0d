#!/usr/bin/env bash
# Regenerates the content head (music / speech / noise) from scratch or from the cache:
#   training/reports/content.md (+ content.json) and the head `content` in models/moodd-4q.safetensors
#   (the file's mood head is kept; training/run_4q.sh keeps this one in turn).
#
#   MOODD_DATA=DIR training/run_content.sh     DIR holds the fetched datasets:
#       DIR/MER_audio_taffc_dataset   the 4Q set (Famelgas/MULT_TP2)
#       DIR/ravdess/Actor_01..24      RAVDESS speech (NicVSoftware/Advanced-Machine-Learning-Final-Project)
#       DIR/fsdd/recordings           the Free Spoken Digit Dataset (Jakobovski/free-spoken-digit-dataset)
#       DIR/musifeast17/stimuli       MUSIFEAST-17's music (HazelvdW/MUSIFEAST-17): tells near-equal heads apart
#       DIR/keystrokes                real keyboard typing: the Zoom/*.wav of JBFH-Dev/Keystroke-Datasets (MIT)
#   MER=, RAVDESS=, FSDD=, KEYSTROKES= override each; MOODD_CACHE= where the corpus and its embeddings go
#   (not in the repo; the embeddings under $MOODD_CACHE/content/embed);
#   MOODD= a moodd binary (default: .build/release/moodd, built if missing).
#
# On 2 cores, from a cold cache (December): the corpus (about 17 h of audio, and as much again through rooms,
# 5 GB of WAV) ~16 min, its embeddings ~11 min, the CV (each head without context and with 3 or 6 s of
# it) ~28 min, the control without rooms and the export 12-16 min; reruns reuse the cache (corpus version 3
# from a warm cache: 40 min).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${MER:-}" || -z "${RAVDESS:-}" || -z "${FSDD:-}" || -z "${KEYSTROKES:-}" ]]; then
    : "${MOODD_DATA:?set MOODD_DATA (or MER, RAVDESS, FSDD and KEYSTROKES) to the folder of the fetched datasets}"
fi
MER=${MER:-$MOODD_DATA/MER_audio_taffc_dataset}
RAVDESS=${RAVDESS:-$MOODD_DATA/ravdess}
FSDD=${FSDD:-$MOODD_DATA/fsdd/recordings}
VALIDATION=${VALIDATION:-$MOODD_DATA/musifeast17/stimuli}
KEYSTROKES=${KEYSTROKES:-$MOODD_DATA/keystrokes}
export MOODD_CACHE=${MOODD_CACHE:?set MOODD_CACHE to a folder outside the repository for the corpus and embeddings}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1   # shared CPUs: one core per process

# text-to-speech voices, gettext (their sentences), and the sound-effect and game-music packages
# (content_sounds.SFX_PACKAGES, MUSIC_PACKAGES: data packages only, no game is installed)
packages=(espeak-ng flite festival festvox-kallpc16k festvox-italp16k festvox-itapc16k festvox-czech-dita
          festvox-czech-machac festvox-ca-ona-hts gettext sound-theme-freedesktop oxygen-sounds yaru-theme-sound
          tuxpaint-data lbreakout2-data chromium-bsu-data frozen-bubble-data pingus-data scorched3d-data
          lincity-ng-data extremetuxracer-data wesnoth-1.16-data hedgewars-data supertux-data freedroidrpg-data
          bzflag-data alienblaster-data ri-li-data xmoto-data)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=$(scripts/pyenv training/.venv training/requirements.txt training/requirements-train.txt)
[[ -n "${MOODD:-}" || -x .build/release/moodd ]] || swift build -c release --product moodd
"$python" training/content_corpus.py --mer "$MER" --ravdess "$RAVDESS" --fsdd "$FSDD" --keystrokes "$KEYSTROKES" \
    --out "$MOODD_CACHE/content" --rooms
# --layers pooled: offered both inputs (same folds, no rooms), the inner CV chose the pooled input in all 5
# folds (MODEL_CARD.md); offering both again doubles the CV's time.
exec "$python" training/content.py --corpus "$MOODD_CACHE/content" --report training/reports/content.md \
    --export models/moodd-4q.safetensors --layers pooled --control --validation-music "$VALIDATION" "$@"
