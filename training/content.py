"""
The content head: is a 3-s window music, speech or other sound ("noise")? Trained on the content corpus
(content_corpus.py) from the backbone's activations that moodd already computes (`moodd embed`), evaluated
with the corpus's folds (no artist, speaker, voice, sound package or recording on both sides), reported in
training/reports/content.md (+ content.json), and exported into the shipped model beside its mood head.

    python training/content.py --corpus $MOODD_CACHE/content --report training/reports/content.md \
        --export models/moodd-4q.safetensors

Per outer fold, an inner leave-one-fold-out CV over the training folds scores the heads (input layer, kind,
regularisation) by the macro-F1 of their windows; among those within config.NEAR_F1 of the best, the one that
calls the most windows of a second music dataset music wins (--validation-music: other music than the
corpus's, so that the choice does not overfit 4Q's genres; without it, the best inner macro-F1 wins). Each
head's operating point is set on the same inner CV, before that comparison: an offset added to its music
logit, the smallest that makes --music-recall of the held-out folds' music windows music (the issue's goal
is 98 %), so that near-equal heads are compared at the same music recall. The chosen head is refitted on
the training folds, given its offset, and scored once on the test fold. Patches are weighted so that
each class counts the same. The exported head is chosen and trained the same way on all folds.

The inner CV also chooses the head's context (--contexts, seconds): with 3 s, the head reads each window's
input and, beside it, its mean over the windows of the last 3 s of the same stream (the window and the two
before it; with 6 s, the four before it; heads.with_context), which the daemon keeps as it goes
(docs/model-format.md, context_seconds).

Each test fold is also played as the daemon would hear it: every file as a stream through its state machine
(content_tracker), and its non-music files spliced after and before music files (content_switch: how long
the daemon takes to stop or start claiming a mood when the sound changes).

The inputs that are constant over the whole corpus (musicnn's dead units) are dropped once when it is
loaded, and given weight 0 again in the exported head (heads.fit_head would drop them in every fit anyway);
the fits of a CV run in --jobs processes at once.
"""
import argparse
import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np

import config
import content_corpus
import content_switch
import content_tracker
import heads
from common import log
from embed import Embedder

LABELS = list(content_corpus.LABELS)
MUSIC = LABELS.index("music")
LAYERS = ("penultimate", "pooled")
# Logistic regression and a 64-unit MLP on the live pooled inputs. Measured with each head fixed over the
# 5 outer folds (window macro-F1, clean): lr 0.3 95.1, lr 1 95.0, lr 3 94.8, mlp 1 95.5, mlp 10 93.8; on
# this corpus an MLP fit takes some 15 s on one core, three times an LR fit.
CANDIDATES = [("lr", 0.03), ("lr", 0.1), ("lr", 0.3), ("mlp", 1.0)]
MUSIC_RECALL = 0.985            # the inner CV's music recall the music offset is set for (the goal: >= 98 %)
# music logit offsets tried, smallest first. Never negative: the class-balanced fit is the neutral point, and
# an offset below it would trade the rooms' music (not in the inner CV's clean windows) for a clean margin
OFFSETS = np.round(np.arange(0.0, 3.0001, 0.05), 2)
# seconds of context the inner CV may give the head: its input is then the window's own and their mean over
# the windows of the last 3 or 6 s (the window and the two or four before it at the 1.5-s hop;
# heads.with_context). No longer than the 6 s others must lead for the daemon to leave music, so that a
# context never outlasts what the state machine already waits for.
CONTEXTS = (0.0, 3.0, 6.0)

def input_name(layer, seconds):
    """a head input's name in the CV and the reports: the layer, with its context ('pooled+3s')"""
    return layer if seconds <= 0 else f"{layer}+{seconds:g}s"

def split_input(name):
    """input_name's inverse -> (layer, context seconds)"""
    layer, _, context = name.partition("+")
    return layer, float(context[:-1]) if context else 0.0

def per_stream_context(x, counts, seconds):
    """heads.with_context on each stream of x [sum(counts), w], counts the streams' patch counts"""
    bounds = np.cumsum([0] + list(counts))
    return np.concatenate([heads.with_context(x[a:b], seconds) for a, b in zip(bounds[:-1], bounds[1:])])

class Corpus:
    """the manifest's items with their patch embeddings, flattened to patches: x[variant][layer]
    [patches, width], variant 'clean' and, when the corpus has rooms (content_corpus.py --rooms), 'train'
    and 'test' (the same items through a training / a test room: same lengths, so the same patches)"""

    def __init__(self, rows, layers, jobs=2, model=None, root=None, validation_music=(), contexts=(0,)):
        self.rows = rows
        # a second music dataset's files (all music): {layer: [patches, width] of all its files}
        self.validation = {}
        variants = {"clean": [r["path"] for r in rows]}
        if root and os.path.exists(os.path.join(root, "rooms", "rooms.csv")):
            for v in ("train", "test"):
                variants[v] = [content_corpus.room_path(root, v, r) for r in rows]
        self.x = {v: {} for v in variants}
        for layer in layers:
            # the corpus's embeddings are cached beside it (ROOT/embed/...), apart from the mood head's
            emb = Embedder(model, layer=layer, cache=root)
            for v, paths in variants.items():
                keys = [f"{'' if v == 'clean' else f'rooms/{v}/'}{r['source']}/{r['id']}" for r in rows]
                with ThreadPoolExecutor(jobs) as pool:
                    per_item = list(pool.map(emb, paths, keys))
                self.x[v][layer] = np.concatenate(per_item).astype(np.float32)
                log(f"{v} {layer}: {self.x[v][layer].shape} from {len(rows)} items")
                if v == "clean":
                    counts = [len(p) for p in per_item]
                elif [len(p) for p in per_item] != counts:
                    raise ValueError(f"{v} room copies do not have their items' lengths: rebuild the rooms")
            if validation_music:
                keys = [f"validation/{os.path.splitext(os.path.basename(f))[0]}" for f in validation_music]
                with ThreadPoolExecutor(jobs) as pool:
                    per_file = list(pool.map(emb, validation_music, keys))
                self.validation[layer] = np.concatenate(per_file)
                validation_counts = [len(p) for p in per_file]
                log(f"validation music {layer}: {self.validation[layer].shape} from {len(validation_music)} files")
        # inputs constant over every patch of the corpus (clean and through rooms) are dropped here once;
        # full_head() puts them back, with weight 0, for the model file
        self.width, self.cols = {}, {}
        for layer in layers:
            live = np.zeros(self.x["clean"][layer].shape[1], bool)
            for v in self.x:
                live |= heads.live_inputs(self.x[v][layer])
            self.width[layer], self.cols[layer] = len(live), np.flatnonzero(live)
            for v in self.x:
                self.x[v][layer] = np.ascontiguousarray(self.x[v][layer][:, live])
            if layer in self.validation:
                self.validation[layer] = np.ascontiguousarray(self.validation[layer][:, live])
            log(f"{layer}: {live.sum()} of {len(live)} inputs vary over the corpus")
        self.item = np.repeat(np.arange(len(rows)), counts)                      # patch -> item
        self.starts = np.concatenate([[0], np.cumsum(counts)])                   # item -> its first patch
        # inputs with context (input_name): each patch's live inputs, then their mean over the patches of
        # the last `seconds` of its item (heads.with_context), item by item as the daemon streams them
        for layer in layers:
            for seconds in (c for c in contexts if c > 0):
                name = input_name(layer, seconds)
                for v in self.x:
                    self.x[v][name] = per_stream_context(self.x[v][layer], counts, seconds)
                if layer in self.validation:
                    self.validation[name] = per_stream_context(self.validation[layer], validation_counts, seconds)
                self.width[name] = 2 * self.width[layer]
                self.cols[name] = np.concatenate([self.cols[layer], self.cols[layer] + self.width[layer]])
        self.inputs = [input_name(layer, c) for layer in layers for c in contexts]
        self.index = np.concatenate([np.arange(n) for n in counts])              # patch number in its item
        self.y = np.array([LABELS.index(rows[i]["label"]) for i in self.item])
        self.fold = np.array([rows[i]["fold"] for i in self.item])

    @property
    def has_rooms(self):
        return "test" in self.x

    def train_mask(self, folds):
        return np.isin(self.fold, list(folds)) & (self.index % config.TRAIN_STRIDE == 0)

    def training_variants(self, augment=True):
        """what training folds contribute: the clean items, and their training-room copies"""
        return ("clean", "train") if augment and self.has_rooms else ("clean",)

    def full_head(self, head, layer):
        """a head fitted on this corpus's live inputs -> the same head on all of the layer's inputs (the
        dropped ones: mean 0, scale 1, weight 0)"""
        cols = getattr(self, "cols", {}).get(layer)
        if cols is None:
            return head
        n = self.width[layer]
        mean, scale = np.zeros(n, np.float32), np.ones(n, np.float32)
        mean[cols], scale[cols] = head["mean"], head["scale"]
        w0 = np.zeros((head["layers"][0][0].shape[0], n), np.float32)
        w0[:, cols] = head["layers"][0][0]
        return head | {"mean": mean, "scale": scale, "layers": [(w0, head["layers"][0][1])] + head["layers"][1:]}

# -----------------------------------------------------------------------------
# fits in parallel: worker processes share the corpus copy-on-write (fork)

_CORPUS = None

def _run(task):
    fn, args = task
    return fn(_CORPUS, *args)

def run_all(corpus, tasks, jobs=1):
    """[(fn, args)] -> [fn(corpus, *args)], in `jobs` processes when jobs > 1 (fork shares the corpus)"""
    global _CORPUS
    _CORPUS = corpus
    if jobs <= 1 or len(tasks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [_run(t) for t in tasks]
    with ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_run, tasks))

def _inner_score(corpus, train_folds, held, cand, variants):
    """-> ([window macro-F1 of the held-out fold per variant], its clean windows' probabilities)"""
    head = fit(corpus, corpus.train_mask(train_folds), cand, variants)
    test = corpus.fold == held
    probs = [predict(corpus, head, cand, test, v) for v in variants]
    return [macro_f1(corpus.y[test], p.argmax(1)) for p in probs], probs[variants.index("clean")]

def _fit_head(corpus, folds, cand, variants):
    head = fit(corpus, corpus.train_mask(folds), cand, variants)
    head.pop("model", None)                     # the sklearn object is not needed past the fit
    return head

def balanced_weights(y):
    counts = np.bincount(y, minlength=len(LABELS)).astype(float)
    return (len(y) / (len(LABELS) * counts))[y]

def fit(corpus, mask, candidate, variants=("clean",)):
    layer, kind, param = candidate
    x = np.concatenate([corpus.x[v][layer][mask] for v in variants])
    y = np.tile(corpus.y[mask], len(variants))
    return heads.fit_head(x, y, len(LABELS), kind, param, sample_weight=balanced_weights(y))

def predict(corpus, head, candidate, mask, variant="clean"):
    return heads.head_forward(head, corpus.x[variant][candidate[0]][mask])

def music_offset(prob, y, target=MUSIC_RECALL):
    """the smallest offset in OFFSETS that, added to the music logit of windows with probabilities prob
    [n, 3] (true classes y), makes at least `target` of the music windows music (0 if no offset is needed,
    the largest if none is enough)"""
    logit = np.log(np.maximum(prob, 1e-30))
    music = logit[y == MUSIC]
    rest = np.delete(music, MUSIC, axis=1).max(axis=1)
    for d in OFFSETS:
        if np.mean(music[:, MUSIC] + d >= rest) >= target:
            return float(d)
    return float(OFFSETS[-1])

def with_music_offset(head, offset):
    """the head with `offset` added to its music logit (its last layer's bias): the same form, for the daemon"""
    w, b = head["layers"][-1]
    b = np.array(b, copy=True)
    b[MUSIC] += offset
    return head | {"layers": head["layers"][:-1] + [(w, b)], "music_offset": offset}

def macro_f1(y, pred):
    f1 = []
    for c in range(len(LABELS)):
        tp = np.sum((pred == c) & (y == c))
        p, r = tp / max(np.sum(pred == c), 1), tp / max(np.sum(y == c), 1)
        f1.append(0 if p + r == 0 else 2 * p * r / (p + r))
    return float(np.mean(f1))

def choose(corpus, folds, layers, variants, jobs=1, target=MUSIC_RECALL):
    """the candidate with the best mean window macro-F1 over leave-one-fold-out inner CV on `folds`, trained
    on `variants` of the inner training folds and scored on the same variants of the held-out fold (never on
    the test rooms), and its music offset (music_offset of its held-out clean windows)
    -> (best, scores, {candidate: head refitted on all of `folds`} for those that were, offset)"""
    return choose_many(corpus, [folds], layers, variants, jobs, target)[0]

def choose_many(corpus, fold_sets, layers, variants, jobs=1, target=MUSIC_RECALL):
    """choose() for several training-fold sets at once (one per outer fold), every fit in one pool"""
    cands = [(layer, kind, param) for layer in layers for kind, param in CANDIDATES]
    tasks, keys = [], []
    for i, folds in enumerate(fold_sets):
        for cand in cands:
            for held in folds:
                tasks.append((_inner_score, (sorted(set(folds) - {held}), held, cand, variants)))
                keys.append((i, cand))
    per = [{c: [] for c in cands} for _ in fold_sets]
    held_out = [{c: [] for c in cands} for _ in fold_sets]         # (probabilities, classes) per held-out fold
    for (i, cand), task, (s, prob) in zip(keys, tasks, run_all(corpus, tasks, jobs)):
        per[i][cand] += s
        held_out[i][cand].append((prob, corpus.y[corpus.fold == task[1][1]]))
    scores = [{c: float(np.mean(v)) for c, v in p.items()} for p in per]
    # every candidate's offset, so that near-equal heads are compared at the same inner music recall
    offsets = [{c: music_offset(np.concatenate([p for p, _ in h[c]]), np.concatenate([y for _, y in h[c]]), target)
                for c in cands} for h in held_out]
    best = [max(s, key=s.get) for s in scores]
    refits = [{} for _ in fold_sets]
    if corpus.validation:
        near = [[c for c in s if s[c] >= s[b] - config.NEAR_F1] for s, b in zip(scores, best)]
        tasks = [(_fit_head, (sorted(folds), c, variants)) for folds, cs in zip(fold_sets, near) for c in cs]
        heads_ = iter(run_all(corpus, tasks, jobs))
        for i, cs in enumerate(near):
            refits[i] = {c: next(heads_) for c in cs}
            recall = {c: validation_music_recall(corpus, with_music_offset(refits[i][c], offsets[i][c]), c) for c in cs}
            best[i] = max(cs, key=lambda c: (recall[c], scores[i][c]))
            log(f"  near the best inner macro-F1: {', '.join(f'{c} (offset {offsets[i][c]:+.2f}) music recall {100 * r:.2f}' for c, r in recall.items())}")
    offsets = [o[b] for o, b in zip(offsets, best)]
    return list(zip(best, scores, refits, offsets))

def validation_music_recall(corpus, head, candidate):
    """the share of the validation music's windows the head calls music"""
    return float(np.mean(heads.head_forward(head, corpus.validation[candidate[0]]).argmax(1) == MUSIC))

def fold_metrics(corpus, prob, test):
    """window and file metrics of one test fold; prob [patches in test, 3]"""
    y, pred = corpus.y[test], prob.argmax(1)
    conf = np.zeros((3, 3), int)
    np.add.at(conf, (y, pred), 1)
    m = {"confusion": conf.tolist()}
    for c, name in enumerate(LABELS):
        tp = conf[c, c]
        p, r = tp / max(conf[:, c].sum(), 1), tp / max(conf[c].sum(), 1)
        m[name] = {"precision": p, "recall": r, "f1": 0 if p + r == 0 else 2 * p * r / (p + r)}
    m["macro_f1"] = float(np.mean([m[n]["f1"] for n in LABELS]))
    m["music_recall"] = conf[MUSIC, MUSIC] / conf[MUSIC].sum()
    for c, name in enumerate(LABELS):
        if c != MUSIC:
            m[f"{name}_called_music"] = conf[c, MUSIC] / max(conf[c].sum(), 1)
    nonmusic = y != MUSIC
    m["nonmusic_called_music"] = float(np.mean(pred[nonmusic] == MUSIC))
    # whole files: the mean of their windows' probabilities; and as `moodd classify` labels them (FileMood):
    # music when at least half the windows are (the corpus has no silent windows for its level gate to take)
    items = corpus.item[test]
    # and the daemon's view: each file as a stream from a reset tracker (smoothed, music must lead 3 s to be
    # entered and others 6 s to leave it): is a mood claimed during a non-music file, and for how much of it
    files, daemon = {}, {}
    for it in np.unique(items):
        p = prob[items == it]
        files[int(it)] = (LABELS.index(corpus.rows[it]["label"]), int(p.mean(0).argmax()),
                          2 * np.sum(p.argmax(1) == MUSIC) >= len(p))
        daemon[int(it)] = content_tracker.states(p) == content_tracker.MUSIC
    is_music = {it: corpus.rows[it]["label"] == "music" for it in daemon}
    m["nonmusic_files_with_mood"] = [corpus.rows[i]["id"] for i, d in daemon.items() if not is_music[i] and d.any()]
    m["music_files_without_mood"] = [corpus.rows[i]["id"] for i, d in daemon.items() if is_music[i] and not d.any()]
    share = lambda music: float(np.mean(np.concatenate([d for i, d in daemon.items() if is_music[i] == music])))
    m["nonmusic_time_with_mood"], m["music_time_with_mood"] = share(False), share(True)
    m["files"] = len(files)
    m["nonmusic_files_called_music"] = [corpus.rows[i]["id"] for i, (t, p, _) in files.items() if t != MUSIC and p == MUSIC]
    m["music_files_called_nonmusic"] = [corpus.rows[i]["id"] for i, (t, p, _) in files.items() if t == MUSIC and p != MUSIC]
    m["nonmusic_files_classified_music"] = [corpus.rows[i]["id"] for i, (t, _, h) in files.items() if t != MUSIC and h]
    m["music_files_classified_nonmusic"] = [corpus.rows[i]["id"] for i, (t, _, h) in files.items() if t == MUSIC and not h]
    # per source: the share of its windows called each class
    m["by_source"] = {}
    for src in sorted({corpus.rows[i]["source"] for i in np.unique(items)}):
        sel = np.array([corpus.rows[i]["source"] == src for i in items])
        m["by_source"][src] = np.bincount(pred[sel], minlength=3).tolist()
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in m.items()}

def switch_metrics(corpus, head, candidate, test, variant, seed):
    """content_switch.measure on the test fold's items, spliced two by two (`seed` draws the pairs)"""
    layer, seconds = split_input(candidate[0])
    items = np.unique(corpus.item[test]).tolist()
    is_music = {i: corpus.rows[i]["label"] == "music" for i in items}
    kind = {i: corpus.rows[i]["label"] for i in items}
    return content_switch.measure(corpus.x[variant][layer], corpus.starts, items, is_music, kind,
                                  lambda x: heads.head_forward(head, x), seconds, seed)

def cross_validate(corpus, layers, augment=True, jobs=1, fixed=None, target=MUSIC_RECALL):
    """-> per outer fold: {"clean": metrics, "room": metrics through the test rooms (if any), "chosen": ...}.
    fixed: a (candidate, music offset) per outer fold to fit instead of choosing them (the control without
    rooms fits the heads the main CV chose, so that it measures the augmentation alone)"""
    folds = sorted(set(corpus.fold.tolist()))
    variants = corpus.training_variants(augment)
    results = []
    train_sets = [[f for f in folds if f != k] for k in folds]
    if fixed is None:
        chosen = choose_many(corpus, train_sets, layers, variants, jobs, target)
    else:
        chosen = [(tuple(c), {tuple(c): float("nan")}, {}, offset) for c, offset in fixed]
    missing = [(_fit_head, (train_sets[i], best, variants)) for i, (best, _, refit, _) in enumerate(chosen) if best not in refit]
    fitted = iter(run_all(corpus, missing, jobs))
    for k, train_folds, (best, scores, refit, offset) in zip(folds, train_sets, chosen):
        head = with_music_offset(refit[best] if best in refit else next(fitted), offset)
        test = corpus.fold == k
        r = {"clean": fold_metrics(corpus, predict(corpus, head, best, test), test)
                      | {"switch": switch_metrics(corpus, head, best, test, "clean", k)},
             "chosen": {"layer": best[0], "kind": best[1], "param": best[2], "inner_f1": scores[best],
                        "music_offset": offset}}
        if corpus.validation and fixed is None:
            r["chosen"]["validation_music_recall"] = validation_music_recall(corpus, head, best)
        if corpus.has_rooms:
            r["room"] = fold_metrics(corpus, predict(corpus, head, best, test, "test"), test) \
                | {"switch": switch_metrics(corpus, head, best, test, "test", k)}
        results.append(r)
        for name in ("clean", "room"):
            if name in r:
                m = r[name]
                log(f"fold {k} {name}: {best} window macro-F1 {m['macro_f1']:.3f}, music recall {m['music_recall']:.4f}, "
                    f"non-music called music {m['nonmusic_called_music']:.4f}, files wrong "
                    f"{len(m['nonmusic_files_called_music'])}+{len(m['music_files_called_nonmusic'])}")
    return results

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    ap.add_argument("--corpus", default=os.path.join(config.CACHE, "content"), help="content_corpus.py's output")
    ap.add_argument("--layers", default=",".join(LAYERS), help="inputs the inner CV may choose")
    ap.add_argument("--contexts", default=",".join(f"{c:g}" for c in CONTEXTS),
                    help="seconds of context the inner CV may give the head (0: the window alone)")
    ap.add_argument("--jobs", type=int, default=2, help="moodd embed processes, and head fits, at once")
    ap.add_argument("--report", default=os.path.join(config.REPO, "training", "reports", "content.md"))
    ap.add_argument("--export", help="model file to add the content head to (its other heads are kept)")
    ap.add_argument("--control", action="store_true",
                    help="also the heads the CV chose, trained per fold without room augmentation")
    ap.add_argument("--music-recall", type=float, default=MUSIC_RECALL,
                    help="the share of music windows the inner CV sets each head's music offset to call music")
    ap.add_argument("--validation-music", help="a folder of music from another dataset, to choose among near-equal heads")
    args = ap.parse_args()
    layers = args.layers.split(",")
    rows = content_corpus.read_manifest(os.path.join(args.corpus, "manifest.csv"))
    validation = sorted(os.path.join(args.validation_music, f) for f in os.listdir(args.validation_music)
                        if f.lower().endswith(config.AUDIO_EXTENSIONS)) if args.validation_music else ()
    contexts = [float(c) for c in args.contexts.split(",")]
    corpus = Corpus(rows, layers, args.jobs, root=args.corpus, validation_music=validation, contexts=contexts)
    layers = corpus.inputs                      # each layer, with each context offered
    results = cross_validate(corpus, layers, jobs=args.jobs, target=args.music_recall)
    control = None
    if corpus.has_rooms and args.control:
        chosen = [((r["chosen"]["layer"], r["chosen"]["kind"], r["chosen"]["param"]), r["chosen"]["music_offset"])
                  for r in results]
        control = cross_validate(corpus, layers, augment=False, jobs=args.jobs, fixed=chosen)
    import content_report
    final = None
    if args.export:
        import content_export
        final = content_export.export_content_head(corpus, layers, args.export, jobs=args.jobs,
                                                   target=args.music_recall)
    content_report.write(args.report, corpus, results, final, control, args.music_recall)
    log(f"wrote {args.report}")

if __name__ == "__main__":
    main()
