"""
The mood evaluation's report: training/reports/<name>.md with its confusion-matrix and curve plots, and the
figures of every variant as JSON (cv_block). Written by evaluate.py from mood_cv.py's results.
"""
import datetime
import os

import numpy as np

import config
from common import git_commit, log, portable, write_atomic
from mood_cv import summary

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

def cv_block(res):
    out = {k: [round(x, 4) for x in summary(res, k)]
           for k in ("accuracy", "precision", "recall", "f1", "patch_accuracy", "arousal", "valence")
           if k in res["folds"][0]}
    if "room" in res["folds"][0]:
        out["room"] = {k: [round(x, 4) for x in summary(res, "room." + k)] for k in ("accuracy", "f1")}
    if "validation" in res["folds"][0]:
        rho = np.array([f["validation"] for f in res["folds"]])
        out["validation_spearman"] = {"valence": [round(float(rho[:, 0].mean()), 4), round(float(rho[:, 0].std()), 4)],
                                      "arousal": [round(float(rho[:, 1].mean()), 4), round(float(rho[:, 1].std()), 4)]}
    return out

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
    L.append(f"Regenerate: `{portable(args.command)}`  \n"
             f"Written by `training/evaluate.py` on {datetime.date.today()} at commit {git_commit()}; "
             f"embeddings by `{args.engine_desc}`.\n")
    L.append("## Data and protocol\n")
    L.append(f"- {len(clips)} clips from `{portable(os.path.normpath(args.dataset))}`, labels: "
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
             f"Heads are trained per patch (patch label = clip label; every {config.TRAIN_STRIDE}nd patch, so no two "
             "training patches overlap); a clip's prediction is the mean of all "
             "its patch probabilities (what the daemon's EMA approximates).")
    import augment
    plain = [k for k in args.augment if not augment.room_kind(k)]
    extra_rooms = [k for k in args.augment if augment.room_kind(k)]
    if plain:
        L.append(f"- Augmentation (training folds only; one copy per kind per clip, deterministic): "
                 f"{', '.join(plain)} — noise SNR {config.NOISE_SNR_DB} dB, stretch rate "
                 f"{config.STRETCH_RATE}, circular shift {config.SHIFT_SECONDS} s, pitch {config.PITCH_SEMITONES} "
                 f"semitones; written as 16-kHz WAVs and embedded by the binary (hop {config.AUG_HOP_FRAMES} frames).")
    if getattr(args, "rooms", None):
        L.append("- Through a room (training/rooms.py: pyroomacoustics shoeboxes, RT60 0.2-1.0 s, microphone 1-5 m "
                 "away, room noise at 5-25 dB SNR, microphone band limits): every clip has a copy through one of 24 "
                 "training rooms and one through one of 12 test rooms (other seeds; made by `content_corpus.py "
                 "--rooms`)"
                 + (f"; {len(extra_rooms)} more copies through training rooms ({', '.join(extra_rooms)}: "
                    "augment.py draws each copy's room and noise from the clip id and the kind)" if extra_rooms else "")
                 + ". `room` in a variant's name: the training-room copies of the training folds' clips join "
                 "training like the other augmentations. Every variant's test fold is scored clean and through "
                 "its test rooms.")
    if getattr(args, "validation_desc", None):
        L.append(f"- Other music: {args.validation_desc}. Candidates within {100 * config.NEAR_F1:.0f} point of the "
                 "best inner macro-F1 are told apart by how they rank it (mean of the valence and arousal Spearman "
                 "of Σ p · the labels' signs against the listeners' means), in every outer fold and for the exported "
                 "head; each fold's head is then scored on it too. It is a validation set, not a test set: its "
                 "figures are slightly optimistic for the variants whose choice used it (marked *).")
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
    L += room_and_transfer_block(variants, main_name, labels, y, args)
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
    else:
        L.append("")
    if head_info:
        L.append("## The exported head\n")
        L.append(head_info)
    write_atomic(path, "\n".join(L) + "\n")
    log(f"wrote {path}")

def room_and_transfer_block(variants, main_name, labels, y, args):
    """markdown lines: each variant clean vs through a test room, and on the validation music; the main
    variant's label shares clean vs room (what a room does to the announced moods)"""
    folds = [f for r in variants.values() for f in r["folds"]]
    has_room, has_val = any("room" in f for f in folds), any("validation" in f for f in folds)
    if not (has_room or has_val):
        return []
    L = ["### Through a room, and on other music\n"]
    head = "| variant | clean macro-F1 |"
    if has_room:
        head += " test-room macro-F1 | loss (points) |"
    if has_val:
        head += f" {args.validation_name} arousal ρ | {args.validation_name} valence ρ |"
    L += [head, "|" + "---|" * (head.count("|") - 1)]
    for name, r in variants.items():
        row = f"| {'**' + name + '**' if name == main_name else name}{' *' if r.get('chosen_on_validation') else ''} | {pct(summary(r, 'f1'))} |"
        if has_room:
            if all("room" in f for f in r["folds"]):
                loss = np.array([100 * (f["f1"] - f["room"]["f1"]) for f in r["folds"]])
                row += f" {pct(summary(r, 'room.f1'))} | {loss.mean():.1f} ± {loss.std():.1f} |"
            else:
                row += " – | – |"
        if has_val:
            if all("validation" in f for f in r["folds"]):
                rho = np.array([f["validation"] for f in r["folds"]])
                row += f" {rho[:, 1].mean():.3f} ± {rho[:, 1].std():.3f} | {rho[:, 0].mean():.3f} ± {rho[:, 0].std():.3f} |"
            else:                                     # a variant scored before the validation set was read
                row += " – | – |"
        L.append(row)
    L.append("")
    if has_val:
        L.append(f"{args.validation_name} ρ: each outer fold's head (trained on that fold's training clips), mean ± std "
                 "over the folds.\n")
    res = variants[main_name]
    if has_room:
        n = len(labels)
        clean = np.bincount(res["pred"], minlength=n) / len(y)
        room = np.bincount(res["room_pred"], minlength=n) / len(y)
        truth = np.bincount(y, minlength=n) / len(y)
        L += [f"Share of clips per predicted label, `{main_name}` (test folds pooled):\n",
              "| | " + " | ".join(labels) + " |", "|---|" + "---|" * n,
              "| true | " + " | ".join(f"{100 * v:.1f} %" for v in truth) + " |",
              "| clean | " + " | ".join(f"{100 * v:.1f} %" for v in clean) + " |",
              "| test room | " + " | ".join(f"{100 * v:.1f} %" for v in room) + " |", ""]
        L += per_room_block(res, labels, y, args)
    return L

def per_room_block(res, labels, y, args):
    """markdown lines: the main variant's clip accuracy clean and through each test room (rooms.csv of the
    room copies names each clip's room; training/rooms.py has the rooms)"""
    import csv
    import rooms
    path = os.path.join(args.rooms, "rooms", "rooms.csv")
    if not os.path.exists(path) or not getattr(args, "clip_ids", None):
        return []
    with open(path, newline="") as f:
        room_of = {r["id"]: r["room"] for r in csv.DictReader(f) if r["variant"] == "test"}
    names = [room_of.get(f"{args.name}-{i}") for i in args.clip_ids]
    by_name = {r.name: r for r in rooms.ROOMS["test"]}
    L = ["Clip accuracy per test room, the main variant's test folds pooled (rooms sorted by SNR):\n",
         "| room | RT60 (s) | distance (m) | SNR (dB) | noise | band (Hz) | clips | clean | through the room |",
         "|---|---|---|---|---|---|---|---|---|"]
    for name in sorted(by_name, key=lambda n: by_name[n].snr_db):
        idx = np.array([k for k, n in enumerate(names) if n == name], int)
        if not len(idx):
            continue
        r = by_name[name]
        L.append(f"| {name} | {r.rt60:.2f} | {r.distance:.1f} | {r.snr_db:.1f} | {r.noise} | {r.highpass}-{r.lowpass} | "
                 f"{len(idx)} | {100 * np.mean(res['pred'][idx] == y[idx]):.1f} % | "
                 f"{100 * np.mean(res['room_pred'][idx] == y[idx]):.1f} % |")
    return L + [""]

# -----------------------------------------------------------------------------

