#!/usr/bin/env bash
# Regenerates the 4-quadrant evaluation and the shipped mood model, from scratch or from the cache:
#   training/reports/4q.md (+ 4q_confusion.png, 4q.json; 4q_curves.png unless --no-curve) and models/moodd-4q.safetensors
#
#   MOODD_DATA=DIR MOODD_CACHE=DIR training/run_4q.sh     (config.py documents both; MOODD= a binary)
#       DIR/MER_audio_taffc_dataset   the 4Q set (Famelgas/MULT_TP2)
#       DIR/musifeast17               MUSIFEAST-17 (HazelvdW/MUSIFEAST-17): other music with listeners' ratings,
#                                     which tells near-equal heads apart (evaluate.py --validation)
#       $MOODD_CACHE/content/rooms    every 4Q clip through a training and a test room: made by run_content.sh
#                                     (content_corpus.py --rooms), which this run therefore needs first
#
# Embeddings (and those of augmented and room copies) are cached under $MOODD_CACHE/embed: a rerun costs
# minutes; from nothing, the 4Q clips and their 4 augmented copies take ~1 h on 2 cores, the CV ~1 h.
# Two sets of extra rows, each made by its own script and included when present:
#   training/reports/4q_backbones.json  compare_backbones.py (MTT_musicnn instead of / with MSD_musicnn,
#                                       penultimate and pooled inputs, late fusions; also 4q_backbones.md),
#                                       run here when the MTT model file exists ($MOODD_CACHE/models/)
#   training/reports/4q_cnn.json        cnn_baseline.py (PyTorch, its own venv; see its docstring)
#   training/reports/4q_finetune.json   finetune.py (PyTorch, its own venv; also 4q_finetune.md; see its docstring)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MOODD_DATA:?set MOODD_DATA to the folder of the fetched datasets}"
export MOODD_CACHE=${MOODD_CACHE:?set MOODD_CACHE to a folder outside the repository for embeddings}
DATA=$MOODD_DATA/MER_audio_taffc_dataset
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1   # shared CPUs: one core per process
python=$(scripts/pyenv training/.venv training/requirements.txt training/requirements-train.txt)
[[ -n "${MOODD:-}" || -x .build/release/moodd ]] || swift build -c release --product moodd
MTT=$MOODD_CACHE/models/mtt_musicnn.safetensors
if [[ -f "$MTT" && "$*" != *--embed-only* ]]; then
    "$python" training/compare_backbones.py --dataset "$DATA" --preset 4q --other "$MTT" --out training/reports/4q_backbones.json
fi
exec "$python" training/evaluate.py --dataset "$DATA" --preset 4q \
    --augment noise,stretch,shift,pitch --layer penultimate,pooled \
    --rooms "$MOODD_CACHE/content" --validation "$MOODD_DATA/musifeast17" \
    --name 4q --report training/reports/4q.md --extra-rows training/reports/4q_backbones.json training/reports/4q_cnn.json training/reports/4q_finetune.json \
    --export models/moodd-4q.safetensors --head-name mood "$@"
