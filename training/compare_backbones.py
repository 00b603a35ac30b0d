"""
Does a second musicnn backbone help? MSD_musicnn (shipped) vs MTT_musicnn (same architecture, trained on
MagnaTagATune), alone, concatenated, and as a late fusion (mean of the two heads' clip probabilities), all with
logistic-regression heads chosen by the same nested grouped CV as evaluate.py, on the same folds, no
augmentation. Writes table rows (JSON) that evaluate.py adds to its report (--extra-rows).

    python training/convert_musicnn.py --wheel musicnn-0.1.0-py3-none-any.whl --backbone MTT_musicnn \
        --out $MOODD_CACHE/models/mtt_musicnn.safetensors
    python training/compare_backbones.py --dataset ... (as evaluate.py) --other $MOODD_CACHE/models/mtt_musicnn.safetensors \
        --out training/reports/4q_backbones.json
"""
import argparse
import json
import os

import numpy as np

import config
import dataset
import evaluate
import heads
from embed import Embedder

def row(name, folds):
    keys = ("accuracy", "precision", "recall", "f1", "patch_accuracy", "arousal", "valence")
    cells = []
    for k in keys:
        v = [f[k] for f in folds if k in f]
        cells.append(f"{100 * np.mean(v):.1f} ± {100 * np.std(v):.1f}" if len(v) == len(folds) else "–")
    return f"| {name} | " + " | ".join(cells) + " |"

def fused_folds(a, b, y, labels):
    """metrics of the mean of two runs' clip probabilities, fold by fold (same folds)"""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support
    out = []
    for te in a["fold_index"]:
        p = (a["proba"][te] + b["proba"][te]) / 2
        pred = p.argmax(axis=1)
        pr, rc, f1, _ = precision_recall_fscore_support(y[te], pred, average="macro", zero_division=0)
        m = {"accuracy": accuracy_score(y[te], pred), "precision": pr, "recall": rc, "f1": f1}
        for axis, table in (("arousal", config.AROUSAL), ("valence", config.VALENCE)):
            if all(l in table for l in labels):
                sign = np.array([table[l] for l in labels])
                m[axis] = accuracy_score(sign[y[te]] > 0, p[:, sign > 0].sum(axis=1) > 0.5)
        out.append(m)
    return out

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    dataset.add_arguments(ap)
    ap.add_argument("--other", required=True, help="the second backbone's model file")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    clips, labels, y = dataset.load_from_args(args)
    groups = np.array([c.group for c in clips])
    key = evaluate.dataset_key(args.dataset)
    lr = [c for c in heads.candidates() if c[0] == "lr"]
    a_emb = evaluate.embed_clips(clips, Embedder(config.BACKBONE_MODEL), key)
    b_emb = evaluate.embed_clips(clips, Embedder(args.other), key)
    if any(e is None for e in a_emb + b_emb):
        raise SystemExit("a clip without patches")
    name_a = "MSD_musicnn"
    name_b = os.path.splitext(os.path.basename(args.other))[0].replace("_musicnn", "").upper() + "_musicnn"
    a = evaluate.cross_validate(a_emb, y, groups, labels, None, lr, config.SEED, tag=name_a)
    b = evaluate.cross_validate(b_emb, y, groups, labels, None, lr, config.SEED, tag=name_b)
    cat = [np.hstack([p, q]) for p, q in zip(a_emb, b_emb)]
    c = evaluate.cross_validate(cat, y, groups, labels, None, lr, config.SEED, tag="concat")
    rows = [row(f"LR only, no augmentation, {name_b} backbone instead (1.4 GMAC)", b["folds"]),
            row(f"LR only, no augmentation, {name_a} + {name_b} penultimates concatenated (400-d, 2.8 GMAC)",
                c["folds"]),
            row(f"LR only, no augmentation, late fusion: mean of the {name_a} and {name_b} heads' clip "
                f"probabilities (2.8 GMAC)", fused_folds(a, b, y, labels))]
    with open(args.out, "w") as f:
        json.dump({"rows": rows}, f, indent=1)
    print("\n".join(rows))

if __name__ == "__main__":
    main()
