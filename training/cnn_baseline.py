"""
The seeds' own approach as a baseline: a 4-layer CNN trained from scratch on log-mel spectrograms
(5x5 kernels, 256-256-128-64 channels, each followed by ReLU and 2x2 max pooling, dropout, a dense
classifier; Adam, lr 1e-3, cross-entropy), on the SAME grouped folds as evaluate.py, with the same clip
aggregation (mean of 3-s patch probabilities). Writes a JSON row that evaluate.py puts in its table.

    python=$(scripts/pyenv training/.venv-torch training/requirements.txt training/requirements-torch.txt)
    OMP_NUM_THREADS=1 $python training/cnn_baseline.py --dataset $MOODD_DATA/MER_audio_taffc_dataset --preset 4q \
        --width 0.25 --minutes 25 --out training/reports/4q_cnn.json

Features are moodd's (`moodd features`, cached under $MOODD_CACHE/features). PyTorch is not on CI's path.
At full width a training step costs ~1.25 s per patch on one CPU core here (8.4 G multiply-accumulates
forward): --width scales every layer's channels; --minutes bounds the run (epochs = what fits, same for every fold).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

import config
import dataset
from embed import cached_features, features_path

CHANNELS = (256, 256, 128, 64)
KERNEL = 5
DROPOUT = 0.5
DENSE = 128
LR = 1e-3
BATCH = 16

class SeedCNN(nn.Module):
    def __init__(self, n_classes, width=1.0, mels=96, frames=config.PATCH_FRAMES):
        super().__init__()
        layers, cin = [], 1
        for c in (max(1, round(c * width)) for c in CHANNELS):
            layers += [nn.Conv2d(cin, c, KERNEL, padding=KERNEL // 2), nn.ReLU(), nn.MaxPool2d(2)]
            cin = c
        self.features = nn.Sequential(*layers)
        flat = cin * (mels // 16) * (frames // 16)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(DROPOUT), nn.Linear(flat, DENSE), nn.ReLU(),
                                        nn.Dropout(DROPOUT), nn.Linear(DENSE, n_classes))

    def forward(self, x):                       # x [batch, 1, mels, frames]
        return self.classifier(self.features(x))

def macs(width, mels=96, frames=config.PATCH_FRAMES):
    total, cin, h, w = 0, 1, mels, frames
    for c in (max(1, round(c * width)) for c in CHANNELS):
        total += h * w * cin * c * KERNEL * KERNEL
        cin, h, w = c, h // 2, w // 2
    return total + cin * h * w * DENSE

def load_features(clips, key):
    return [cached_features(c.path, features_path(c, key)).T.copy() for c in clips]   # [96 mels, frames]

def patches(mel, hop=config.HOP_FRAMES):
    n = config.PATCH_FRAMES
    starts = range(0, max(mel.shape[1] - n, 0) + 1, hop)
    return np.stack([mel[:, s:s + n] for s in starts])

def run_fold(feats, y, train, test, n_classes, width, epochs, seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    mu = float(np.mean([feats[i].mean() for i in train]))
    sd = float(np.mean([feats[i].std() for i in train]))
    model = SeedCNN(n_classes, width)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(train)
        for b in range(0, len(order), BATCH):
            idx = order[b:b + BATCH]
            crops = []
            for i in idx:                       # one random 3-s crop per clip per epoch
                s = rng.integers(0, feats[i].shape[1] - config.PATCH_FRAMES + 1)
                crops.append(feats[i][:, s:s + config.PATCH_FRAMES])
            x = torch.from_numpy((np.stack(crops)[:, None] - mu) / sd).float()
            loss = nn.functional.cross_entropy(model(x), torch.from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    clip_p, patch_ok = [], []
    with torch.no_grad():
        for i in test:
            x = torch.from_numpy((patches(feats[i])[:, None] - mu) / sd).float()
            p = torch.softmax(model(x), dim=1).numpy()
            clip_p.append(p.mean(axis=0))
            patch_ok += list(p.argmax(axis=1) == y[i])
    return np.array(clip_p), float(np.mean(patch_ok))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    dataset.add_arguments(ap)
    ap.add_argument("--width", type=float, default=1.0, help="channel multiplier (1 = 256-256-128-64)")
    ap.add_argument("--epochs", type=int, default=30, help="at most this many epochs per fold")
    ap.add_argument("--minutes", type=float, default=None, help="time budget for all folds")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    clips, labels, y = dataset.load_from_args(args)
    groups = np.array([c.group for c in clips])
    feats = load_features(clips, os.path.basename(os.path.normpath(args.dataset)))
    folds = dataset.grouped_folds(y, groups, config.OUTER_FOLDS, config.SEED)

    epochs = args.epochs
    if args.minutes:                            # time one epoch of the first fold, then fit the budget
        t0 = time.time()
        run_fold(feats, y, folds[0][0][:64], folds[0][1][:8], len(labels), args.width, 1, config.SEED)
        per_epoch = (time.time() - t0) * len(folds[0][0]) / 64
        epochs = max(1, min(args.epochs, int(args.minutes * 60 / (per_epoch * len(folds)) - 0.3)))
        print(f"~{per_epoch:.0f} s per epoch per fold -> {epochs} epochs", file=sys.stderr, flush=True)

    rows, t0 = [], time.time()
    for k, (tr, te) in enumerate(folds):
        p, patch_acc = run_fold(feats, y, tr, te, len(labels), args.width, epochs, config.SEED)
        pred = p.argmax(axis=1)
        pr, rc, f1, _ = precision_recall_fscore_support(y[te], pred, average="macro", zero_division=0)
        m = {"accuracy": accuracy_score(y[te], pred), "precision": pr, "recall": rc, "f1": f1,
             "patch_accuracy": patch_acc}
        if all(l in config.AROUSAL for l in labels):
            for axis, table in (("arousal", config.AROUSAL), ("valence", config.VALENCE)):
                sign = np.array([table[l] for l in labels])
                m[axis] = accuracy_score(sign[y[te]] > 0, p[:, sign > 0].sum(axis=1) > 0.5)
        rows.append(m)
        print(f"fold {k + 1}: acc {m['accuracy']:.3f} F1 {m['f1']:.3f} ({time.time() - t0:.0f} s)",
              file=sys.stderr, flush=True)
    keys = list(rows[0])
    stats = {k: [float(np.mean([r[k] for r in rows])), float(np.std([r[k] for r in rows]))] for k in keys}
    chans = "-".join(str(max(1, round(c * args.width))) for c in CHANNELS)
    name = (f"CNN from scratch on log-mel ({chans} ch, {epochs} epochs, {macs(args.width) / 1e9:.2f} GMAC/patch)")
    row = f"| {name} | " + " | ".join(f"{100 * stats[k][0]:.1f} ± {100 * stats[k][1]:.1f}" for k in keys) + " |"
    with open(args.out, "w") as f:
        json.dump({"rows": [row], "stats": stats, "epochs": epochs, "width": args.width, "channels": chans,
                   "macs_per_patch": macs(args.width), "full_width_macs_per_patch": macs(1.0),
                   "minutes": round((time.time() - t0) / 60, 1), "batch": BATCH, "lr": LR, "dropout": DROPOUT,
                   "crops": "one random 3-s crop per training clip per epoch; test = mean over patches at hop 93"},
                  f, indent=1)
    print(row)

if __name__ == "__main__":
    main()
