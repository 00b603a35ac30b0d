"""
Fine-tuning musicnn's later layers for mood: the mid end's three convs and the back end's dense layer train
together with a linear head, in PyTorch, on the SAME artist-grouped outer folds as evaluate.py. The front end
stays frozen (and mostly dead: 64 of its 561 channels are computed), the batch norms keep the file's numbers,
so the trained weights go back into the same tensors of a moodd model file and the Swift engine runs them
unchanged.

    python=$(scripts/pyenv training/.venv-torch training/requirements.txt training/requirements-torch.txt)
    OMP_NUM_THREADS=2 $python training/finetune.py --dataset $MOODD_DATA/MER_audio_taffc_dataset --preset 4q \
        --augment noise,stretch,shift,pitch[,room --rooms $MOODD_CACHE/content] \
        --control --out training/reports/4q_finetune.json --report training/reports/4q_finetune.md \
        [--export OUT.safetensors]

Inputs are moodd's log-mel frames (`moodd features`, cached; augmented copies by augment.py --features, of
training clips only). Each outer fold holds out a fifth of its training ARTISTS as a validation set that picks
the backbone's learning rate and the number of epochs, then trains again on all its training clips with them;
the test fold is touched once, at the end. --parity checks the PyTorch forward pass against
`moodd embed` on real clips (original weights, and the exported fine-tuned file against `moodd classify`).
PyTorch is not on CI's path.
"""
import argparse
import copy
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import config
import dataset
from common import log
from mood_cv import clip_metrics, room_copy
from finetune_export import export, live_macs, parity
from finetune_report import table_row, write_report
from front_cache import FrontCache
from musicnn_torch import FrozenFrontEnd, LaterLayers, MusicnnTorch

BATCH = 32
PATCHES_PER_CLIP = 4        # random patches of one randomly drawn version (original or an augmented copy) per epoch
LR_BACKBONE = (3e-5, 1e-4, 3e-4)   # chosen per outer fold by the validation loss on held-out training artists
LR_HEAD = 1e-3
HEAD_WEIGHT_DECAY = 1e-3
DROPOUT = 0.5
MAX_EPOCHS = 30
PATIENCE = 5                # stop when the validation loss has not improved for this many epochs


class MoodNet(nn.Module):
    """later layers + dropout + a linear head on the 200-d penultimate"""

    def __init__(self, model, n_classes, seed):
        super().__init__()
        torch.manual_seed(seed)
        net = MusicnnTorch.from_file(model)
        self.later = LaterLayers(net, FrozenFrontEnd(net))
        self.drop = nn.Dropout(DROPOUT)
        self.head = nn.Linear(config.EMBED_DIM, n_classes)

    def forward(self, live_front):
        return self.head(self.drop(self.later(live_front)))

    def optimizer(self, lr_backbone=None):
        """Adam; the backbone frozen when lr_backbone is None"""
        groups = [{"params": self.head.parameters(), "lr": LR_HEAD, "weight_decay": HEAD_WEIGHT_DECAY}]
        if lr_backbone:
            groups.append({"params": [p for p in self.later.parameters() if p.requires_grad], "lr": lr_backbone,
                           "weight_decay": 0.0})
        return torch.optim.Adam(groups)


def clip_probabilities(net, fronts):
    """fronts: [patches, L, T] of each clip -> [(patch probabilities [patches, classes])]"""
    net.eval()
    out = []
    with torch.no_grad():
        for f in fronts:
            out.append(torch.softmax(net(torch.from_numpy(np.asarray(f, np.float32))), dim=1).numpy())
    return out


def clip_loss(probs, y):
    return float(np.mean([-np.log(max(p.mean(axis=0)[t], 1e-7)) for p, t in zip(probs, y)]))


def train(model, versions, y, train_idx, n_classes, seed, lr_backbone, val_idx=None, epochs=None):
    """versions[i]: {version: fronts [patches, L, T]} of clip i. With val_idx: -> (net at the epoch of least
    validation loss (clip = mean of patch probabilities), [(epoch, val loss, val macro-F1)]), stopping after
    PATIENCE epochs without improvement; without: -> (net after `epochs` epochs, [])."""
    from sklearn.metrics import f1_score
    rng = np.random.default_rng(seed)
    net = MoodNet(model, n_classes, seed)
    opt = net.optimizer(lr_backbone)
    val = [versions[i]["original"] for i in val_idx] if val_idx is not None else None
    best, best_loss, history, since = None, np.inf, [], 0
    for epoch in range(1, (epochs or MAX_EPOCHS) + 1):
        net.train()
        xs, ys = [], []
        for i in train_idx:
            names = list(versions[i])
            f = versions[i][names[rng.integers(len(names))]]
            for j in rng.choice(len(f), size=min(PATCHES_PER_CLIP, len(f)), replace=False):
                xs.append(f[j])
                ys.append(y[i])
        order = rng.permutation(len(xs))
        for b in range(0, len(order), BATCH):
            idx = order[b:b + BATCH]
            x = torch.from_numpy(np.stack([xs[k] for k in idx]).astype(np.float32))
            loss = F.cross_entropy(net(x), torch.from_numpy(np.array([ys[k] for k in idx])))
            opt.zero_grad()
            loss.backward()
            opt.step()
        if val is None:
            continue
        probs = clip_probabilities(net, val)
        vl = clip_loss(probs, y[val_idx])
        vf = f1_score(y[val_idx], [p.mean(axis=0).argmax() for p in probs], average="macro")
        history.append((epoch, round(vl, 4), round(float(vf), 4)))
        if vl < best_loss:
            best, best_loss, since = copy.deepcopy(net.state_dict()), vl, 0
        else:
            since += 1
            if since >= PATIENCE:
                break
    if best is not None:
        net.load_state_dict(best)
    return net, history


def choose_and_fit(model, versions, y, groups, idx, n_classes, seed, candidates):
    """the backbone learning rate (None: frozen) and the epoch count by validation loss on a fifth of idx's
    groups, then a fit on all of idx with them -> (net, choice dict)"""
    inner_tr, val = validation_split(idx, y, groups, seed)
    scores = {}
    for lr in candidates:
        _, history = train(model, versions, y, inner_tr, n_classes, seed, lr, val_idx=val)
        epoch, loss, f1 = min(history, key=lambda h: h[1])
        scores[lr] = {"epoch": epoch, "val_loss": loss, "val_f1": f1, "history": history}
        log(f"    lr {lr}: epoch {epoch}, val loss {loss:.3f}, F1 {f1:.3f}")
    lr = min(scores, key=lambda k: scores[k]["val_loss"])
    epochs = max(1, round(scores[lr]["epoch"] * len(idx) / len(inner_tr)))   # same number of steps per clip
    net, _ = train(model, versions, y, idx, n_classes, seed, lr, epochs=epochs)
    return net, {"lr_backbone": lr, "epochs": epochs,
                 "validation": {str(k): {a: b for a, b in v.items() if a != "history"} for k, v in scores.items()},
                 "history": {str(k): v["history"] for k, v in scores.items()}}


def validation_split(idx, y, groups, seed):
    """a fifth of idx's groups as validation, stratified: -> (train, val)"""
    tr, va = dataset.grouped_folds(y[idx], groups[idx], 5, seed)[0]
    return idx[tr], idx[va]


def fold_metrics(probs, yt, labels):
    m, pred, _ = clip_metrics(probs, yt, labels)
    return m, pred


def room_path(root, variant, clip):
    """a 4Q clip's copy through a room, as content_corpus.py --rooms writes it"""
    path, _ = room_copy(root, variant, "4q", clip)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no {variant} room copy of clip {clip.id} (make them: content_corpus.py --rooms)")
    return path


def load_versions(clips, cache, kinds, log_every=100):
    versions = []
    for n, c in enumerate(clips):
        versions.append({"original": cache(c, "original"), **{k: cache(c, k) for k in kinds}})
        if (n + 1) % log_every == 0:
            log(f"  front end: {n + 1}/{len(clips)} clips")
    return versions


def score_fold(net, versions, te, y, labels, test_rooms=None):
    """the test clips' metrics, clean; with test_rooms (the clips' copies through a test room, never trained
    on) also "room_f1" and "room_loss" (clean macro-F1 minus the room's)"""
    m, _ = fold_metrics(clip_probabilities(net, [versions[i]["original"] for i in te]), y[te], labels)
    if test_rooms is not None:
        room, _ = fold_metrics(clip_probabilities(net, [test_rooms[i] for i in te]), y[te], labels)
        m["room_f1"], m["room_loss"] = room["f1"], m["f1"] - room["f1"]
    return m


def cross_validate(model, versions, y, groups, labels, seed, candidates, test_rooms=None):
    folds = dataset.grouped_folds(y, groups, config.OUTER_FOLDS, seed)
    rows, choices = [], []
    for k, (tr, te) in enumerate(folds):
        t0 = time.time()
        net, choice = choose_and_fit(model, versions, y, groups, tr, len(labels), seed + k, candidates)
        m = score_fold(net, versions, te, y, labels, test_rooms)
        m["lr_backbone"], m["epochs"] = choice["lr_backbone"], choice["epochs"]
        rows.append(m)
        choices.append(choice)
        log(f"  fold {k + 1}: acc {m['accuracy']:.3f} F1 {m['f1']:.3f} patch {m['patch_accuracy']:.3f} "
            + (f"room F1 {m['room_f1']:.3f} " if "room_f1" in m else "")
            + f"lr {m['lr_backbone']} epochs {m['epochs']} ({time.time() - t0:.0f} s)")
    return rows, choices


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    dataset.add_arguments(ap)
    ap.add_argument("--model", default=config.BACKBONE_MODEL)
    ap.add_argument("--augment", default="", help="augmented copies for training clips: noise,stretch,shift,pitch, "
                    "room (the copy through a training room in --rooms), room1, room2, ...: copies through further "
                    "training rooms (augment.py)")
    ap.add_argument("--rooms", help="content_corpus.py's --out folder: its copies of the clips through a test room "
                    "are scored (the room columns), never trained on; its training-room copies with --augment room")
    ap.add_argument("--out", required=True, help="JSON: table rows for evaluate.py's report, per-fold figures")
    ap.add_argument("--control", action="store_true", help="also the same training with the backbone frozen")
    ap.add_argument("--export", help="also train on all clips (epoch picked on held-out artists) and write it here")
    ap.add_argument("--lr-backbone", default=",".join(map(str, LR_BACKBONE)),
                    help="the backbone learning rates the validation loss chooses from (one: no choice)")
    ap.add_argument("--front", choices=("moodd", "torch"), default="moodd",
                    help="what computes the frozen front end once per patch (front_cache.py)")
    ap.add_argument("--parity", type=int, default=3, help="clips for the PyTorch-vs-moodd check (0: none)")
    ap.add_argument("--report", help="also write the Markdown page here")
    args = ap.parse_args()
    command = "python training/finetune.py " + " ".join(sys.argv[1:])
    from common import git_commit
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))

    clips, labels, y = dataset.load_from_args(args)
    groups = np.array([c.group for c in clips])
    key = os.path.basename(os.path.normpath(args.dataset))
    kinds = [k for k in args.augment.split(",") if k]
    try:
        lr_backbone = [float(v) for v in args.lr_backbone.split(",")]
    except ValueError:
        ap.error(f"--lr-backbone {args.lr_backbone}: not a comma-separated list of numbers")
    if "room" in kinds and not args.rooms:
        ap.error("--augment room: the training-room copies are content_corpus.py's; give its folder with --rooms")
    result = {"commit": git_commit(), "model": os.path.basename(args.model), "augment": kinds, "rooms": bool(args.rooms), "front": args.front,
              "settings": {"batch": BATCH, "patches_per_clip_per_epoch": PATCHES_PER_CLIP, "lr_backbone": lr_backbone,
                           "lr_head": LR_HEAD, "head_weight_decay": HEAD_WEIGHT_DECAY, "dropout": DROPOUT,
                           "max_epochs": MAX_EPOCHS, "patience": PATIENCE},
              "rows": [], "folds": {}}
    if args.parity:
        result["parity"] = parity(args.model, clips[::len(clips) // args.parity], n=args.parity)
        result["parity"]["clips"] = args.parity
        log(f"parity (original weights): {result['parity']}")
        worst = max(result["parity"]["penultimate_pruned"], result["parity"]["front"])
        if worst > 1e-3:
            sys.exit(f"{args.model}: PyTorch and moodd disagree by {worst:.2g}")
    net = MusicnnTorch.from_file(args.model)
    cache = FrontCache(args.model, FrozenFrontEnd(net), key, engine=args.front)
    t0 = time.time()
    versions = load_versions(clips, cache, [k for k in kinds if k != "room"])
    test_rooms = None
    if args.rooms:
        if "room" in kinds:
            for v, c in zip(versions, clips):
                v["room"] = cache(c, "room", room_path(args.rooms, "train", c))
        test_rooms = [cache(c, "test-room", room_path(args.rooms, "test", c)) for c in clips]
    log(f"front end of {len(clips)} clips x {1 + len(kinds) + bool(args.rooms)} versions: {time.time() - t0:.0f} s")

    aug = f", augmented ({'+'.join(kinds)})" if kinds else ""
    for freeze in ([False, True] if args.control else [False]):
        name = ("musicnn frozen, linear head trained by Adam" if freeze else
                "musicnn fine-tuned: mid end + back-end dense + linear head") + aug
        log(name)
        t0 = time.time()
        rows, choices = cross_validate(args.model, versions, y, groups, labels, config.SEED,
                                       [None] if freeze else lr_backbone, test_rooms)
        row, stats = table_row(name + (" (epochs" if freeze else " (learning rate and epochs")
                               + " by validation loss on held-out training artists)", rows)
        result["rows"].append(row)
        result["folds"][name] = {"folds": rows, "stats": stats, "choices": choices,
                                 "minutes": round((time.time() - t0) / 60, 1)}
        print(row, flush=True)
    if args.export:
        net, choice = choose_and_fit(args.model, versions, y, groups, np.arange(len(clips)), len(labels),
                                     config.SEED, lr_backbone)
        ft = result["folds"][next(iter(result["folds"]))]["stats"]
        info = {"name": "mood", "input": "penultimate", "dataset": f"{key} ({len(clips)} clips, grouped by "
                f"{args.group_column})", "head": "linear, fine-tuned with the mid end and back-end dense",
                "augmentation": ",".join(kinds),
                "cv": {"protocol": f"{config.OUTER_FOLDS}-fold CV grouped by {args.group_column}; learning rate "
                                   "and epochs by validation loss on a fifth of the training artists, then a fit on "
                                   "all training clips; clip = mean of patch probabilities",
                       **{k: [round(v[0], 4), round(v[1], 4)] for k, v in ft.items()}}}
        if all(l in config.VALENCE for l in labels):
            info["valence"] = [config.VALENCE[l] for l in labels]
            info["arousal"] = [config.AROUSAL[l] for l in labels]
        export(net, args.model, labels, info, args.export, result["commit"])
        inside = os.path.abspath(args.export).startswith(config.REPO + os.sep)
        result["export"] = {"file": os.path.relpath(args.export, config.REPO) if inside else args.export, "choice": choice,
                            "macs_mid_back_head": live_macs(net)}
        if args.parity:
            result["export"]["parity"] = parity(args.model, clips[::len(clips) // args.parity], args.export, net,
                                                n=args.parity)
            log(f"parity (exported): {result['export']['parity']}")
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    if args.report:
        write_report(result, args.report, command)


if __name__ == "__main__":
    main()
