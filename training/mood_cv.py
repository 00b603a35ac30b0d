"""
Nested, grouped cross-validation of mood heads on moodd's embeddings: the library under evaluate.py (and
compare_backbones.py).

- outer k-fold CV, stratified and GROUPED (artist / speaker): no group on both sides of a fold;
- inside each outer training set, an inner grouped CV scores every candidate head (kind, regularisation, and
  the backbone activation it reads) by clip-level macro-F1; with a validation set of other music
  (`Validation`: listeners' valence/arousal ratings), the candidates within config.NEAR_F1 of the best are
  told apart by how they rank that music (mean Spearman of valence and arousal); nothing about the test fold
  is used for any choice;
- heads are trained per 3-s patch (each patch carries its clip's label); augmented copies of a clip (and its
  copy through a training room) join a training set only when the clip itself is in it;
- a clip's prediction is the mean of its patch probabilities (the offline equivalent of the daemon's EMA);
- each test fold is scored clean and, when given, through a test room (the same clips through rooms that no
  training copy went through).
"""
import hashlib
import os
import time
from dataclasses import dataclass

import numpy as np

import config
import dataset
import heads
from common import log

# -----------------------------------------------------------------------------
# embeddings of the clips, of their augmented copies and of their copies through rooms

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

def embed_augmented(clips, embedders, key, kinds):
    """embedders: {layer: Embedder} -> {layer: {kind: [embedding per clip]}}. Each augmented copy is made once
    (a WAV under the cache), embedded for every layer by the binary, and deleted"""
    import augment
    out = {layer: {k: [None] * len(clips) for k in kinds} for layer in embedders}
    t0 = time.time()
    for n, c in enumerate(clips):
        label_dir = os.path.basename(os.path.dirname(c.path))
        keys = {k: f"{key}/aug/{k}/{label_dir}/{c.id}" for k in kinds}
        missing = [k for k in kinds if any(not os.path.exists(e.cache_path(keys[k])) for e in embedders.values())]
        wavs = augment.make_augmented(c, missing, key) if missing else {}
        for k in kinds:
            for layer, embedder in embedders.items():
                out[layer][k][n] = embedder(wavs.get(k), keys[k])
            if k in wavs:
                os.remove(wavs[k])
        if (n + 1) % 50 == 0:
            log(f"  augmented {n + 1}/{len(clips)} ({time.time() - t0:.0f} s)")
    return out

def room_copy(root, variant, name, clip):
    """(path, cache key) of a clip's copy through a room, as content_corpus.py --rooms writes them:
    ROOT/rooms/{train,test}/NAME/NAME-ID.wav (one training room and one test room per clip)"""
    rel = f"rooms/{variant}/{name}/{name}-{clip.id}"
    return os.path.join(root, rel + ".wav"), f"content/{rel}"

def embed_rooms(clips, embedder, root, name, variant):
    """[embedding per clip] of the clips' copies through a room (root: content_corpus.py's --out)"""
    out, t0 = [], time.time()
    for n, c in enumerate(clips):
        path, key = room_copy(root, variant, name, c)
        if not os.path.exists(embedder.cache_path(key)) and not os.path.exists(path):
            raise FileNotFoundError(f"{path}: no room copy of clip {c.id} (make them: content_corpus.py --rooms)")
        out.append(embedder(path, key))
        if (n + 1) % 200 == 0:
            log(f"  {variant} rooms: embedded {n + 1}/{len(clips)} ({time.time() - t0:.0f} s)")
    return out

@dataclass
class Validation:
    """other music with listeners' mean ratings: emb {layer: [patches, width] per clip}, valence and arousal
    [clips]; a head's clip valence/arousal is Σ p · the labels' signs (config.VALENCE / config.AROUSAL)"""
    emb: dict
    valence: np.ndarray
    arousal: np.ndarray
    name: str = "validation"

    def clip_probabilities(self, head, layer):
        return np.array([heads.head_forward(head, e).mean(axis=0) for e in self.emb[layer]])

    def spearman(self, head, layer, labels):
        """(rho valence, rho arousal) of the head's clip scores against the listeners' means"""
        from scipy.stats import spearmanr
        p = self.clip_probabilities(head, layer)
        v = p @ np.array([config.VALENCE[l] for l in labels], float)
        a = p @ np.array([config.AROUSAL[l] for l in labels], float)
        return float(spearmanr(v, self.valence).statistic), float(spearmanr(a, self.arousal).statistic)

# -----------------------------------------------------------------------------
# nested cross-validation

def patches_of(idx, emb, y, aug=None, stride=1):
    """training matrix: every stride-th patch of every clip in idx (and of its augmented copies) -> (x, y)"""
    xs, ys = [], []
    for i in idx:
        for e in [emb[i]] + [a[i] for a in (aug or {}).values()]:
            xs.append(e[::stride])
            ys.append(np.full(len(xs[-1]), y[i]))
    return np.concatenate(xs), np.concatenate(ys)

_fitted = {}

def fit(idx, emb, y, aug, n_classes, cand, seed):
    """heads.fit_head on patches_of(idx, ...) at config.TRAIN_STRIDE, remembered for the run: variants that
    share a training set (the same clips, input and augmentation kinds) share their fits, e.g. the LR-only
    variant's inner CV is the LR part of the LR+MLP one's"""
    data = (emb, y) + tuple(v for _, v in sorted((aug or {}).items()))
    key = (hashlib.sha1(np.asarray(idx).tobytes()).hexdigest(), tuple(map(id, data)), tuple(sorted(aug or {})),
           n_classes, cand, seed, config.TRAIN_STRIDE)
    if key not in _fitted:
        x, yy = patches_of(idx, emb, y, aug, config.TRAIN_STRIDE)
        head = heads.fit_head(x, yy, n_classes, *cand, seed=seed)
        head.pop("model", None)                        # the sklearn object: not needed past fitting
        _fitted[key] = (head, data)                    # data held, so that no id in the key is ever reused
    return _fitted[key][0]

def macro_f1(y_true, y_pred):
    from sklearn.metrics import f1_score
    return f1_score(y_true, y_pred, average="macro", zero_division=0)

def inner_scores(idx, embs, y, groups, n_classes, augs, cands, seed):
    """{(layer, candidate): mean clip macro-F1 over an inner grouped CV of idx} (the same inner folds for
    every layer and candidate)"""
    scores = {(layer, c): [] for layer in embs for c in cands}
    for tr, va in dataset.grouped_folds(y[idx], groups[idx], config.INNER_FOLDS, seed):
        for layer, emb in embs.items():
            for c in cands:
                head = fit(idx[tr], emb, y, augs[layer], n_classes, c, seed)
                pred = [np.argmax(heads.clip_probabilities(head, emb[i])) for i in idx[va]]
                scores[layer, c].append(macro_f1(y[idx[va]], pred))
    return {k: float(np.mean(v)) for k, v in scores.items()}

def as_layers(emb, aug):
    """emb: [per clip] or {layer: [per clip]}; aug: None, {kind: [...]} or {layer: {kind: [...]}}
    -> ({layer: emb}, {layer: aug or None}); a plain list is the one layer None"""
    if isinstance(emb, dict):
        return emb, {layer: (aug or {}).get(layer) for layer in emb}
    return {None: emb}, {None: aug}

def choose_input_and_fit(idx, embs, y, groups, n_classes, augs, cands, seed, validation=None, labels=None):
    """scores every (layer, candidate) by inner CV (unless there is only one) and fits the chosen one on all
    of idx. The best inner macro-F1 wins; with a validation set, the candidates within config.NEAR_F1 of it
    are fitted on idx and the one that ranks the validation music best (mean of its valence and arousal
    Spearman) wins.
    -> (layer, head, candidate, {(layer, candidate): mean inner F1}, {(layer, candidate): (rho_v, rho_a)})"""
    keys = [(layer, c) for layer in embs for c in cands]
    scores = inner_scores(idx, embs, y, groups, n_classes, augs, cands, seed) if len(keys) > 1 else \
        {keys[0]: float("nan")}
    best = max(keys, key=lambda k: scores[k]) if len(keys) > 1 else keys[0]
    fitted, rho = {}, {}
    if validation is not None:
        near = [k for k in keys if scores[k] >= scores[best] - config.NEAR_F1] if len(keys) > 1 else keys
        for layer, c in near:
            fitted[layer, c] = fit(idx, embs[layer], y, augs[layer], n_classes, c, seed)
            rho[layer, c] = validation.spearman(fitted[layer, c], layer, labels)
        best = max(near, key=lambda k: (np.mean(rho[k]), scores[k]))
    if best not in fitted:
        fitted[best] = fit(idx, embs[best[0]], y, augs[best[0]], n_classes, best[1], seed)
    return best[0], fitted[best], best[1], scores, rho

def describe(layer, cand):
    """'lr 0.003', or 'pooled lr 0.003' when the layer was chosen too (layer None: one input only)"""
    return (f"{layer} " if layer else "") + f"{cand[0]} {cand[1]:g}"

def clip_metrics(probs, yt, labels):
    """probs: per clip [patches, classes], yt: the clips' classes -> (metrics, clip predictions, clip
    probabilities). A clip is the mean of its patch probabilities; "listen" scores the first N patches only;
    arousal/valence: the sign of the axis (Σ p over the labels on its positive side > 0.5) when labels have one"""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support
    listen = {n: [int(np.argmax(p[:n].mean(axis=0))) for p in probs] for n in config.LISTEN_PATCHES}
    clip_p = np.array([p.mean(axis=0) for p in probs])
    pred = clip_p.argmax(axis=1)
    prec, rec, f1, _ = precision_recall_fscore_support(yt, pred, average="macro", zero_division=0)
    m = {"accuracy": accuracy_score(yt, pred), "precision": prec, "recall": rec, "f1": f1,
         "patch_accuracy": float(np.mean(np.concatenate([p.argmax(axis=1) == t for p, t in zip(probs, yt)]))),
         "listen": {n: accuracy_score(yt, listen[n]) for n in listen}}
    for axis, table in (("arousal", config.AROUSAL), ("valence", config.VALENCE)):
        if all(l in table for l in labels):
            sign = np.array([table[l] for l in labels])
            m[axis] = accuracy_score(sign[yt] > 0, clip_p[:, sign > 0].sum(axis=1) > 0.5)
    return m, pred, clip_p

def fold_metrics(head, test_idx, emb, y, labels):
    """clip_metrics of one test fold: the head on each test clip's patches"""
    return clip_metrics([heads.head_forward(head, emb[i]) for i in test_idx], y[test_idx], labels)

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
        head = fit(sub, emb, y, aug, n_classes, cand, seed)
        pred = [np.argmax(heads.clip_probabilities(head, emb[i])) for i in test_idx]
        out[frac] = (len(sub), macro_f1(y[test_idx], pred))
    return out

def cross_validate(emb, y, groups, labels, aug, cands, seed, curve=False, tag="", room=None, validation=None):
    """outer grouped CV; emb and aug per clip, or per layer ({layer: ...}: the inner CV chooses the layer).
    room: the clips through a test room, shaped like emb: each fold is also scored on them ("room").
    validation: a Validation: the choice among near-equal heads, and each fold's head's Spearman on it."""
    n_classes = len(labels)
    embs, augs = as_layers(emb, aug)
    rooms = as_layers(room, None)[0] if room is not None else None
    folds = dataset.grouped_folds(y, groups, config.OUTER_FOLDS, seed)
    res = {"folds": [], "pred": np.zeros(len(y), int), "proba": np.zeros((len(y), n_classes)), "curve": []}
    if rooms:
        res["room_pred"] = np.zeros(len(y), int)
    for k, (tr, te) in enumerate(folds):
        t0 = time.time()
        layer, head, best, inner, _ = choose_input_and_fit(tr, embs, y, groups, n_classes, augs, cands, seed,
                                                           validation, labels)
        m, pred, proba = fold_metrics(head, te, embs[layer], y, labels)
        m["chosen"] = describe(layer if len(embs) > 1 else None, best)
        if rooms:
            m["room"], res["room_pred"][te], _ = fold_metrics(head, te, rooms[layer], y, labels)
        if validation is not None:
            m["validation"] = validation.spearman(head, layer, labels)
        res["folds"].append(m)
        res["pred"][te], res["proba"][te] = pred, proba
        if curve:
            res["curve"].append(learning_curve(tr, te, embs[layer], y, groups, n_classes, augs[layer], best, seed))
        log(f"  {tag} fold {k + 1}/{len(folds)}: acc {m['accuracy']:.3f} F1 {m['f1']:.3f} "
            f"patch {m['patch_accuracy']:.3f} head {m['chosen']}"
            + (f" room F1 {m['room']['f1']:.3f}" if rooms else "")
            + (" validation rho v {:.3f} a {:.3f}".format(*m["validation"]) if validation is not None else "")
            + f" ({time.time() - t0:.0f} s)")
    res["fold_index"] = [te.tolist() for _, te in folds]
    return res

def summary(res, key):
    """(mean, std) over the folds of a fold metric; "room.f1" reaches into the room scores"""
    def get(f):
        for part in key.split("."):
            f = f[part]
        return f
    v = np.array([get(f) for f in res["folds"]])
    return float(v.mean()), float(v.std())

