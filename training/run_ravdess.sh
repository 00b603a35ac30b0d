#!/usr/bin/env bash
# RAVDESS speech: actor-disjoint CV of an 8-emotion head and a gender head on the same backbone, to show the
# pipeline is not tied to music. Writes training/reports/ravdess_emotion.md, ravdess_gender.md (+ PNGs, JSON)
# and $MOODD_CACHE/models/moodd-ravdess.safetensors (both heads; not shipped, see ravdess.md). training/reports/ravdess.md summarises them.
#
#   MOODD_DATA=DIR MOODD_CACHE=DIR training/run_ravdess.sh     RAVDESS=DIR (default $MOODD_DATA/ravdess), MOODD=BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
RAVDESS=${RAVDESS:-${MOODD_DATA:?set MOODD_DATA (or RAVDESS) to the folder of the fetched datasets}/ravdess}
export MOODD_CACHE=${MOODD_CACHE:?set MOODD_CACHE to a folder outside the repository for embeddings and models}
CACHE=$MOODD_CACHE
mkdir -p "$CACHE/models"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1
python=$(scripts/pyenv training/.venv training/requirements.txt training/requirements-train.txt)
[[ -n "${MOODD:-}" || -x .build/release/moodd ]] || swift build -c release --product moodd
"$python" training/ravdess.py "$RAVDESS" "$CACHE/ravdess"
for task in emotion gender; do
    "$python" training/evaluate.py --dataset "$CACHE/ravdess/$task" \
        --metadata "$CACHE/ravdess/actors.csv" --id-column id --group-column actor \
        --layer penultimate,pooled --name "ravdess_$task" --report "training/reports/ravdess_$task.md" \
        --export "$CACHE/models/moodd-ravdess-$task.safetensors" --head-name "$task" "$@"
done
"$python" training/export.py --merge "$CACHE/models/moodd-ravdess.safetensors" \
    "$CACHE/models/moodd-ravdess-emotion.safetensors" "$CACHE/models/moodd-ravdess-gender.safetensors"
