"""
The content corpus: 3-class audio (music, speech, noise) for the content head, with every item assigned to
one of config.OUTER_FOLDS folds by its group (artist, speaker, voice, sound package, generated recording)
so that no artist, speaker or recording is on both sides of a fold. Mixtures are made inside a fold, from
components of that fold only.

    python training/content_corpus.py --mer DIR --ravdess DIR --fsdd DIR [--keystrokes DIR] --out $MOODD_CACHE/content

    music     4Q clips (read in place); game soundtracks from Debian packages (content_sounds.MUSIC_PACKAGES);
              + 4Q clips with chatter 10-15 dB under them, + with room noise at 5-20 dB SNR
    speech    RAVDESS statements back to back per actor (their silent edges trimmed); Free Spoken Digit Dataset
              digits per speaker;
              text-to-speech (espeak-ng, flite, festival) reading real sentences in 16 languages;
              + speech over music 10-20 dB under it, + speech over room noise
    noise     synthetic room sounds (content_sounds.NOISE_KINDS); sound effects and ambiences from Debian
              packages (content_sounds.SFX_PACKAGES); real keyboard typing (--keystrokes: the Keystroke-Datasets
              recordings, JBFH-Dev/Keystroke-Datasets, MIT licence: one typist, one laptop, so one group)

-> OUT/manifest.csv (id, path, label, group, fold, source) and OUT/<source>/<id>.wav (16 kHz mono s16);
with --rooms also OUT/rooms/{train,test}/<source>/<id>.wav: each item through one of rooms.py's training
rooms and one of its test rooms.
Written whole or not at all: a rerun reuses finished WAVs and rewrites the manifest. Every random draw is
made whether or not its WAV exists, so a rerun from the cache gives the items, groups and folds a build from
scratch gives; a mixture's id ends in a checksum of its recipe (components, levels), so a cached mixture is
reused only for the same recipe (before December a rerun reshuffled the folds under the cached mixtures);
sources added after the first ones draw from their own seeded generators.

RAVDESS's sung statements (vocal channel 02) would be music: a melody sung is a song. The copy fetched here
has the spoken statements only, so none are used.
"""
import argparse
import collections
import csv
import glob
import os
import zlib

import numpy as np

import config
import content_sounds as sounds
import dataset

SR = config.SAMPLE_RATE
STREAM_SECONDS = 30.0
LABELS = ("music", "speech", "noise")
LEVEL_DBFS = (-35.0, -15.0)         # RMS of a generated item: quiet to loud, always above the silence gate
MIXES_PER_FOLD = 24                 # of each mixture kind
# what build() writes, in OUT/VERSION; a cache of another version is refused, not mixed in. 2: RAVDESS's
# statements trimmed, so that the pause between two is the drawn one; 3: the music two sound packages ship
# among their effects (chromium-bsu's music loops, Oxygen's log-in tunes) out of the noise class
CORPUS_VERSION = 3

def db_to_gain(db):
    return 10 ** (db / 20)

def at_level(x, dbfs):
    """x scaled to an RMS of dbfs, peaks kept under full scale"""
    x = np.asarray(x, np.float64)
    y = x * db_to_gain(dbfs) / (np.sqrt(np.mean(x ** 2)) + 1e-12)
    peak = np.abs(y).max()
    return (y / peak * 0.99 if peak > 0.99 else y).astype(np.float32)

def mix(fg, bg, below_db):
    """fg with bg at `below_db` dB under it (RMS over the length of fg; bg looped or cut to fit)"""
    bg = np.resize(bg, len(fg))
    rms = lambda v: np.sqrt(np.mean(np.asarray(v, np.float64) ** 2)) + 1e-12
    return fg + bg * (rms(fg) / rms(bg)) * db_to_gain(-below_db)

def trim(x, top_db=40.0, margin=0.02):
    """x without its leading and trailing stretches quieter than `top_db` under its loudest 10-ms frame
    (`margin` s of them kept on each side); all-quiet x is returned as it is"""
    hop = SR // 100
    n = len(x) // hop
    if n == 0:
        return x
    e = 10 * np.log10(np.mean(np.asarray(x[: n * hop], np.float64).reshape(n, hop) ** 2, axis=1) + 1e-20)
    loud = np.flatnonzero(e > e.max() - top_db)
    if e.max() < -100 or len(loud) == 0:
        return x
    keep = int(margin * SR)
    return x[max(0, loud[0] * hop - keep): min(len(x), (loud[-1] + 1) * hop + keep)]

def concat_with_gaps(parts, rng, gap=(0.15, 0.6), seconds=STREAM_SECONDS, floor_db=-70.0):
    """short recordings back to back with pauses (a low room tone in them, as a microphone hears), cut
    into streams of `seconds`; the last partial stream is dropped unless it is the only one"""
    out, cur = [], []
    n = int(seconds * SR)
    for p in parts:
        cur += [p, np.zeros(int(rng.uniform(*gap) * SR), np.float32)]
        if sum(len(c) for c in cur) >= n:
            out.append(np.concatenate(cur)[:n])
            cur = []
    if not out and cur:
        out.append(np.concatenate(cur))
    return [s + db_to_gain(floor_db) * rng.standard_normal(len(s)).astype(np.float32) for s in out]

# -----------------------------------------------------------------------------
# the base items: (id, label, group, source, samples or a path to read in place)

def music_items(mer):
    clips, _ = dataset.load_dataset(mer, os.path.join(mer, "panda_dataset_taffc_metadata.csv"), "Song", "Artist",
                                    dataset.parse_label_map(",".join(f"{k}={v}" for k, v in config.QUADRANTS.items())))
    return [(f"4q-{c.id}", "music", f"4q:{c.group}", "4q", c.path) for c in clips]

def ravdess_items(root, rng):
    by_actor = collections.defaultdict(list)
    for f in sorted(glob.glob(os.path.join(root, "Actor_*", "03-01-*.wav"))):
        by_actor[int(os.path.basename(f)[:-4].split("-")[6])].append(f)
    for actor, files in sorted(by_actor.items()):
        order = rng.permutation(len(files))
        # each file has some 0.7 s of silence before and after its statement: trimmed, so that the pause
        # between two statements is the one drawn (corpus version 1 kept it: pauses of 1.5-1.9 s)
        parts = [trim(sounds.read_audio(files[i])) for i in order]
        for k, s in enumerate(concat_with_gaps(parts, rng, gap=(0.1, 0.4))):
            yield f"ravdess-{actor:02d}-{k}", "speech", f"ravdess:{actor:02d}", "ravdess", s

def fsdd_items(root, rng):
    by_speaker = collections.defaultdict(list)
    for f in sorted(glob.glob(os.path.join(root, "*.wav"))):
        by_speaker[os.path.basename(f).split("_")[1]].append(f)
    for speaker, files in sorted(by_speaker.items()):
        order = rng.permutation(len(files))
        parts = [sounds.read_audio(files[i]) for i in order]
        for k, s in enumerate(concat_with_gaps(parts, rng, gap=(0.05, 0.35))):
            yield f"fsdd-{speaker}-{k}", "speech", f"fsdd:{speaker}", "fsdd", s

def tts_items(rng, per_voice=3):
    for engine, voice, lang in sounds.TTS_VOICES:
        name = f"{engine}-{voice}".replace("+", "-")
        for k in range(per_voice):
            yield f"tts-{name}-{k}", "speech", f"tts:{name}", "tts", sounds.tts_stream(engine, voice, lang, STREAM_SECONDS, rng)

def synth_items(rng, per_kind=10):
    for kind in sounds.NOISE_KINDS:
        for k in range(per_kind):
            yield f"synth-{kind}-{k}", "noise", f"synth:{kind}:{k}", "synth", sounds.noise(kind, STREAM_SECONDS, rng)

def sfx_items(rng, packages=None):
    for package in packages or sounds.SFX_PACKAGES:
        files = sounds.sfx_files(package)
        if not files:
            raise FileNotFoundError(f"{package}: no sound files (apt-get install {package})")
        parts = []
        for i in rng.permutation(len(files)):
            x = sounds.read_audio(files[i])
            parts.append(x[: int(8 * SR)])              # a long file (an ambience) is cut to 8 s
        # short effects repeat, shuffled, until the package gives at least two streams
        reps = max(1, int(np.ceil(2 * STREAM_SECONDS * SR / sum(len(p) + 0.4 * SR for p in parts))))
        parts = [parts[i] for i in np.concatenate([rng.permutation(len(parts)) for _ in range(reps)])]
        for k, s in enumerate(concat_with_gaps(parts, rng, gap=(0.1, 0.8))):
            yield f"sfx-{package}-{k}", "noise", f"sfx:{package}", "sfx", s

GAME_TRACKS = 10                    # at most this many tracks per package, one 30-s excerpt each

def game_music_items(rng):
    """a 30-s excerpt from the middle of up to GAME_TRACKS soundtrack pieces per package (one group each)"""
    for package in sounds.MUSIC_PACKAGES:
        files = sounds.music_files(package)
        if not files:
            raise FileNotFoundError(f"{package}: no music files (apt-get install {package})")
        for i in sorted(rng.permutation(len(files))[:GAME_TRACKS]):
            x = sounds.read_audio(files[i])
            n = int(STREAM_SECONDS * SR)
            if len(x) < 4 * SR:
                continue
            start = max(0, (len(x) - n) // 2)
            name = os.path.splitext(os.path.basename(files[i]))[0].replace("_", "-").replace(" ", "-")
            yield f"game-{package}-{name}", "music", f"game-music:{package}", "game-music", x[start:start + n]

def keystroke_items(root, rng, streams=8):
    """typing on a real keyboard: `streams` 30-s streams of 0.4-3 s stretches cut from the Keystroke-Datasets
    recordings (each file: one key pressed 25 times), in random order with short fades"""
    files = sorted(glob.glob(os.path.join(root, "**", "*.wav"), recursive=True))
    if not files:
        raise FileNotFoundError(f"{root}: no keystroke recordings (JBFH-Dev/Keystroke-Datasets)")
    audio = [sounds.read_audio(f) for f in files]
    fade = np.linspace(0, 1, int(0.01 * SR), dtype=np.float32)
    n = int(STREAM_SECONDS * SR)
    for k in range(streams):
        parts, total = [], 0
        while total < n:
            x = audio[rng.integers(len(audio))]
            m = min(len(x), int(rng.uniform(0.4, 3.0) * SR))
            s = rng.integers(0, len(x) - m + 1)
            part = x[s:s + m].copy()
            part[:len(fade)] *= fade
            part[-len(fade):] *= fade[::-1]
            parts.append(part)
            total += m
        yield f"keystrokes-{k}", "noise", "keystrokes:jbfh", "keystrokes", np.concatenate(parts)[:n]

# -----------------------------------------------------------------------------
# folds and mixtures

def assign_folds(items, n_folds, rng):
    """group -> fold: per label, the groups (largest first, ties shuffled) go to the fold that has the
    fewest items of that label so far"""
    sizes = collections.Counter((it["label"], it["group"]) for it in items)
    folds = {}
    for label in LABELS:
        groups = [g for (l, g) in sizes if l == label]
        groups = [groups[i] for i in rng.permutation(len(groups))]
        groups.sort(key=lambda g: -sizes[(label, g)])
        load = np.zeros(n_folds)
        for g in groups:
            f = int(np.argmin(load + rng.random(n_folds) * 1e-3))
            folds[g] = f
            load[f] += sizes[(label, g)]
    return folds

def recipe_id(name, fold, k, *parts):
    """a mixture's id: kind, fold, number and a checksum of its recipe"""
    recipe = "|".join(p if isinstance(p, str) else f"{p:.4f}" for p in parts)
    return f"mix-{name}-f{fold}-{k}-{zlib.crc32(recipe.encode()) & 0xffff:04x}"

def mixtures(items, fold, rng, load):
    """the mixed items of one fold, from that fold's components only (4Q music, real and synthesised speech,
    synthetic noise); yields items with "samples" and "level" (dBFS)"""
    pick = lambda label, src=None: [it for it in items if it["fold"] == fold and it["label"] == label
                                    and (src is None or it["source"] in src)]
    music, speech = pick("music", {"4q"}), pick("speech", {"ravdess", "fsdd", "tts"})
    noise = pick("noise", {"synth"})
    kinds = [("speech-over-music", "speech", speech, music, (10, 20)),
             ("music-with-chatter", "music", music, speech, (10, 15)),
             ("music-in-noise", "music", music, noise, (5, 20)),
             ("speech-in-noise", "speech", speech, noise, (5, 20))]
    for name, label, fgs, bgs, below in kinds:
        for k in range(MIXES_PER_FOLD):
            fg, bg = fgs[rng.integers(len(fgs))], bgs[rng.integers(len(bgs))]
            below_db, level = rng.uniform(*below), rng.uniform(*LEVEL_DBFS)
            x = lambda fg=fg, bg=bg, below_db=below_db: mix(load(fg)[: int(STREAM_SECONDS * SR)], load(bg), below_db)
            yield {"id": recipe_id(name, fold, k, fg["id"], bg["id"], below_db, level), "label": label,
                   "group": f"{fg['group']}+{bg['group']}", "source": name, "fold": fold, "samples": x, "level": level}

def write_wav(path, x):
    import soundfile
    tmp = path + ".tmp.wav"
    soundfile.write(tmp, np.clip(x, -1, 1), SR, subtype="PCM_16")
    os.replace(tmp, path)

# the sound-effect packages of the first corpus, which draw from the main generator (in this order); those
# added later draw from their own (seeded by the package's name), so adding one leaves the others' audio alone
FIRST_SFX = ("sound-theme-freedesktop", "oxygen-sounds", "yaru-theme-sound", "tuxpaint-data", "lbreakout2-data",
             "chromium-bsu-data", "frozen-bubble-data", "pingus-data")

def own_rng(seed, name):
    return np.random.default_rng([seed, zlib.crc32(name.encode())])

def check_version(out):
    """refuses a cache written by another version of this generator (no VERSION file: version 1)"""
    listed = os.path.join(out, "VERSION")
    if os.path.exists(listed):
        with open(listed) as f:
            version = f.read().strip()
    elif os.path.exists(os.path.join(out, "manifest.csv")):
        version = "1"
    else:
        return
    if version != str(CORPUS_VERSION):
        raise SystemExit(f"{out}: a content corpus version {version}, and this generator writes version "
                         f"{CORPUS_VERSION}: move it away or give another --out")

def build(mer, ravdess, fsdd, out, seed=config.SEED, tts_per_voice=3, synth_per_kind=10, keystrokes=None):
    rng = np.random.default_rng(seed)
    check_version(out)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "VERSION"), "w") as f:
        f.write(f"{CORPUS_VERSION}\n")
    items = [dict(zip(("id", "label", "group", "source", "path"), m)) for m in music_items(mer)]
    first = [p for p in FIRST_SFX if p in sounds.SFX_PACKAGES]
    later = [p for p in sounds.SFX_PACKAGES if p not in FIRST_SFX]
    generators = [(ravdess_items(ravdess, rng), rng), (fsdd_items(fsdd, rng), rng), (tts_items(rng, tts_per_voice), rng),
                  (synth_items(rng, synth_per_kind), rng), (sfx_items(rng, first), rng)]
    for p in later:
        r = own_rng(seed, p)
        generators.append((sfx_items(r, [p]), r))
    r = own_rng(seed, "game-music")
    generators.append((game_music_items(r), r))
    if keystrokes:
        r = own_rng(seed, "keystrokes")
        generators.append((keystroke_items(keystrokes, r), r))
    for gen, r in generators:
        for iid, label, group, source, x in gen:
            path = os.path.join(out, source, iid + ".wav")
            level = r.uniform(*LEVEL_DBFS)                 # drawn whether or not the WAV is cached
            if not os.path.exists(path):
                os.makedirs(os.path.dirname(path), exist_ok=True)
                write_wav(path, at_level(x, level))
            items.append({"id": iid, "label": label, "group": group, "source": source, "path": path})
    folds = assign_folds(items, config.OUTER_FOLDS, rng)
    for it in items:
        it["fold"] = folds[it["group"]]
    cache = {}
    def load(it):
        if it["id"] not in cache:
            cache[it["id"]] = sounds.read_audio(it["path"])
        return cache[it["id"]]
    mixed = []
    for fold in range(config.OUTER_FOLDS):
        for m in mixtures(items, fold, rng, load):
            m["path"] = os.path.join(out, m["source"], m["id"] + ".wav")
            make = m.pop("samples")
            if not os.path.exists(m["path"]):
                os.makedirs(os.path.dirname(m["path"]), exist_ok=True)
                write_wav(m["path"], at_level(make(), m["level"]))
            mixed.append(m)
    items += mixed
    write_manifest(os.path.join(out, "manifest.csv"), items)
    return items

def room_path(out, variant, item):
    return os.path.join(out, "rooms", variant, item["source"], item["id"] + ".wav")

def build_rooms(out, items, seed=config.SEED):
    """every item through one training room (used while its fold trains) and one test room (used when its
    fold is tested): OUT/rooms/{train,test}/<source>/<id>.wav, and OUT/rooms/rooms.csv naming the rooms"""
    import rooms
    rows = []
    for it in items:
        rng = np.random.default_rng([seed, zlib.crc32(it["id"].encode())])
        x = None
        for variant in ("train", "test"):
            room = rooms.ROOMS[variant][rng.integers(len(rooms.ROOMS[variant]))]
            path = room_path(out, variant, it)
            if not os.path.exists(path):
                x = sounds.read_audio(it["path"]) if x is None else x
                os.makedirs(os.path.dirname(path), exist_ok=True)
                write_wav(path, rooms.through(x, room, rng))
            rows.append({"id": it["id"], "variant": variant, "room": room.name})
    # rows already listed keep their place (others may read the list while this runs); new ones follow
    listed = os.path.join(out, "rooms", "rooms.csv")
    old = []
    if os.path.exists(listed):
        with open(listed, newline="") as f:
            old = list(csv.DictReader(f))
    known = {(r["id"], r["variant"]) for r in old}
    new = [r for r in rows if (r["id"], r["variant"]) not in known]
    if old and not new:
        return
    with open(os.path.join(out, "rooms", "rooms.csv.tmp"), "w", newline="") as f:
        w = csv.DictWriter(f, ("id", "variant", "room"))
        w.writeheader()
        w.writerows(old + new)
    os.replace(os.path.join(out, "rooms", "rooms.csv.tmp"), os.path.join(out, "rooms", "rooms.csv"))

COLUMNS = ("id", "path", "label", "group", "fold", "source")

def write_manifest(path, items):
    with open(path + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(items)
    os.replace(path + ".tmp", path)

def read_manifest(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["fold"] = int(r["fold"])
    return rows

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].strip())
    ap.add_argument("--mer", required=True, help="the 4Q dataset (MER_audio_taffc_dataset)")
    ap.add_argument("--ravdess", required=True, help="RAVDESS speech, Actor_01..Actor_24")
    ap.add_argument("--fsdd", required=True, help="the Free Spoken Digit Dataset's recordings/")
    ap.add_argument("--keystrokes", help="the Keystroke-Datasets recordings (JBFH-Dev/Keystroke-Datasets)")
    ap.add_argument("--out", default=os.path.join(config.CACHE, "content"))
    ap.add_argument("--rooms", action="store_true", help="also every item through a training and a test room")
    args = ap.parse_args()
    items = build(args.mer, args.ravdess, args.fsdd, args.out, keystrokes=args.keystrokes)
    if args.rooms:
        build_rooms(args.out, items)
    count = collections.Counter((it["label"], it["source"]) for it in items)
    for (label, source), n in sorted(count.items()):
        print(f"{label:7s} {source:20s} {n:5d}")
    print(f"{len(items)} items, {len({it['group'] for it in items})} groups -> {args.out}/manifest.csv")

if __name__ == "__main__":
    main()
