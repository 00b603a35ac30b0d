#!/usr/bin/env bash
# RAVDESS speech: actor-disjoint CV of an 8-emotion head and a gender head on the same backbone, to show the
# pipeline is not tied to music. Writes training/reports/ravdess_emotion.md, ravdess_gender.md (+ PNGs, JSON)
# and $MOODD_CACHE/models/moodd-ravdess.safetensors (both heads; not shipped, see ravdess.md). training/reports/ravdess.md summarises them.
#
#   training/run_ravdess.sh            RAVDESS=... MOODD_CACHE=... MOODD=... override the defaults
set -euo pipefail
cd "$(dirname "$0")/.."
RAVDESS=${RAVDESS:-/work/data/ravdess}
CACHE=${MOODD_CACHE:-/work/data/cache}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1
python=$(scripts/pyenv training/.venv training/requirements.txt training/requirements-train.txt)
[[ -n "${MOODD:-}" || -x .build/release/moodd ]] || swift build -c release --product moodd
"$python" training/ravdess.py "$RAVDESS" "$CACHE/ravdess"
for task in emotion gender; do
    "$python" training/evaluate.py --dataset "$CACHE/ravdess/$task" \
        --metadata "$CACHE/ravdess/actors.csv" --id-column id --group-column actor \
        --layer penultimate,pooled --name "ravdess_$task" --report "training/reports/ravdess_$task.md" \
        --export "/tmp/moodd-ravdess-$task.safetensors" --head-name "$task" "$@"
done
"$python" training/export.py --merge "$CACHE/models/moodd-ravdess.safetensors" \
    /tmp/moodd-ravdess-emotion.safetensors /tmp/moodd-ravdess-gender.safetensors
