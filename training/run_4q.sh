#!/usr/bin/env bash
# Regenerates the 4-quadrant evaluation and the shipped mood model, from scratch or from the cache:
#   training/reports/4q.md (+ 4q_confusion.png, 4q_curves.png, 4q.json) and models/moodd-4q.safetensors
#
#   training/run_4q.sh                 DATA=... MOODD_CACHE=... MOODD=... override the defaults
#
# Embeddings (and those of augmented copies) are cached under $MOODD_CACHE/embed: a rerun costs minutes.
# The from-scratch CNN baseline is separate (PyTorch): training/cnn_baseline.py, whose result table row
# (training/reports/4q_cnn.json) this report includes when it exists.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-/work/data/MER_audio_taffc_dataset}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1   # shared CPUs: one core per process
python=$(scripts/pyenv training/.venv training/requirements.txt training/requirements-train.txt)
[[ -n "${MOODD:-}" || -x .build/release/moodd ]] || swift build -c release --product moodd
exec "$python" training/evaluate.py --dataset "$DATA" \
    --metadata "$DATA/panda_dataset_taffc_metadata.csv" --id-column Song --group-column Artist \
    --labels Q1=happy,Q2=angry,Q3=sad,Q4=relaxed --augment noise,stretch,shift,pitch \
    --name 4q --report training/reports/4q.md --extra-rows training/reports/4q_cnn.json \
    --export models/moodd-4q.safetensors --head-name mood "$@"
