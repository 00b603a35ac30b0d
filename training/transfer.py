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

def room_copies(clips, audio_dir, out_dir):
    """{clip id: path} of each clip through one of rooms.py's TEST rooms (drawn per clip from a seed, the
    room noise seeded by the clip), written once under out_dir"""
    import augment
    import rooms
    paths = {}
    for c in clips:
        path = os.path.join(out_dir, c["id"] + ".wav")
        if not os.path.exists(path):
            os.makedirs(out_dir, exist_ok=True)
            rng = np.random.default_rng([config.SEED, *c["id"].encode()])
            room = rooms.ROOMS["test"][rng.integers(len(rooms.ROOMS["test"]))]
            x = augment.load_audio(os.path.join(audio_dir, c["id"] + ".mp3"))
            augment.write_wav(path + ".tmp.wav", rooms.through(x, room, rng))
            os.replace(path + ".tmp.wav", path)
        paths[c["id"]] = path
    return paths

def evaluate(clips, model, audio_dir, room_paths=None):
    """{head name: (description, [per clip [windows, classes]])}, clean or (room_paths) through the rooms"""
    described = export.read_heads(model)
    embedders = {layer: Embedder(layer=layer) for layer in {d.get("input", "penultimate") for d, _ in described}}
    out = {}
    for desc, head in described:
        layer_emb, context = embedders[desc.get("input", "penultimate")], desc.get("context_seconds", 0)
        emb = (lambda *a: heads.with_context(layer_emb(*a), context)) if context > 0 else layer_emb
        if room_paths:
            probs = [heads.head_forward(head, emb(room_paths[c["id"]], f"transfer-rooms/{c['id']}")) for c in clips]
        else:
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
    audio = os.path.join(args.dataset, "stimuli")
    results = evaluate(kept, args.model, audio)
    roomed = evaluate(kept, args.model, audio, room_copies(kept, audio, os.path.join(config.CACHE, "transfer-rooms")))
    rng = np.random.default_rng(config.SEED)
    mood_chosen = "mood" in results and results["mood"][0].get("validation", {}).get("set") == "MUSIFEAST-17"
    L = [f"# Transfer to music the heads never saw: MUSIFEAST-17\n",
         f"Written by `training/transfer.py` on {datetime.date.today()} at commit {git_commit()} for "
         f"`{os.path.relpath(args.model, config.REPO)}`. {len(kept)} of {len(clips)} clips "
         f"({len(clips) - len(kept)} left out: their artists are also in 4Q); listeners' mean ratings "
         f"(valence {min(c['valence'] for c in kept):.2f}-{max(c['valence'] for c in kept):.2f}, arousal "
         f"{min(c['arousal'] for c in kept):.2f}-{max(c['arousal'] for c in kept):.2f}). Never used to train a head. "
         + ("It tells near-equal heads apart, for the mood head (`evaluate.py --validation`) and the content head "
            "(`content.py --validation-music`), so these are validation figures, not test figures."
            if mood_chosen else "Its music tells near-equal content heads apart (`content.py --validation-music`); "
            "the mood head's figures are untouched by any choice.")
         + " Through a test room: each clip through one of rooms.py's 12 test rooms (drawn per clip; RT60 "
         "0.2-1.0 s, microphone 1-5 m away, room noise at 5-25 dB SNR, band limits), as a station's microphone "
         "would hear it played.\n"]
    summary = {"clips": len(kept)}
    if "mood" in results:
        L += ["## Mood head: ranking against listeners (Spearman, 95 % bootstrap interval)\n",
              "| axis | clean | through a test room |", "|---|---|---|"]
        rows, shares = {}, {}
        for name, res in (("clean", results), ("room", roomed)):
            desc, probs = res["mood"]
            p = np.array([x.mean(0) for x in probs])
            v, a = p @ np.array(desc["valence"], float), p @ np.array(desc["arousal"], float)
            rows[name] = {"valence_spearman": spearman_ci(v, np.array([c["valence"] for c in kept]), rng),
                          "arousal_spearman": spearman_ci(a, np.array([c["arousal"] for c in kept]), rng)}
            shares[name] = dict(zip(desc["labels"], np.bincount(p.argmax(1), minlength=len(desc["labels"])).tolist()))
        summary["mood"] = {**rows["clean"], "labels": shares["clean"], "room": {**rows["room"], "labels": shares["room"]}}
        for axis in ("arousal", "valence"):
            c, r = rows["clean"][f"{axis}_spearman"], rows["room"][f"{axis}_spearman"]
            L.append(f"| {axis} | {c[0]:.3f} [{c[1]:.3f}, {c[2]:.3f}] | {r[0]:.3f} [{r[1]:.3f}, {r[2]:.3f}] |")
        L += ["", "Clips per announced label: clean " + ", ".join(f"{k} {n}" for k, n in shares["clean"].items())
              + "; through a test room " + ", ".join(f"{k} {n}" for k, n in shares["room"].items()) + ".\n"]
    if "content" in results:
        L.append("## Content head on this music\n")
        summary["content"] = {}
        for name, res in (("clean", results), ("through a test room", roomed)):
            desc, probs = res["content"]
            music = desc["labels"].index("music")
            windows = np.concatenate([x.argmax(1) for x in probs])
            files = np.array([x.mean(0).argmax() for x in probs])
            summary["content"]["clean" if name == "clean" else "room"] = {
                "music_windows": float(np.mean(windows == music)), "music_files": int(np.sum(files == music)),
                "windows": int(len(windows))}
            not_music = [c["id"] for c, f in zip(kept, files) if f != music]
            L.append(f"- {name}: {100 * np.mean(windows == music):.2f} % of {len(windows):,} windows and "
                     f"{int(np.sum(files == music))} of {len(kept)} clips (mean of windows) called music."
                     + (f" Clips called otherwise: {', '.join(f'`{i}`' for i in not_music)}." if not_music else ""))
        L.append("")
    with open(args.report + ".tmp", "w") as f:
        f.write("\n".join(L) + "\n")
    os.replace(args.report + ".tmp", args.report)
    with open(os.path.splitext(args.report)[0] + ".json", "w") as f:
        json.dump(summary, f, indent=1)
    print("\n".join(L))

if __name__ == "__main__":
    main()
