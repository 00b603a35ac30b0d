#!/usr/bin/env bash
# Regenerates the shipped model, models/moodd-4q.safetensors, with both its heads and every report on them,
# from scratch or from the cache: one command for what five do in turn.
#   1. training/run_content.sh  the content corpus, its rooms (which step 2 needs: every 4Q clip through a
#                               training and a test room), the content head and training/reports/content.md
#   2. training/run_4q.sh       the mood head and training/reports/4q.md (keeps the content head)
#   3. training/transfer.py     both heads on MUSIFEAST-17: training/reports/transfer.md
#   4. training/room_parts.py   what each part of a test room (reverberation, noise, band limits) costs a
#                               mood head: training/reports/rooms.md (the 4Q clips' copies: ~40 min from nothing)
#   5. training/room_fronts.py  whether a fixed front (dereverberation, an added reverberation) lets the room
#                               cost less: training/reports/room_fronts.md (~20 min from nothing)
#
#   MOODD_DATA=DIR MOODD_CACHE=DIR training/run_model.sh
# DIR holds the fetched datasets as run_content.sh and run_4q.sh describe them. On 2 cores, from nothing
# some 4.5 hours (the corpus and its rooms ~45 min, their embeddings ~25 min, the content CV ~35 min, the
# 4Q clips and their augmented copies ~1 h, the 4Q CV ~1 h, the room reports' copies ~1 h); from a warm
# cache, under two hours.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MOODD_DATA:?set MOODD_DATA to the folder of the fetched datasets}"
: "${MOODD_CACHE:?set MOODD_CACHE to a folder outside the repository for the corpus and embeddings}"
training/run_content.sh
training/run_4q.sh
python=$(scripts/pyenv training/.venv training/requirements.txt training/requirements-train.txt)
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$python" training/transfer.py --dataset "$MOODD_DATA/musifeast17" \
    --model models/moodd-4q.safetensors \
    --exclude-artists-of "$MOODD_DATA/MER_audio_taffc_dataset/panda_dataset_taffc_metadata.csv" \
    --report training/reports/transfer.md
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$python" training/room_parts.py --corpus "$MOODD_CACHE/content" \
    --report training/reports/rooms.md
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$python" training/room_fronts.py --corpus "$MOODD_CACHE/content" \
    --fronts none,dereverb:0.5,reverb:0.8:-6 --report training/reports/room_fronts.md
