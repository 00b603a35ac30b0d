"""
Cross-validated evaluation of mood heads on moodd's embeddings, the report, and the shipped head.

    python training/evaluate.py --dataset /work/data/MER_audio_taffc_dataset \
        --metadata .../panda_dataset_taffc_metadata.csv --id-column Song --group-column Artist \
        --labels Q1=happy,Q2=angry,Q3=sad,Q4=relaxed --augment noise,stretch,shift,pitch \
        --name 4q --report training/reports/4q.md --export models/moodd-4q.safetensors

Protocol (what the report states):
- outer k-fold CV, stratified and GROUPED (artist / speaker): no group on both sides of a fold;
- inside each outer training set, an inner grouped CV picks the head (kind and regularisation, and the
  backbone activation it reads when --layer names several) by clip-level macro-F1; nothing about the test
  fold is used for any choice;
- heads are trained per 3-s patch (each patch carries its clip's label); augmented copies of a clip join a
  training set only when the clip itself is in it;
- a clip's prediction is the mean of its patch probabilities (the offline equivalent of the daemon's EMA);
- the exported head is then chosen and trained the same way on the whole dataset.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time

import numpy as np

import config
import dataset
import heads
from embed import Embedder

def log(*a):
    print(*a, file=sys.stderr, flush=True)

# -----------------------------------------------------------------------------
# embeddings of the clips and of their augmented copies

def dataset_key(root):
    return os.path.basename(os.path.normpath(root))

def embed_clips(clips, embedder, key):
    """[embedding per clip]; None for a clip the binary gives no patch (shorter than 3 s)"""
    out, t0 = [], time.time()
    for n, c in enumerate(clips):
        label_dir = os.path.basename(os.path.dirname(c.path))
        try:
            out.append(embedder(c.path, f"{key}/{label_dir}/{c.id}"))
        except ValueError as e:
            log(f"  skipped: {e}")
            out.append(None)
        if (n + 1) % 100 == 0:
            log(f"  embedded {n + 1}/{len(clips)} ({time.time() - t0:.0f} s)")
    return out

def embed_augmented(clips, embedder, key, kinds):
    """{kind: [embedding per clip]}: augmented audio goes through a WAV (deleted once embedded) and the binary"""
    import augment
    out, t0 = {k: [None] * len(clips) for k in kinds}, time.time()
    for n, c in enumerate(clips):
        label_dir = os.path.basename(os.path.dirname(c.path))
        keys = {k: f"{key}/aug/{k}/{label_dir}/{c.id}" for k in kinds}
        missing = [k for k in kinds if not os.path.exists(embedder.cache_path(keys[k]))]
        wavs = augment.make_augmented(c, missing, key) if missing else {}
        for k in kinds:
            out[k][n] = embedder(wavs.get(k), keys[k])
            if k in wavs:
                os.remove(wavs[k])
        if (n + 1) % 50 == 0:
            log(f"  augmented {n + 1}/{len(clips)} ({time.time() - t0:.0f} s)")
    return out

# -----------------------------------------------------------------------------
# nested cross-validation

def patches_of(idx, emb, y, aug=None):
    """training matrix: every patch of every clip in idx (and of its augmented copies) -> (x, y)"""
    xs, ys = [], []
    for i in idx:
        for e in [emb[i]] + [a[i] for a in (aug or {}).values()]:
            xs.append(e)
            ys.append(np.full(len(e), y[i]))
    return np.concatenate(xs), np.concatenate(ys)

def macro_f1(y_true, y_pred):
    from sklearn.metrics import f1_score
    return f1_score(y_true, y_pred, average="macro", zero_division=0)

def choose_and_fit(idx, emb, y, groups, n_classes, aug, cands, seed, always_score=False):
    """inner grouped CV over idx picks a candidate by clip-level macro-F1; fit it on all of idx.
    -> (head, chosen candidate, {candidate: mean inner F1}); one candidate is not scored unless always_score"""
    scores = {c: [] for c in cands}
    if len(cands) > 1 or always_score:
        for tr, va in dataset.grouped_folds(y[idx], groups[idx], config.INNER_FOLDS, seed):
            x_tr, y_tr = patches_of(idx[tr], emb, y, aug)
            for c in cands:
                head = heads.fit_head(x_tr, y_tr, n_classes, *c, seed=seed)
                pred = [np.argmax(heads.clip_probabilities(head, emb[i])) for i in idx[va]]
                scores[c].append(macro_f1(y[idx[va]], pred))
    mean = {c: float(np.mean(s)) if s else float("nan") for c, s in scores.items()}
    best = max(cands, key=lambda c: mean[c]) if len(cands) > 1 else cands[0]
    x, yy = patches_of(idx, emb, y, aug)
    return heads.fit_head(x, yy, n_classes, *best, seed=seed), best, mean

def as_layers(emb, aug):
    """emb: [per clip] or {layer: [per clip]}; aug: None, {kind: [...]} or {layer: {kind: [...]}}
    -> ({layer: emb}, {layer: aug or None}); a plain list is the one layer None"""
    if isinstance(emb, dict):
        return emb, {layer: (aug or {}).get(layer) for layer in emb}
    return {None: emb}, {None: aug}

def choose_input_and_fit(idx, embs, y, groups, n_classes, augs, cands, seed):
    """choose_and_fit on each layer's input (embs {layer: [per clip]}, augs {layer: aug}); the layer whose
    chosen candidate scores best in the inner CV wins (the same folds for every layer).
    -> (layer, head, candidate, {(layer, candidate): mean inner F1})"""
    best, scores = None, {}
    for layer, emb in embs.items():
        head, cand, inner = choose_and_fit(idx, emb, y, groups, n_classes, augs[layer], cands, seed,
                                           always_score=len(embs) > 1)
        scores.update({(layer, c): f for c, f in inner.items()})
        if best is None or inner[cand] > scores[best[0], best[2]]:
            best = (layer, head, cand)
    return best + (scores,)

def describe(layer, cand):
    """'lr 0.003', or 'pooled lr 0.003' when the layer was chosen too (layer None: one input only)"""
    return (f"{layer} " if layer else "") + f"{cand[0]} {cand[1]:g}"

def fold_metrics(head, test_idx, emb, y, labels):
    """clip-level and patch-level predictions of one test fold"""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support
    clip_p, patch_true, patch_pred, listen = [], [], [], {n: [] for n in config.LISTEN_PATCHES}
    for i in test_idx:
        p = heads.head_forward(head, emb[i])               # [patches, classes]
        clip_p.append(p.mean(axis=0))
        patch_true += [y[i]] * len(p)
        patch_pred += list(p.argmax(axis=1))
        for n in listen:
            listen[n].append(int(np.argmax(p[:n].mean(axis=0))))
    clip_p = np.array(clip_p)
    pred = clip_p.argmax(axis=1)
    yt = y[test_idx]
    prec, rec, f1, _ = precision_recall_fscore_support(yt, pred, average="macro", zero_division=0)
    m = {"accuracy": accuracy_score(yt, pred), "precision": prec, "recall": rec, "f1": f1,
         "patch_accuracy": accuracy_score(patch_true, patch_pred),
         "listen": {n: accuracy_score(yt, listen[n]) for n in listen}}
    for axis, table in (("arousal", config.AROUSAL), ("valence", config.VALENCE)):
        if all(l in table for l in labels):
            sign = np.array([table[l] for l in labels])
            p_pos = clip_p[:, sign > 0].sum(axis=1)
            m[axis] = accuracy_score(sign[yt] > 0, p_pos > 0.5)
    return m, pred, clip_p

def learning_curve(train_idx, test_idx, emb, y, groups, n_classes, aug, cand, seed):
    """clip macro-F1 on the test fold when training on a fraction of the training GROUPS (fixed head)"""
    rng = np.random.default_rng(seed)
    uniq = rng.permutation(np.unique(groups[train_idx]))
    out = {}
    for frac in (0.2, 0.4, 0.6, 0.8, 1.0):
        keep = set(uniq[:max(2, int(round(frac * len(uniq))))])
        sub = np.array([i for i in train_idx if groups[i] in keep])
        if len(np.unique(y[sub])) < n_classes:
            continue
        x, yy = patches_of(sub, emb, y, aug)
        head = heads.fit_head(x, yy, n_classes, *cand, seed=seed)
        pred = [np.argmax(heads.clip_probabilities(head, emb[i])) for i in test_idx]
        out[frac] = (len(sub), macro_f1(y[test_idx], pred))
    return out

def cross_validate(emb, y, groups, labels, aug, cands, seed, curve=False, tag=""):
    """outer grouped CV; emb and aug per clip, or per layer ({layer: ...}: the inner CV chooses the layer)"""
    n_classes = len(labels)
    embs, augs = as_layers(emb, aug)
    folds = dataset.grouped_folds(y, groups, config.OUTER_FOLDS, seed)
    res = {"folds": [], "pred": np.zeros(len(y), int), "proba": np.zeros((len(y), n_classes)), "curve": []}
    for k, (tr, te) in enumerate(folds):
        t0 = time.time()
        layer, head, best, inner = choose_input_and_fit(tr, embs, y, groups, n_classes, augs, cands, seed)
        m, pred, proba = fold_metrics(head, te, embs[layer], y, labels)
        m["chosen"] = describe(layer if len(embs) > 1 else None, best)
        res["folds"].append(m)
        res["pred"][te], res["proba"][te] = pred, proba
        if curve:
            res["curve"].append(learning_curve(tr, te, embs[layer], y, groups, n_classes, augs[layer], best, seed))
        log(f"  {tag} fold {k + 1}/{len(folds)}: acc {m['accuracy']:.3f} F1 {m['f1']:.3f} "
            f"patch {m['patch_accuracy']:.3f} head {m['chosen']} ({time.time() - t0:.0f} s)")
    res["fold_index"] = [te.tolist() for _, te in folds]
    return res

def summary(res, key):
    v = np.array([f[key] for f in res["folds"]])
    return float(v.mean()), float(v.std())

# -----------------------------------------------------------------------------
# report

def pct(ms):
    return f"{100 * ms[0]:.1f} ± {100 * ms[1]:.1f}"

def plot_confusion(cm, labels, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4.6, 4))
    norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{cm[i, j]}\n{100 * norm[i, j]:.0f}%", ha="center", va="center", fontsize=8,
                    color="white" if norm[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(labels)), labels, rotation=45 if len(labels) > 4 else 0)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

def plot_curves(res, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6))
    fracs = sorted(set.intersection(*[set(c) for c in res["curve"]]))
    n = [np.mean([c[f][0] for c in res["curve"]]) for f in fracs]
    f1 = np.array([[c[f][1] for c in res["curve"]] for f in fracs])
    a.errorbar(n, 100 * f1.mean(axis=1), yerr=100 * f1.std(axis=1), marker="o", capsize=3)
    a.set_xlabel("training clips (mean over folds)")
    a.set_ylabel("clip macro-F1 on the test fold (%)")
    a.set_title("learning curve", fontsize=9)
    a.grid(alpha=0.3)
    ns = list(config.LISTEN_PATCHES)
    acc = np.array([[f["listen"][k] for f in res["folds"]] for k in ns])
    secs = [config.PATCH_SECONDS + (k - 1) * config.HOP_SECONDS for k in ns]
    b.errorbar(secs, 100 * acc.mean(axis=1), yerr=100 * acc.std(axis=1), marker="o", capsize=3)
    b.set_xlabel("seconds of audio heard (first N patches, hop 1.5 s)")
    b.set_ylabel("clip accuracy (%)")
    b.set_title("accuracy vs listening time", fontsize=9)
    b.grid(alpha=0.3)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

def git_commit():
    try:
        return subprocess.run(["git", "-C", config.REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"

def cv_block(res):
    return {k: [round(x, 4) for x in summary(res, k)]
            for k in ("accuracy", "precision", "recall", "f1", "patch_accuracy", "arousal", "valence")
            if k in res["folds"][0]}

LAYER_DESCRIPTION = {
    "penultimate": "moodd's 200-d penultimate embedding",
    "pooled": "the back end's pooled input (`moodd embed --layer pooled`: max and mean over time of the 753 "
              "mid-end channels, 1506-d, of which the live ones are used)",
    "tags": "the 50 tag probabilities",
}

def write_report(path, args, clips, labels, y, groups, variants, main_name, head_info, extra_rows):
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
    stem = os.path.splitext(path)[0]
    base = os.path.basename(stem)
    res = variants[main_name]
    cm = confusion_matrix(y, res["pred"], labels=range(len(labels)))
    plot_confusion(cm, labels, stem + "_confusion.png", f"{args.name}: {main_name}, {config.OUTER_FOLDS} folds pooled")
    if res["curve"]:
        plot_curves(res, stem + "_curves.png", f"{args.name}: {main_name}")
    L = []
    L.append(f"# {args.name}: mood heads on moodd's musicnn embeddings\n")
    L.append(f"Regenerate: `{args.command}`  \n"
             f"Written by `training/evaluate.py` on {datetime.date.today()} at commit {git_commit()}; "
             f"embeddings by `{args.engine_desc}`.\n")
    L.append("## Data and protocol\n")
    L.append(f"- {len(clips)} clips from `{args.dataset}`, labels: "
             + ", ".join(f"{l} ({int((y == k).sum())})" for k, l in enumerate(labels))
             + f"; {len(set(groups))} groups (`{args.group_column}`)"
             + (f"; {len(args.skipped)} files shorter than one patch left out." if getattr(args, "skipped", None) else "."))
    L.append(f"- {config.OUTER_FOLDS}-fold CV, stratified and grouped by `{args.group_column}` (no group on both "
             f"sides), seed {config.SEED}; every choice (head kind, regularisation"
             + (", input" if len(args.layer) > 1 else "") + ") by an inner grouped "
             f"{config.INNER_FOLDS}-fold CV inside the training folds, on clip-level macro-F1.")
    L.append(f"- Per patch: {' or '.join(LAYER_DESCRIPTION[l] for l in args.layer)}"
             + (" (which one: chosen by the inner CV with the head)" if len(args.layer) > 1 else "")
             + f" of a {config.PATCH_SECONDS:.2f}-s patch "
             f"({config.PATCH_FRAMES} frames), hop {config.HOP_FRAMES} frames ({config.HOP_SECONDS:.2f} s). "
             "Heads are trained per patch (patch label = clip label); a clip's prediction is the mean of "
             "its patch probabilities (what the daemon's EMA approximates).")
    if args.augment:
        L.append(f"- Augmentation (training folds only; one copy per kind per clip, deterministic): "
                 f"{', '.join(args.augment)} — noise SNR {config.NOISE_SNR_DB} dB, stretch rate "
                 f"{config.STRETCH_RATE}, circular shift {config.SHIFT_SECONDS} s, pitch {config.PITCH_SEMITONES} "
                 f"semitones; written as 16-kHz WAVs and embedded by the binary (hop {config.AUG_HOP_FRAMES} frames).")
    L.append(f"- Head candidates: logistic regression C ∈ {list(config.LR_C)}; MLP {list(config.MLP_HIDDEN)} ReLU, "
             f"alpha ∈ {list(config.MLP_ALPHA)}; inputs standardised, dead (constant) inputs dropped.")
    L.append("- Metrics are mean ± std over the outer folds; precision / recall / F1 are macro averages.\n")
    L.append("## Results (clip level unless said)\n")
    has_av = "arousal" in res["folds"][0]
    head = "| variant | accuracy | macro-P | macro-R | macro-F1 | 3-s patch acc |" + (" arousal | valence |" if has_av else "")
    L.append(head)
    L.append("|" + "---|" * (head.count("|") - 1))
    for name, r in variants.items():
        row = f"| {'**' + name + '**' if name == main_name else name} | " + " | ".join(
            pct(summary(r, k)) for k in ("accuracy", "precision", "recall", "f1", "patch_accuracy"))
        if has_av:
            row += f" | {pct(summary(r, 'arousal'))} | {pct(summary(r, 'valence'))}"
        L.append(row + " |")
    for row in extra_rows:
        L.append(row)
    L.append("")
    L.append(f"Heads chosen by the inner CV of `{main_name}`, per outer fold: "
             + ", ".join(f["chosen"] for f in res["folds"]) + ".\n")
    L.append(f"### {main_name}: per class (pooled over the folds)\n")
    p, r, f, s = precision_recall_fscore_support(y, res["pred"], labels=range(len(labels)), zero_division=0)
    L.append("| class | precision | recall | F1 | clips |")
    L.append("|---|---|---|---|---|")
    for k, l in enumerate(labels):
        L.append(f"| {l} | {100 * p[k]:.1f} | {100 * r[k]:.1f} | {100 * f[k]:.1f} | {s[k]} |")
    L.append("\nConfusion matrix (rows true, columns predicted, pooled over the folds):\n")
    L.append("| | " + " | ".join(labels) + " |")
    L.append("|---|" + "---|" * len(labels))
    for k, l in enumerate(labels):
        L.append(f"| {l} | " + " | ".join(str(v) for v in cm[k]) + " |")
    L.append(f"\n![confusion matrix]({base}_confusion.png)\n")
    L.append("### Listening time\n")
    L.append("Clip accuracy when only the first N patches are heard (mean of their probabilities):\n")
    L.append("| patches | seconds | accuracy |")
    L.append("|---|---|---|")
    for n in config.LISTEN_PATCHES:
        L.append(f"| {n} | {config.PATCH_SECONDS + (n - 1) * config.HOP_SECONDS:.1f} | "
                 f"{pct((np.mean([f['listen'][n] for f in res['folds']]), np.std([f['listen'][n] for f in res['folds']])))} |")
    if res["curve"]:
        L.append("\nLearning curve (training on a random fraction of each outer training fold's groups, head fixed "
                 "to that fold's inner-CV choice) and accuracy vs listening time:\n")
        L.append(f"![learning curve and listening time]({base}_curves.png)\n")
    if head_info:
        L.append("## The exported head\n")
        L.append(head_info)
    with open(path, "w") as fh:
        fh.write("\n".join(L) + "\n")
    log(f"wrote {path}")

# -----------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    dataset.add_arguments(ap)
    ap.add_argument("--name", required=True, help="the report's name, e.g. 4q")
    ap.add_argument("--report", required=True, help="markdown path; PNGs are written next to it")
    ap.add_argument("--augment", default="", help="comma-separated kinds among " + ",".join(config.AUGMENTATIONS))
    ap.add_argument("--model", default=config.BACKBONE_MODEL, help="backbone model file")
    ap.add_argument("--layer", default="penultimate",
                    help="the backbone activation the heads read (moodd embed --layer): penultimate or pooled, "
                         "or both comma-separated (the inner CV chooses)")
    ap.add_argument("--engine", default="moodd", choices=["moodd", "numpy"],
                    help="numpy: moodd features + musicnn_numpy.py (a cross-check; never for reported numbers)")
    ap.add_argument("--quick", action="store_true", help="only the main variant, no learning curve")
    ap.add_argument("--embed-only", action="store_true", help="fill the embedding cache and stop")
    ap.add_argument("--export", help="write backbone + the head trained on all clips to this model file")
    ap.add_argument("--head-name", default="mood")
    ap.add_argument("--extra-rows", nargs="*", default=[],
                    help="JSON files of extra table rows (the from-scratch CNN baseline, other backbones)")
    args = ap.parse_args()
    args.augment = [k for k in args.augment.split(",") if k]
    args.layer = [k for k in args.layer.split(",") if k]
    bad = [k for k in args.layer if k not in ("penultimate", "pooled")] or (not args.layer and ["(none)"])
    if bad:
        ap.error(f"--layer {','.join(bad)}: heads read 'penultimate' or 'pooled'")
    args.command = "python " + " ".join([os.path.relpath(sys.argv[0], config.REPO)] + sys.argv[1:])

    clips, labels, y = dataset.load_from_args(args)
    groups = np.array([c.group for c in clips])
    key = dataset_key(args.dataset)
    args.engine_desc = ("moodd embed" if args.engine == "moodd" else "moodd features + musicnn_numpy.py") + \
        f" --hop-frames {config.HOP_FRAMES} --model {os.path.relpath(args.model, config.REPO)}" + \
        ("" if args.layer == ["penultimate"] else f" --layer {'|'.join(args.layer)}")
    emb, aug = {}, None
    for layer in args.layer:
        embedder = Embedder(args.model, engine=args.engine, layer=layer)
        log(f"{len(clips)} clips, labels {labels}; embedding ({layer}) with {args.engine} into {embedder.dir}")
        emb[layer] = embed_clips(clips, embedder, key)
    keep = [all(emb[layer][n] is not None for layer in emb) for n in range(len(clips))]
    args.skipped = [c.id for c, k in zip(clips, keep) if not k]
    clips = [c for c, k in zip(clips, keep) if k]
    emb = {layer: [e for e, k in zip(es, keep) if k] for layer, es in emb.items()}
    y = np.array([labels.index(c.label) for c in clips])
    groups = np.array([c.group for c in clips])
    if args.augment:
        aug = {}
        for layer in args.layer:
            aug_embedder = Embedder(args.model, hop=config.AUG_HOP_FRAMES, engine=args.engine, layer=layer)
            log(f"augmented copies ({','.join(args.augment)}) into {aug_embedder.dir}")
            aug[layer] = embed_augmented(clips, aug_embedder, key, args.augment)
    if args.embed_only:
        return

    # variants: the main one (every option given) and, unless --quick, the simpler routes it is compared with
    all_c = heads.candidates()
    lr_c = [c for c in all_c if c[0] == "lr"]
    variants, specs = {}, {}
    main_name = "LR+MLP, augmented" if aug else "LR+MLP"
    specs[main_name] = (aug, all_c)
    if not args.quick:
        specs["LR only, no augmentation"] = (None, lr_c)
        if aug:
            specs["LR+MLP, no augmentation"] = (None, all_c)
            specs["LR only, augmented"] = (aug, lr_c)
    for name, (a, cands) in specs.items():
        log(f"variant {name}")
        variants[name] = cross_validate(emb, y, groups, labels, a, cands, config.SEED,
                                        curve=(name == main_name and not args.quick), tag=name)

    extra_rows = []
    for path in args.extra_rows:
        if os.path.exists(path):
            with open(path) as f:
                extra_rows += json.load(f)["rows"]

    head_info = ""
    if args.export:
        import export
        log("final head: inner CV on all clips")
        embs, augs = as_layers(emb, aug)
        layer, head, best, inner = choose_input_and_fit(np.arange(len(clips)), embs, y, groups, len(labels), augs,
                                                        all_c, config.SEED)
        cv = cv_block(variants[main_name])
        info = {"name": args.head_name, "input": layer, "labels": labels,
                "dataset": f"{key} ({len(clips)} clips, grouped by {args.group_column})",
                "head": f"{best[0]} {best[1]:g}", "augmentation": args.augment,
                "cv": {"protocol": f"{config.OUTER_FOLDS}-fold CV grouped by {args.group_column}, nested "
                                   f"{config.INNER_FOLDS}-fold head choice, clip = mean of patch probabilities",
                       **cv}}
        if all(l in config.VALENCE for l in labels):
            info["valence"] = [config.VALENCE[l] for l in labels]
            info["arousal"] = [config.AROUSAL[l] for l in labels]
        export.export(args.model, [(head, info)], args.export, git_commit(), keep_other_heads=True)
        head_info = (f"`{os.path.relpath(args.export, config.REPO)}`, head `{args.head_name}`: {info['head']} "
                     f"chosen by grouped {config.INNER_FOLDS}-fold CV on all clips (inner macro-F1: "
                     + ", ".join(f"{describe(l if len(args.layer) > 1 else None, c)} {100 * f:.1f}"
                                 for (l, c), f in inner.items()) + "); "
                     + (f"input `{layer}`; " if len(args.layer) > 1 or layer != "penultimate" else "")
                     + f"{head['live_inputs']} of {head['mean'].size} inputs live; "
                     f"{heads.head_macs(head):,} multiply-accumulates per patch on top of the backbone's "
                     "1,398,553,584.\n")
        log(f"wrote {args.export}")
    write_report(args.report, args, clips, labels, y, groups, variants, main_name, head_info, extra_rows)
    with open(os.path.splitext(args.report)[0] + ".json", "w") as f:
        json.dump({name: cv_block(r) for name, r in variants.items()}, f, indent=1)

if __name__ == "__main__":
    main()
