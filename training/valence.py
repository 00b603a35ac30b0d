"""
Routes aimed at valence, the weak axis: how well each ranks the valence (and, for contrast, the arousal) of
music it was not trained on, against listeners' ratings (MUSIFEAST-17, Spearman).

    python training/valence.py --dataset $MOODD_DATA/MER_audio_taffc_dataset --preset 4q \
        --validation $MOODD_DATA/musifeast17 --report training/reports/valence.md

Routes, each on both backbone inputs (penultimate, pooled), reading only cached embeddings (evaluate.py makes them):
- quadrants: the 4-class head (logistic regression) trained on 4Q; valence = Σ p · the labels' signs (what ships);
- valence head: a 2-class head (positive: happy, relaxed; negative: angry, sad) trained on 4Q; valence = P(positive);
- rated music alone: ridge regression on MUSIFEAST-17's own ratings, 5-fold CV grouped by artist (the in-domain
  reference: what this input could give with ratings of this kind of music);
- 4Q + rated music: the valence head trained on 4Q plus the training folds of MUSIFEAST-17 (ratings split at
  their median), scored on the held-out folds (the same folds).
The first two are scored on all MUSIFEAST-17 clips; the last two on each held-out fold, pooled. Intervals:
95 % bootstrap over clips. MUSIFEAST-17 clips by 4Q artists are left out.
"""
import argparse
import json
import os

import numpy as np

import config
import dataset
import heads
from common import git_commit, log, write_atomic
from embed import Embedder
from evaluate import load_validation
from mood_cv import dataset_key, embed_clips, patches_of

LAYERS = ("penultimate", "pooled")
FOLDS = 5

def spearman_ci(score, truth, rng, n=1000):
    from scipy.stats import spearmanr
    rho = spearmanr(score, truth).statistic
    boot = [spearmanr(score[i], truth[i]).statistic for i in (rng.integers(len(score), size=len(score)) for _ in range(n))]
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return [round(float(rho), 4), round(float(lo), 4), round(float(hi), 4)]

def clip_means(emb):
    return np.stack([e.mean(axis=0) for e in emb])

def positive_probability(head, emb):
    """P(class 1) per clip: the mean over its patches"""
    return np.array([heads.head_forward(head, e).mean(axis=0)[1] for e in emb])

def quadrant_scores(head, emb, labels):
    p = np.array([heads.head_forward(head, e).mean(axis=0) for e in emb])
    return (p @ np.array([config.VALENCE[l] for l in labels], float),
            p @ np.array([config.AROUSAL[l] for l in labels], float))

def artist_folds(artists, seed):
    uniq = np.random.default_rng(seed).permutation(sorted(set(artists)))
    fold_of = {a: k % FOLDS for k, a in enumerate(uniq)}
    return np.array([fold_of[a] for a in artists])

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    dataset.add_arguments(ap)
    ap.add_argument("--validation", required=True, help="MUSIFEAST-17's folder (data/, stimuli/)")
    ap.add_argument("--model", default=config.BACKBONE_MODEL)
    ap.add_argument("--lr-c", type=float, default=0.003, help="C of every logistic regression here")
    ap.add_argument("--report", default=os.path.join(config.REPO, "training", "reports", "valence.md"))
    args = ap.parse_args()
    clips, labels, y = dataset.load_from_args(args)
    groups = {c.group.lower() for c in clips}
    key = dataset_key(args.dataset)
    emb = {layer: embed_clips(clips, Embedder(args.model, layer=layer), key) for layer in LAYERS}
    keep = [all(emb[l][n] is not None for l in LAYERS) for n in range(len(clips))]
    emb = {l: [e for e, k in zip(es, keep) if k] for l, es in emb.items()}
    y = y[np.array(keep)]
    val, desc = load_validation(args.validation, LAYERS, args.model, "moodd", groups)
    import transfer
    rows = [r for r in transfer.read_ratings(os.path.join(args.validation, "data", "MUSIFEAST17_all.csv"))
            if r["artist"].lower() not in groups]
    artists = np.array([r["artist"].lower() for r in rows])
    fold = artist_folds(artists, config.SEED)
    truth = {"valence": val.valence, "arousal": val.arousal}
    sign = {axis: np.array([table[l] for l in labels]) for axis, table in (("valence", config.VALENCE),
                                                                           ("arousal", config.AROUSAL))}
    rng = np.random.default_rng(config.SEED)
    all_idx = np.arange(len(y))
    res = {}
    for layer in LAYERS:
        log(f"{layer}: quadrant head")
        x, yy = patches_of(all_idx, emb[layer], y)
        quad = heads.fit_head(x, yy, len(labels), "lr", args.lr_c)
        qv, qa = quadrant_scores(quad, val.emb[layer], labels)
        res["quadrants", layer] = {"valence": spearman_ci(qv, truth["valence"], rng),
                                   "arousal": spearman_ci(qa, truth["arousal"], rng)}
        row = {}
        for axis in ("valence", "arousal"):
            log(f"{layer}: {axis} head")
            head = heads.fit_head(x, (sign[axis][yy] > 0).astype(int), 2, "lr", args.lr_c)
            row[axis] = spearman_ci(positive_probability(head, val.emb[layer]), truth[axis], rng)
        res["axis head", layer] = row
        log(f"{layer}: rated music alone, and 4Q + rated music")
        from sklearn.linear_model import RidgeCV
        from sklearn.preprocessing import StandardScaler
        z = clip_means(val.emb[layer])
        ridge = {a: np.zeros(len(z)) for a in truth}
        both = {a: np.zeros(len(z)) for a in truth}
        for k in range(FOLDS):
            tr, te = fold != k, fold == k
            sc = StandardScaler().fit(z[tr])
            for axis, t in truth.items():
                r = RidgeCV(alphas=np.logspace(-1, 4, 11)).fit(sc.transform(z[tr]), t[tr])
                ridge[axis][te] = r.predict(sc.transform(z[te]))
                # 4Q patches + the rated clips' patches (above the training folds' median = positive)
                rated = [val.emb[layer][i] for i in np.flatnonzero(tr)]
                ry = np.concatenate([np.full(len(e), int(t[i] > np.median(t[tr])))
                                     for e, i in zip(rated, np.flatnonzero(tr))])
                head = heads.fit_head(np.concatenate([x] + rated), np.concatenate([(sign[axis][yy] > 0).astype(int), ry]),
                                      2, "lr", args.lr_c)
                both[axis][te] = positive_probability(head, [val.emb[layer][i] for i in np.flatnonzero(te)])
        res["rated alone", layer] = {a: spearman_ci(ridge[a], truth[a], rng) for a in truth}
        res["4q + rated", layer] = {a: spearman_ci(both[a], truth[a], rng) for a in truth}
        for route in ("quadrants", "axis head", "rated alone", "4q + rated"):
            log(f"  {route} {layer}: valence {res[route, layer]['valence']} arousal {res[route, layer]['arousal']}")

    names = {"quadrants": "4Q quadrant head, Σ p · signs (what ships)",
             "axis head": "4Q 2-class head per axis (valence: happy+relaxed vs angry+sad)",
             "rated alone": f"ridge on MUSIFEAST-17's ratings alone ({FOLDS}-fold CV by artist; in-domain reference)",
             "4q + rated": f"2-class head on 4Q + MUSIFEAST-17's training folds (median split; {FOLDS}-fold CV by artist)"}
    L = ["# Valence routes: ranking other music against listeners\n",
         f"Written by `training/valence.py` on {__import__('datetime').date.today()} at commit {git_commit()}. "
         f"Other music: {desc}. Logistic regressions C = {args.lr_c:g} on standardised patch inputs; a clip's score "
         "is the mean over its 3-s patches. Spearman ρ against the listeners' means, [95 % bootstrap interval].\n",
         "| route | input | valence ρ | arousal ρ |", "|---|---|---|---|"]
    for route in names:
        for layer in LAYERS:
            v, a = res[route, layer]["valence"], res[route, layer]["arousal"]
            L.append(f"| {names[route]} | {layer} | {v[0]:.3f} [{v[1]:.3f}, {v[2]:.3f}] | {a[0]:.3f} [{a[1]:.3f}, {a[2]:.3f}] |")
    write_atomic(args.report, "\n".join(L) + "\n")
    with open(os.path.splitext(args.report)[0] + ".json", "w") as f:
        json.dump({f"{r} / {l}": v for (r, l), v in res.items()}, f, indent=1)
    print("\n".join(L))

if __name__ == "__main__":
    main()
