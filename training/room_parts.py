"""
What each part of a test room costs the mood head. The content corpus's 4Q clips (content_corpus.py
--rooms) are heard clean, through their test room as the corpus made them, and through the same room with
only some of its parts (rooms.PARTS: the reverberation, the room's noise at the room's SNR, the
microphone's band limits), each copy drawn from the same random stream as the corpus's, so that a part
applied alone is exactly the one in the full room. moodd embeds every copy; per fold (the corpus's, artist-
disjoint), a logistic-regression mood head (the shipped kind: C 0.003 on the pooled input's clip means) is
fitted on the training folds' clips and their training-room copies, and scored on the test fold's copies.

    python training/room_parts.py --corpus $MOODD_CACHE/content --report training/reports/rooms.md

The copies go to CORPUS/rooms/parts/<parts>/4q/, their embeddings to the corpus's embedding cache.
"""
import argparse
import collections
import csv
import datetime
import json
import os
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import config
import content_corpus
import content_sounds as sounds
import heads
import mood_cv
import rooms
from common import git_commit, log
from embed import Embedder

QUADRANTS = ("Q1", "Q2", "Q3", "Q4")
HEAD = ("lr", 0.003)
VARIANTS = ("reverb", "noise", "band", "reverb+band")      # besides clean and the full test room

def parts_of(variant):
    parts = tuple(variant.split("+"))
    unknown = set(parts) - set(rooms.PARTS)
    if unknown:
        raise ValueError(f"room variant {variant!r}: {', '.join(sorted(unknown))} is not one of {', '.join(rooms.PARTS)}")
    return parts

def test_room_copy(item, x, parts, seed=config.SEED):
    """(test room, x through it with `parts` only), drawn as content_corpus.build_rooms draws the item's test
    room: its training room first, from the same stream"""
    rng = np.random.default_rng([seed, zlib.crc32(item["id"].encode())])
    train = rooms.ROOMS["train"][rng.integers(len(rooms.ROOMS["train"]))]
    rooms.through(x, train, rng, parts=())           # moves the stream on as the training copy did
    test = rooms.ROOMS["test"][rng.integers(len(rooms.ROOMS["test"]))]
    return test, rooms.through(x, test, rng, parts)

def listed_test_rooms(root, items):
    """[name of the test room each item went through], as build_rooms listed them (ROOT/rooms/rooms.csv)"""
    with open(os.path.join(root, "rooms", "rooms.csv"), newline="") as f:
        room = {r["id"]: r["room"] for r in csv.DictReader(f) if r["variant"] == "test"}
    return [room[it["id"]] for it in items]

def parts_path(root, variant, item):
    return os.path.join(root, "rooms", "parts", variant, item["source"], item["id"] + ".wav")

def check_replay(root, item):
    """the full room, replayed, must be the corpus's test copy (16-bit WAV: within 2 LSB)"""
    _, y = test_room_copy(item, sounds.read_audio(item["path"]), rooms.PARTS)
    made = sounds.read_audio(content_corpus.room_path(root, "test", item))
    if made.shape != y.shape or np.max(np.abs(made - np.clip(y, -1, 1))) > 2 / 32768:
        raise ValueError(f"{content_corpus.room_path(root, 'test', item)}: the corpus's test room is not what "
                         "this replay makes: rebuild the rooms (content_corpus.py --rooms)")

def make_copy(root, variant, item):
    path = parts_path(root, variant, item)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        _, y = test_room_copy(item, sounds.read_audio(item["path"]), parts_of(variant))
        content_corpus.write_wav(path, y)
    return path

def clip_means(root, items, variants, jobs):
    """{variant: [clips, 1506]} mean pooled input of each clip, for clean, train, test and `variants`"""
    emb = Embedder(layer="pooled", cache=root)
    out = {}
    for v in ("clean", "train", "test") + tuple(variants):
        def one(it):
            if v == "clean":
                return emb(it["path"], f"{it['source']}/{it['id']}").mean(0)
            if v in ("train", "test"):
                return emb(content_corpus.room_path(root, v, it), f"rooms/{v}/{it['source']}/{it['id']}").mean(0)
            return emb(make_copy(root, v, it), f"rooms/parts/{v}/{it['source']}/{it['id']}").mean(0)
        with ThreadPoolExecutor(jobs) as pool:
            out[v] = np.stack(list(pool.map(one, items)))
        log(f"{v}: {len(items)} clips")
    return out

def evaluate(x, y, fold, variants, predictions=None):
    """per fold: {variant: (macro-F1, predicted quadrant counts)} of the head fitted on the other folds'
    clean and training-room clip means; predictions (optional): {variant: [clips]} filled with each clip's
    predicted quadrant"""
    out = []
    for k in sorted(set(fold.tolist())):
        tr, te = fold != k, fold == k
        head = heads.fit_head(np.concatenate([x["clean"][tr], x["train"][tr]]), np.tile(y[tr], 2),
                              len(QUADRANTS), *HEAD)
        r = {}
        for v in ("clean", "test") + tuple(variants):
            pred = heads.head_forward(head, x[v][te]).argmax(1)
            if predictions is not None:
                predictions.setdefault(v, np.zeros(len(y), int))[te] = pred
            r[v] = (mood_cv.macro_f1(y[te], pred), np.bincount(pred, minlength=len(QUADRANTS)).tolist())
        out.append(r)
        log(f"fold {k}: " + ", ".join(f"{v} {100 * f:.1f}" for v, (f, _) in r.items()))
    return out

def direct_to_reverberant(room, direct_ms=2.5):
    """dB: the impulse response's energy within direct_ms of its strongest tap against the rest"""
    rir = rooms.impulse_response(room)
    peak, half = int(np.argmax(np.abs(rir))), int(direct_ms * rooms.SR / 1000)
    direct = np.sum(rir[max(peak - half, 0):peak + half + 1] ** 2)
    return float(10 * np.log10(direct / max(np.sum(rir ** 2) - direct, 1e-20)))

def room_rows(w, y, room_of, predictions, variants):
    """per test room: its clips' accuracy clean and through each copy, and how many keep their clean label"""
    shown = ("test", "reverb") + tuple(v for v in variants if v != "reverb")
    w("Per test room (accuracy of the clips it heard; in brackets, the share whose label is the one they get "
      "clean), by the room's direct-to-reverberant ratio (the impulse response's energy within 2.5 ms of its "
      "direct sound against the rest):\n")
    w("| room | RT60 s | distance m | D/R dB | SNR dB | clips | clean | " + " | ".join(
        "full room" if v == "test" else " + ".join(parts_of(v)) for v in shown) + " |")
    w("|---|---|---|---|---|---|---|" + "---|" * len(shown))
    by_room = collections.defaultdict(list)
    for i, r in enumerate(room_of):
        by_room[r].append(i)
    table = {r.name: r for r in rooms.ROOMS["test"]}
    for name in sorted(by_room, key=lambda n: -direct_to_reverberant(table[n])):
        room, idx = table[name], np.array(by_room[name])
        acc = lambda v: 100 * np.mean(predictions[v][idx] == y[idx])
        keep = lambda v: 100 * np.mean(predictions[v][idx] == predictions["clean"][idx])
        w(f"| {name} | {room.rt60:.2f} | {room.distance:.1f} | {direct_to_reverberant(room):+.1f} | {room.snr_db:g} | "
          f"{len(idx)} | {acc('clean'):.0f} % | " + " | ".join(f"{acc(v):.0f} % ({keep(v):.0f} %)" for v in shown) + " |")
    w("")

def write(path, folds, y, variants, room_of, predictions):
    names = {"clean": "clean", "test": "the full test room"} | {v: " + ".join(parts_of(v)) + " only" for v in variants}
    f1 = {v: np.array([r[v][0] for r in folds]) for v in folds[0]}
    share = {v: np.sum([r[v][1] for r in folds], axis=0) / len(y) for v in folds[0]}
    out = []
    w = out.append
    w("# What each part of a room costs the mood head\n")
    w(f"Written by `training/room_parts.py` on {datetime.date.today()} at commit {git_commit()}. The content "
      f"corpus's {len(y)} 4Q clips, each heard clean, through its test room as the corpus made it (one of "
      f"{len(set(room_of))} rooms of `training/rooms.py`: RT60 0.2-1.0 s, microphone 1-5 m away, the room's noise "
      "at 5-25 dB SNR, microphone band limits), and through the same room with only some of its parts. Per "
      "fold (the corpus's 5 artist-disjoint folds), a logistic-regression mood head (C 0.003 on the pooled "
      "input's clip means, the shipped kind) is fitted on the other folds' clips and their training-room copies "
      "(no other augmentation, so its figures are not the shipped head's) and scored on each copy of the "
      "test fold. Mean ± std over the folds; the loss is paired by fold.\n")
    w("| heard | 4Q macro-F1 | loss against clean (points) | called Q1 / Q2 / Q3 / Q4 |")
    w("|---|---|---|---|")
    for v in ("clean", "test") + tuple(variants):
        loss = 100 * (f1["clean"] - f1[v])
        w(f"| {names[v]} | {100 * f1[v].mean():.1f} ± {100 * f1[v].std():.1f} | "
          + ("" if v == "clean" else f"{loss.mean():.1f} ± {loss.std():.1f}") + " | "
          + " / ".join(f"{100 * s:.0f} %" for s in share[v]) + " |")
    truth = np.bincount(y, minlength=len(QUADRANTS)) / len(y)
    w(f"\nThe clips are {' / '.join(f'{100 * s:.0f} %' for s in truth)} Q1 / Q2 / Q3 / Q4 (happy, angry, "
      "sad, relaxed).\n")
    room_rows(w, y, room_of, predictions, variants)
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(path + ".tmp", path)
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        json.dump({"folds": folds, "clips": len(y)}, f, indent=1)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    ap.add_argument("--corpus", default=os.path.join(config.CACHE, "content"), help="content_corpus.py --rooms's output")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="room parts heard alone (joined by +)")
    ap.add_argument("--jobs", type=int, default=2, help="moodd embed processes at once")
    ap.add_argument("--report", default=os.path.join(config.REPO, "training", "reports", "rooms.md"))
    args = ap.parse_args()
    variants = args.variants.split(",")
    for v in variants:
        parts_of(v)
    rows = content_corpus.read_manifest(os.path.join(args.corpus, "manifest.csv"))
    items = [r for r in rows if r["source"] == "4q"]
    if not items:
        raise SystemExit(f"{args.corpus}: no 4Q clips in the manifest")
    check_replay(args.corpus, items[0])
    y = np.array([QUADRANTS.index(os.path.basename(os.path.dirname(r["path"]))) for r in items])
    fold = np.array([r["fold"] for r in items])
    x = clip_means(args.corpus, items, variants, args.jobs)
    predictions = {}
    folds = evaluate(x, y, fold, variants, predictions)
    room_of = listed_test_rooms(args.corpus, items)
    write(args.report, folds, y, variants, room_of, predictions)
    log(f"wrote {args.report}")

if __name__ == "__main__":
    main()
