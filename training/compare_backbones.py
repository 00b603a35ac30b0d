"""
Routes beyond the shipped head, on the same folds: a second musicnn backbone (MTT_musicnn, trained on
MagnaTagATune) and a wider input (the back end's pooled input, `moodd embed --layer pooled`: max and mean
over time of the 753 mid-end channels, instead of the 200-d penultimate embedding). For each backbone and
input alone, the two backbones' penultimates concatenated, and late fusions (the mean of several heads'
clip probabilities); all with logistic-regression heads chosen by the same nested grouped CV as
evaluate.py, no augmentation. Writes table rows (JSON) that evaluate.py adds to its report (--extra-rows)
and a markdown page of its own next to them.

    python training/convert_musicnn.py --wheel musicnn-0.1.0-py3-none-any.whl --backbone MTT_musicnn \
        --out $MOODD_CACHE/models/mtt_musicnn.safetensors
    python training/compare_backbones.py --dataset ... (as evaluate.py) --other $MOODD_CACHE/models/mtt_musicnn.safetensors \
        --out training/reports/4q_backbones.json
"""
import argparse
import datetime
import json
import os
import sys

import numpy as np

import config
import dataset
import mood_cv
from common import git_commit, portable
from embed import Embedder

# the comparison's grid for the logistic regression's C: config.LR_C and one step stronger, because the
# pooled input (hundreds of live dimensions) is chosen at the grid's strong end by the inner CV
LR_C = (0.001,) + tuple(config.LR_C)

def row(name, folds):
    keys = ("accuracy", "precision", "recall", "f1", "patch_accuracy", "arousal", "valence")
    cells = []
    for k in keys:
        v = [f[k] for f in folds if k in f]
        cells.append(f"{100 * np.mean(v):.1f} ± {100 * np.std(v):.1f}" if len(v) == len(folds) else "–")
    return f"| {name} | " + " | ".join(cells) + " |"

def fused_folds(runs, y, labels):
    """metrics of the mean of several runs' clip probabilities, fold by fold (same folds)"""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support
    out = []
    for te in runs[0]["fold_index"]:
        p = sum(r["proba"][te] for r in runs) / len(runs)
        pred = p.argmax(axis=1)
        pr, rc, f1, _ = precision_recall_fscore_support(y[te], pred, average="macro", zero_division=0)
        m = {"accuracy": accuracy_score(y[te], pred), "precision": pr, "recall": rc, "f1": f1}
        for axis, table in (("arousal", config.AROUSAL), ("valence", config.VALENCE)):
            if all(l in table for l in labels):
                sign = np.array([table[l] for l in labels])
                m[axis] = accuracy_score(sign[y[te]] > 0, p[:, sign > 0].sum(axis=1) > 0.5)
        out.append(m)
    return out

def backbone_name(path):
    base = os.path.splitext(os.path.basename(path))[0]
    return "MSD_musicnn" if path == config.BACKBONE_MODEL else base.replace("_musicnn", "").upper() + "_musicnn"

def write_markdown(path, command, rows, n_clips):
    header = ("| route | accuracy | macro-P | macro-R | macro-F1 | 3-s patch acc | arousal | valence |\n"
              "|---|---|---|---|---|---|---|---|")
    text = f"""# 4q: other backbones and inputs

Regenerate: `{portable(command)}`
Written by `training/compare_backbones.py` on {datetime.date.today().isoformat()} at commit {git_commit()}.

- {n_clips} clips, 5-fold CV stratified and grouped by artist, seed {config.SEED}: the folds of `4q.md`.
- Heads: logistic regression per 3-s patch, C ∈ {list(LR_C)} chosen by an inner grouped
  {config.INNER_FOLDS}-fold CV; inputs standardised, dead (constant) inputs dropped; no augmentation;
  a clip's prediction is the mean of its patch probabilities. Late fusion: the mean of several heads'
  clip probabilities.
- Inputs: `penultimate` (200-d, `moodd embed`) or `pooled` (`moodd embed --layer pooled`: max and mean
  over time of the 753 mid-end channels, 1506-d, of which those that vary are used).
- Cost per 3-s patch: one backbone 1.4 G multiply-accumulates, two 2.8 G; the heads are negligible.

{header}
""" + "\n".join(rows) + "\n"
    with open(path, "w") as f:
        f.write(text)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    dataset.add_arguments(ap)
    ap.add_argument("--other", required=True, help="the second backbone's model file")
    ap.add_argument("--out", required=True, help="rows as JSON; the markdown page goes next to it (.md)")
    args = ap.parse_args()
    command = "python " + " ".join([os.path.relpath(__file__, config.REPO)] + [
        os.path.relpath(a, config.REPO) if a.startswith(config.REPO) else a for a in sys.argv[1:]])
    clips, labels, y = dataset.load_from_args(args)
    groups = np.array([c.group for c in clips])
    key = mood_cv.dataset_key(args.dataset)
    lr = [("lr", c) for c in LR_C]
    models = {backbone_name(m): m for m in (config.BACKBONE_MODEL, args.other)}
    emb, runs = {}, {}
    for name, model in models.items():
        for layer in ("penultimate", "pooled"):
            emb[name, layer] = mood_cv.embed_clips(clips, Embedder(model, layer=layer), key)
            if any(e is None for e in emb[name, layer]):
                raise SystemExit("a clip without patches")
            runs[name, layer] = mood_cv.cross_validate(emb[name, layer], y, groups, labels, None, lr, config.SEED,
                                                        tag=f"{name} {layer}")
    (a, b) = models
    cat = [np.hstack([p, q]) for p, q in zip(emb[a, "penultimate"], emb[b, "penultimate"])]
    concat = mood_cv.cross_validate(cat, y, groups, labels, None, lr, config.SEED, tag="concat")
    cost = {1: "1.4 GMAC", 2: "2.8 GMAC"}
    rows = [row(f"LR only, no augmentation, {name} {layer} (C down to 0.001; {cost[1]})", r["folds"])
            for (name, layer), r in runs.items()]
    rows.append(row(f"LR only, no augmentation, {a} + {b} penultimates concatenated (400-d, {cost[2]})",
                    concat["folds"]))
    rows.append(row(f"late fusion: {a} penultimate + pooled heads ({cost[1]})",
                    fused_folds([runs[a, "penultimate"], runs[a, "pooled"]], y, labels)))
    for layer in ("penultimate", "pooled"):
        rows.append(row(f"late fusion: {a} + {b} {layer} heads ({cost[2]})",
                        fused_folds([runs[a, layer], runs[b, layer]], y, labels)))
    rows.append(row(f"late fusion: all four heads, both backbones x both inputs ({cost[2]})",
                    fused_folds(list(runs.values()), y, labels)))
    with open(args.out, "w") as f:
        json.dump({"rows": rows}, f, indent=1)
    write_markdown(os.path.splitext(args.out)[0] + ".md", command, rows, len(clips))
    print("\n".join(rows))

if __name__ == "__main__":
    main()
