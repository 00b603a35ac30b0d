"""
Audio augmentation as in the research moodd follows: Gaussian noise at a random SNR, time stretch, time shift,
pitch shift; and the station's microphone: `room1`, `room2`, ... are further copies through rooms.py's
training rooms (each kind draws its own room per clip, never a test room). Used on TRAINING clips only: evaluate.py adds a clip's augmented copies to a fold's training set
only when the clip itself is in it, so nothing augmented ever reaches a test fold.

Each augmented copy is written as a 16-kHz WAV under the cache and embedded by the moodd binary like any file;
the WAV is deleted once its embedding is cached.
Parameters are drawn from a generator seeded by (clip id, kind): reruns produce the same audio.

    python training/augment.py DATASET_DIR     # writes every clip's copies under $MOODD_CACHE/augmented/
    python training/augment.py DATASET_DIR --features   # their log-mel frames instead, under features/.../aug/
"""
import argparse
import os
import re
import zlib

import numpy as np

import config

def add_noise(y, snr_db, rng):
    """white Gaussian noise at snr_db below the signal's mean power"""
    power = float(np.mean(y ** 2)) or 1e-10
    return y + rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), y.shape).astype(y.dtype)

def time_shift(y, seconds, sr):
    """circular shift by seconds (the clip's end wraps round to its start)"""
    return np.roll(y, int(round(seconds * sr)))

def time_stretch(y, rate):
    """tempo x rate, pitch unchanged (librosa's phase vocoder)"""
    import librosa
    return librosa.effects.time_stretch(y, rate=rate)

def pitch_shift(y, semitones, sr):
    """pitch by semitones, duration unchanged"""
    import librosa
    return librosa.effects.pitch_shift(y, sr=sr, n_steps=semitones)

def room_kind(kind):
    """'room3' -> 3; None for the other kinds"""
    m = re.fullmatch(r"room([1-9][0-9]*)", kind)
    return int(m.group(1)) if m else None

def draw(kind, clip_id, seed=config.SEED):
    """-> (rng, parameter) for one augmented copy of one clip, reproducibly; a room kind's parameter is the
    index of its training room in rooms.ROOMS["train"]"""
    rng = np.random.default_rng([seed, zlib.crc32(f"{clip_id}/{kind}".encode())])
    if room_kind(kind):
        import rooms
        return rng, int(rng.integers(len(rooms.ROOMS["train"])))
    if kind == "noise":
        return rng, float(rng.uniform(*config.NOISE_SNR_DB))
    if kind == "stretch":
        r = 1.0
        while abs(r - 1) < 0.03:                # at least 3 % faster or slower
            r = float(rng.uniform(*config.STRETCH_RATE))
        return rng, r
    if kind == "shift":
        return rng, float(rng.uniform(*config.SHIFT_SECONDS))
    if kind == "pitch":
        p = 0.0
        while abs(p) < 0.5:                     # at least half a semitone, or it is not an augmentation
            p = float(rng.uniform(*config.PITCH_SEMITONES))
        return rng, p
    raise ValueError(f"unknown augmentation {kind}")

def augment(y, sr, kind, clip_id, seed=config.SEED):
    """y [samples] float32 mono -> (augmented float32, parameter)"""
    rng, p = draw(kind, clip_id, seed)
    if kind == "noise":
        out = add_noise(y, p, rng)
    elif kind == "stretch":
        out = time_stretch(y, p)
    elif kind == "shift":
        out = time_shift(y, p, sr)
    elif room_kind(kind):
        import rooms
        if sr != rooms.SR:
            raise ValueError(f"{kind}: the rooms are simulated at {rooms.SR} Hz, not {sr}")
        out = rooms.through(y, rooms.ROOMS["train"][p], rng)
    else:
        out = pitch_shift(y, p, sr)
    return np.clip(out, -1.0, 1.0).astype(np.float32), p

def load_audio(path, sr=config.SAMPLE_RATE):
    """decode + mono + resample (librosa/soundfile; only to make augmented copies, never for features)"""
    import librosa
    y, _ = librosa.load(path, sr=sr, mono=True)
    return y.astype(np.float32)

def write_wav(path, y, sr=config.SAMPLE_RATE):
    import soundfile
    soundfile.write(path, y, sr, subtype="PCM_16", format="WAV")

def augmented_path(clip, kind, key, cache=None):
    """where the augmented copy of a dataset clip lives (under the cache, never in the repository)"""
    label_dir = os.path.basename(os.path.dirname(clip.path))
    return os.path.join(cache or config.CACHE, "augmented", key, kind, label_dir, clip.id + ".wav")

def make_augmented(clip, kinds, key, cache=None):
    """write the missing augmented copies of one clip (decoding it once); -> {kind: wav path}"""
    paths = {k: augmented_path(clip, k, key, cache) for k in kinds}
    missing = [k for k in kinds if not os.path.exists(paths[k])]
    y = load_audio(clip.path) if missing else None
    for k in missing:
        os.makedirs(os.path.dirname(paths[k]), exist_ok=True)
        tmp = paths[k] + ".tmp.wav"
        write_wav(tmp, augment(y, config.SAMPLE_RATE, k, clip.id)[0])
        os.replace(tmp, paths[k])
    return paths

def augmented_features(clip, kind, key, cache=None):
    """log-mel frames of one augmented copy by `moodd features` (fine-tuning and the CNN train on frames, not
    embeddings), cached under $MOODD_CACHE/features/KEY/aug/KIND/; the WAV is deleted once its frames are cached
    -> float32 [frames, 96]"""
    from embed import cached_features
    label_dir = os.path.basename(os.path.dirname(clip.path))
    out = os.path.join(cache or config.CACHE, "features", key, "aug", kind, label_dir, clip.id + ".npy")
    if os.path.exists(out):
        return np.load(out)
    wav = make_augmented(clip, [kind], key, cache)[kind]
    mel = cached_features(wav, out)
    os.remove(wav)
    return mel

def main():
    import dataset
    ap = argparse.ArgumentParser(description="write the augmented copies of every clip of a dataset (cache)")
    ap.add_argument("root", help="a folder per label")
    ap.add_argument("--kinds", default=",".join(config.AUGMENTATIONS))
    ap.add_argument("--labels", default="", help="FOLDER=NAME,...: only these folders")
    ap.add_argument("--features", action="store_true", help="cache the copies' log-mel frames (moodd features) "
                    "and delete the WAVs")
    args = ap.parse_args()
    clips, _ = dataset.load_dataset(args.root, label_map=dataset.parse_label_map(args.labels))
    key = os.path.basename(os.path.normpath(args.root))
    for n, c in enumerate(clips):
        for kind in args.kinds.split(","):
            if args.features:
                augmented_features(c, kind, key)
            else:
                make_augmented(c, [kind], key)
        if (n + 1) % 50 == 0:
            print(f"{n + 1}/{len(clips)}", flush=True)

if __name__ == "__main__":
    main()
