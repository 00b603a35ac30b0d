"""
How a model file's heads transfer to music they were not trained on: a dataset with listeners' valence and
arousal ratings per clip (MUSIFEAST-17, van der Walle et al. 2025: 356 instrumental excerpts of 17 genres,
rated by ~34 listeners each). Never used for training; its music is used to tell near-equal content heads
apart (content.py --validation-music), so the content head's figure here is a validation figure, while
the mood head's figures are untouched by any choice.

    python training/transfer.py --dataset DIR --model models/moodd-4q.safetensors --report training/reports/transfer.md

DIR holds data/MUSIFEAST17_all.csv (CLIP_NAME, ARTIST, valence_M, arousal_M) and stimuli/<CLIP_NAME>.mp3.
Clips by artists who are also in 4Q (--exclude-artists-of the 4Q metadata CSV) are left out, so no artist is
on both sides. Per clip, the mood head's probabilities are the mean over its 3-s windows (what the daemon's
EMA converges to) and its valence / arousal are Σ p · the head's signs; the figures are the Spearman
correlations with the listeners' means (95 % bootstrap intervals over clips). The content head, when the
file has one, should call every clip music: its music share is reported too.
"""
import argparse
import csv
import datetime
import json
import os

import numpy as np

import config
import export
import heads
from embed import Embedder
from common import git_commit

def read_ratings(path, id_column="CLIP_NAME", artist_column="ARTIST", valence="valence_M", arousal="arousal_M"):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    missing = {id_column, artist_column, valence, arousal} - set(rows[0] if rows else {})
    if missing:
        raise ValueError(f"{path}: no column {sorted(missing)}")
    return [{"id": r[id_column], "artist": r[artist_column].strip(), "valence": float(r[valence]),
             "arousal": float(r[arousal]), "genre": r.get("GENRE", "")} for r in rows]

def spearman_ci(a, b, rng, n=1000):
    from scipy.stats import spearmanr
    rho = spearmanr(a, b).statistic
    boot = []
    for _ in range(n):
        i = rng.integers(len(a), size=len(a))
        boot.append(spearmanr(a[i], b[i]).statistic)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return float(rho), float(lo), float(hi)

def evaluate(clips, model, audio_dir):
    described = export.read_heads(model)
    embedders = {layer: Embedder(layer=layer) for layer in {d.get("input", "penultimate") for d, _ in described}}
    out = {}
    for desc, head in described:
        emb = embedders[desc.get("input", "penultimate")]
        probs = [heads.head_forward(head, emb(os.path.join(audio_dir, c["id"] + ".mp3"), f"transfer/{c['id']}"))
                 for c in clips]
        out[desc["name"]] = (desc, probs)
    return out

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    ap.add_argument("--dataset", required=True, help="MUSIFEAST-17's folder (data/, stimuli/)")
    ap.add_argument("--model", default=os.path.join(config.REPO, "models", "moodd-4q.safetensors"))
    ap.add_argument("--exclude-artists-of", help="a CSV whose Artist column lists artists to leave out (4Q's metadata)")
    ap.add_argument("--report", default=os.path.join(config.REPO, "training", "reports", "transfer.md"))
    args = ap.parse_args()
    clips = read_ratings(os.path.join(args.dataset, "data", "MUSIFEAST17_all.csv"))
    excluded = set()
    if args.exclude_artists_of:
        with open(args.exclude_artists_of, newline="", encoding="utf-8-sig") as f:
            excluded = {r["Artist"].strip().lower() for r in csv.DictReader(f)}
    kept = [c for c in clips if c["artist"].lower() not in excluded]
    results = evaluate(kept, args.model, os.path.join(args.dataset, "stimuli"))
    rng = np.random.default_rng(config.SEED)
    L = [f"# Transfer to music the heads never saw: MUSIFEAST-17\n",
         f"Written by `training/transfer.py` on {datetime.date.today()} at commit {git_commit()} for "
         f"`{os.path.relpath(args.model, config.REPO)}`. {len(kept)} of {len(clips)} clips "
         f"({len(clips) - len(kept)} left out: their artists are also in 4Q); listeners' mean ratings "
         f"(valence {min(c['valence'] for c in kept):.2f}-{max(c['valence'] for c in kept):.2f}, arousal "
         f"{min(c['arousal'] for c in kept):.2f}-{max(c['arousal'] for c in kept):.2f}). Never used to train a head, "
         "nor to choose the mood head; its music tells near-equal content heads apart "
         "(`content.py --validation-music`).\n"]
    summary = {"clips": len(kept)}
    if "mood" in results:
        desc, probs = results["mood"]
        p = np.array([x.mean(0) for x in probs])
        v, a = p @ np.array(desc["valence"], float), p @ np.array(desc["arousal"], float)
        rv = spearman_ci(v, np.array([c["valence"] for c in kept]), rng)
        ra = spearman_ci(a, np.array([c["arousal"] for c in kept]), rng)
        summary["mood"] = {"valence_spearman": rv, "arousal_spearman": ra,
                           "labels": dict(zip(desc["labels"], np.bincount(p.argmax(1), minlength=len(desc["labels"])).tolist()))}
        L += ["## Mood head: ranking against listeners (Spearman, 95 % bootstrap interval)\n",
              "| axis | Spearman |", "|---|---|",
              f"| arousal | {ra[0]:.3f} [{ra[1]:.3f}, {ra[2]:.3f}] |", f"| valence | {rv[0]:.3f} [{rv[1]:.3f}, {rv[2]:.3f}] |", "",
              "Clips per announced label: " + ", ".join(f"{k} {n}" for k, n in summary["mood"]["labels"].items()) + ".\n"]
    if "content" in results:
        desc, probs = results["content"]
        music = desc["labels"].index("music")
        windows = np.concatenate([x.argmax(1) for x in probs])
        files = np.array([x.mean(0).argmax() for x in probs])
        summary["content"] = {"music_windows": float(np.mean(windows == music)), "music_files": int(np.sum(files == music)),
                              "windows": int(len(windows))}
        not_music = [c["id"] for c, f in zip(kept, files) if f != music]
        L += ["## Content head on this music\n",
              f"{100 * np.mean(windows == music):.2f} % of {len(windows):,} windows and {int(np.sum(files == music))} of "
              f"{len(kept)} clips (mean of windows) called music."
              + (f" Clips called otherwise: {', '.join(f'`{i}`' for i in not_music)}." if not_music else "") + "\n"]
    with open(args.report + ".tmp", "w") as f:
        f.write("\n".join(L) + "\n")
    os.replace(args.report + ".tmp", args.report)
    with open(os.path.splitext(args.report)[0] + ".json", "w") as f:
        json.dump(summary, f, indent=1)
    print("\n".join(L))

if __name__ == "__main__":
    main()
