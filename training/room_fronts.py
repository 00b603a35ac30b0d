"""
Can a fixed processing in front of the backbone make the room cost the mood head less? Each front is applied
to every copy the head sees (the 4Q clips clean, through their training rooms and through their test rooms,
as content_corpus.py --rooms made them), as the daemon would apply it to everything it hears; moodd embeds
the result and room_parts.evaluate fits and scores the same mood head per artist-disjoint fold (logistic
regression, C 0.003, on the pooled input's clip means, trained on clean + training-room copies).

Fronts (--fronts, comma-separated):
    none                  nothing (the embeddings room_parts.py already made)
    dereverb:RT60         late-reverberation suppression assuming a room of RT60 s (dereverb.py: the
                          reverberation predicted 6 frames, 96 ms, back; no smoothing; floor -10 dB)
    reverb:RT60:DRR       a fixed artificial reverberation added to everything: a direct impulse and an
                          exponentially decaying noise tail of RT60 s, DRR dB under it (the room then adds
                          less that the head has not seen)

    python training/room_fronts.py --corpus $MOODD_CACHE/content --fronts none,dereverb:0.5,reverb:0.8:-6 \
        --report training/reports/room_fronts.md

The copies go to CORPUS/rooms/fronts/<front>/<clean|train|test>/4q/.
"""
import argparse
import datetime
import json
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import config
import content_corpus
import content_sounds as sounds
import dereverb
import room_parts
from common import git_commit, log
from embed import Embedder

COPIES = ("clean", "train", "test")
SR = config.SAMPLE_RATE

def tail_response(rt60, drr_db, seed=config.SEED):
    """a direct impulse and a Gaussian tail decaying 60 dB in rt60 s, from 5 ms on, drr_db dB under it"""
    t = np.arange(int(rt60 * SR)) / SR
    tail = np.random.default_rng(seed).standard_normal(len(t)) * np.exp(-3 * np.log(10) * t / rt60)
    tail[:int(0.005 * SR)] = 0
    tail *= np.sqrt(10 ** (drr_db / 10) / np.sum(tail ** 2))
    tail[0] = 1
    return tail

def parse_front(text):
    """'reverb:0.8:-6' -> a function x -> x processed (same length and RMS), or None for 'none'"""
    kind, *args = text.split(":")
    try:
        values = [float(a) for a in args]
    except ValueError:
        raise ValueError(f"front {text!r}: its parameters are not numbers") from None
    if kind == "none" and not values:
        return None
    if kind == "dereverb" and len(values) == 1 and values[0] > 0:
        return lambda x: dereverb.dereverb(x, values[0], floor=0.1, smoothing=0.0, delay_frames=6)
    if kind == "reverb" and len(values) == 2 and values[0] > 0:
        from scipy.signal import fftconvolve
        h = tail_response(*values)
        def add(x):
            y = fftconvolve(np.asarray(x, np.float64), h)[:len(x)]
            return (y * np.sqrt(np.mean(np.square(x)) / max(np.mean(y ** 2), 1e-24))).astype(np.float32)
        return add
    raise ValueError(f"front {text!r}: not none, dereverb:RT60 or reverb:RT60:DRR")

def source_path(root, copy, item):
    return item["path"] if copy == "clean" else content_corpus.room_path(root, copy, item)

def clip_means(root, items, front, process, jobs):
    """{copy: [clips, 1506]} mean pooled input of each clip, each copy through the front (none: room_parts's)"""
    if process is None:
        return room_parts.clip_means(root, items, (), jobs)
    emb = Embedder(layer="pooled", cache=root)
    out = {}
    for copy in COPIES:
        def one(it):
            rel = os.path.join("rooms", "fronts", front.replace(":", "_"), copy, it["source"], it["id"])
            path = os.path.join(root, rel + ".wav")
            if not os.path.exists(emb.cache_path(rel)) and not os.path.exists(path):
                os.makedirs(os.path.dirname(path), exist_ok=True)
                content_corpus.write_wav(path, process(sounds.read_audio(source_path(root, copy, it))))
            return emb(path, rel).mean(0)
        with ThreadPoolExecutor(jobs) as pool:
            out[copy] = np.stack(list(pool.map(one, items)))
        log(f"{front} {copy}: {len(items)} clips")
    return out

def write(path, results, clips):
    out = []
    w = out.append
    w("# A fixed front before the backbone, against the room\n")
    w(f"Written by `training/room_fronts.py` on {datetime.date.today()} at commit {git_commit()}. The content "
      f"corpus's {clips} 4Q clips, clean, through their training rooms and through their test rooms, each "
      "through the same front; per artist-disjoint fold a logistic-regression mood head (C 0.003, pooled "
      "input's clip means) is fitted on the other folds' clean and training-room copies and scored on the "
      "test fold clean and through its test rooms. Mean ± std over the 5 folds; the loss is paired by fold.\n")
    w("| front | clean macro-F1 | through a test room | loss (points) |")
    w("|---|---|---|---|")
    for front, folds in results.items():
        clean = np.array([r["clean"][0] for r in folds])
        room = np.array([r["test"][0] for r in folds])
        loss = 100 * (clean - room)
        w(f"| {front} | {100 * clean.mean():.1f} ± {100 * clean.std():.1f} | {100 * room.mean():.1f} ± "
          f"{100 * room.std():.1f} | {loss.mean():.1f} ± {loss.std():.1f} |")
    w("")
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(path + ".tmp", path)
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        json.dump({"fronts": results, "clips": clips}, f, indent=1)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    ap.add_argument("--corpus", default=os.path.join(config.CACHE, "content"), help="content_corpus.py --rooms's output")
    ap.add_argument("--fronts", default="none,dereverb:0.5,reverb:0.8:-6")
    ap.add_argument("--jobs", type=int, default=2, help="moodd embed processes at once")
    ap.add_argument("--report", default=os.path.join(config.REPO, "training", "reports", "room_fronts.md"))
    args = ap.parse_args()
    fronts = {f: parse_front(f) for f in args.fronts.split(",")}
    items = [r for r in content_corpus.read_manifest(os.path.join(args.corpus, "manifest.csv")) if r["source"] == "4q"]
    if not items:
        raise SystemExit(f"{args.corpus}: no 4Q clips in the manifest")
    y = np.array([room_parts.QUADRANTS.index(os.path.basename(os.path.dirname(r["path"]))) for r in items])
    fold = np.array([r["fold"] for r in items])
    results = {}
    for front, process in fronts.items():
        x = clip_means(args.corpus, items, front, process, args.jobs)
        results[front] = room_parts.evaluate(x, y, fold, ())
        write(args.report, results, len(items))
    log(f"wrote {args.report}")

if __name__ == "__main__":
    main()
