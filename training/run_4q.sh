#!/usr/bin/env bash
# Regenerates the 4-quadrant evaluation and the shipped mood model, from scratch or from the cache:
#   training/reports/4q.md (+ 4q_confusion.png, 4q_curves.png, 4q.json) and models/moodd-4q.safetensors
#
#   training/run_4q.sh                 DATA=... MOODD_CACHE=... MOODD=... override the defaults
#
# Embeddings (and those of augmented copies) are cached under $MOODD_CACHE/embed: a rerun costs minutes.
# Two sets of extra rows, each made by its own script and included when present:
#   training/reports/4q_backbones.json  compare_backbones.py (MTT_musicnn instead of / with MSD_musicnn,
#                                       penultimate and pooled inputs, late fusions; also 4q_backbones.md),
#                                       run here when the MTT model file exists ($MOODD_CACHE/models/)
#   training/reports/4q_cnn.json        cnn_baseline.py (PyTorch, its own venv; see its docstring)
#   training/reports/4q_finetune.json   finetune.py (PyTorch, its own venv; also 4q_finetune.md; see its docstring)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-/work/data/MER_audio_taffc_dataset}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1   # shared CPUs: one core per process
python=$(scripts/pyenv training/.venv training/requirements.txt training/requirements-train.txt)
[[ -n "${MOODD:-}" || -x .build/release/moodd ]] || swift build -c release --product moodd
MTT=${MOODD_CACHE:-/work/data/cache}/models/mtt_musicnn.safetensors
if [[ -f "$MTT" && "$*" != *--embed-only* ]]; then
    "$python" training/compare_backbones.py --dataset "$DATA" \
        --metadata "$DATA/panda_dataset_taffc_metadata.csv" --id-column Song --group-column Artist \
        --labels Q1=happy,Q2=angry,Q3=sad,Q4=relaxed --other "$MTT" --out training/reports/4q_backbones.json
fi
exec "$python" training/evaluate.py --dataset "$DATA" \
    --metadata "$DATA/panda_dataset_taffc_metadata.csv" --id-column Song --group-column Artist \
    --labels Q1=happy,Q2=angry,Q3=sad,Q4=relaxed --augment noise,stretch,shift,pitch --layer penultimate,pooled \
    --name 4q --report training/reports/4q.md --extra-rows training/reports/4q_backbones.json training/reports/4q_cnn.json training/reports/4q_finetune.json \
    --export models/moodd-4q.safetensors --head-name mood "$@"
