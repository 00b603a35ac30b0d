"""
Reference fixtures for moodd's musicnn engine: input patches and what musicnn's ORIGINAL TensorFlow graph
computes on them. Also checks training/musicnn_numpy.py against that graph and reports the differences.

    python3 -m venv /tmp/tfvenv
    /tmp/tfvenv/bin/pip install tensorflow-cpu==2.21.0 tf_keras==2.21.0 "numpy<2" librosa==0.11.0
    TF_USE_LEGACY_KERAS=1 /tmp/tfvenv/bin/python Tests/Fixtures/make_model_fixtures.py \
        --wheel /tmp/wheels/musicnn-0.1.0-py3-none-any.whl        # or --download

Writes Tests/Fixtures/model/:
    <name>.input.npy        [187, 96] float32 log10(1 + 10000 * mel power) (the network's input)
    <name>.penultimate.npy  [200] float32
    <name>.tags.npy         [50] float32 sigmoid probabilities, MSD tag order
    <FRONT_MID_PATCH>.front.npy [187, 561], .mid.npy [187, 753]  intermediates of one patch
    manifest.json           patches, reference used (tensorflow or numpy), versions, measured numpy-vs-TF diffs

The reference is musicnn 0.1.0's models.py + MSD_musicnn checkpoint, run with tf.compat.v1 on the patches fed
straight into its input placeholder (not musicnn's extractor: under numpy >= 2 it keeps the log in float16
and it returns the first patch's penultimate for every patch). If TensorFlow cannot be imported the
numpy port is used instead and the manifest says so.

Inputs are synthetic only (silence, a sine, noise, and three synthesised music-like signals: chords with
harmonics + drums). No audio or features from any dataset are used; in particular the 4-quadrant mood
dataset must NOT be used for fixtures.
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "training"))
import convert_musicnn  # noqa: E402  (package download/unpack)
import musicnn_numpy    # noqa: E402  (the port under test)

SR, N_FFT, HOP, N_MELS, FRAMES = 16000, 512, 256, 96, 187
FRONT_MID_PATCH = "music_pop"
SEED = 1234

# -----------------------------------------------------------------------------
# synthetic signals (mono float32 at 16 kHz)

def note(freq, dur, harmonics=8, decay=3.0, bright=1.0):
    """A plucked/piano-like tone: harmonics with 1/k^bright amplitudes, exponential decay."""
    t = np.arange(int(dur * SR)) / SR
    y = sum(np.sin(2 * np.pi * freq * k * t) / k ** bright for k in range(1, harmonics + 1) if freq * k < SR / 2)
    env = np.exp(-decay * t) * np.minimum(1, t / 0.005)
    return y * env

def kick(dur=0.3):
    t = np.arange(int(dur * SR)) / SR
    f = 50 + 100 * np.exp(-30 * t)
    return np.sin(2 * np.pi * np.cumsum(f) / SR) * np.exp(-12 * t)

def snare(rng, dur=0.2):
    t = np.arange(int(dur * SR)) / SR
    return (0.6 * rng.standard_normal(t.size) + 0.5 * np.sin(2 * np.pi * 190 * t)) * np.exp(-20 * t)

def hat(rng, dur=0.05):
    n = rng.standard_normal(int(dur * SR))
    return np.diff(n, prepend=0) * 0.3 * np.exp(-np.arange(n.size) / (0.01 * SR))

def place(out, sound, at):
    i = int(at * SR)
    n = min(sound.size, out.size - i)
    if n > 0:
        out[i:i + n] += sound[:n]

def midi(m):
    return 440.0 * 2 ** ((m - 69) / 12)

def music(rng, bpm, chords, drums, bass_harmonics, chord_decay, seconds=5.0):
    """Chords (one per bar of 4 beats, struck on every beat), a bass line on the roots, optional drums."""
    out = np.zeros(int(seconds * SR))
    beat = 60.0 / bpm
    for b in range(int(seconds / beat) + 1):
        chord = chords[(b // 4) % len(chords)]
        for m in chord:
            place(out, 0.15 * note(midi(m), 4 * beat, decay=chord_decay), b * beat)
        place(out, 0.3 * note(midi(chord[0] - 24), beat, harmonics=bass_harmonics, decay=4, bright=0.7), b * beat)
        if drums:
            place(out, 0.8 * (kick() if b % 2 == 0 or drums == "four" else snare(rng)), b * beat)
            if drums == "four" and b % 2 == 1:
                place(out, 0.5 * snare(rng), b * beat)
            for h in range(2):
                place(out, hat(rng), b * beat + h * beat / 2)
    return out

def signals():
    rng = np.random.default_rng(SEED)
    t = np.arange(int(5.0 * SR)) / SR
    C, G, Am, F = [60, 64, 67], [55, 59, 62, 67], [57, 60, 64], [53, 57, 60, 65]
    Dm, E = [62, 65, 69], [52, 56, 59, 64]
    return {
        "sine1k": 0.5 * np.sin(2 * np.pi * 1000 * t),
        "noise": 0.1 * rng.standard_normal(t.size),
        "music_pop": music(rng, 120, [C, G, Am, F], drums="rock", bass_harmonics=6, chord_decay=1.5),
        "music_ballad": music(rng, 66, [Am, F, Dm, E], drums=None, bass_harmonics=3, chord_decay=0.8),
        "music_dance": music(rng, 128, [Am, Am, F, G], drums="four", bass_harmonics=20, chord_decay=6.0),
    }

def logmel_patch(y, start_frame=40):
    """librosa mel power (center=True, zero padding: librosa 0.11's default), log10(1 + 10000 x) in float32,
    [frames, 96]; a patch taken away from the edges."""
    import librosa
    y = y.astype(np.float32)
    y = y / max(1e-9, np.abs(y).max()) * 0.5 if np.abs(y).max() > 0.5 else y
    S = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS)
    L = np.log10(1 + 10000 * S.astype(np.float32)).astype(np.float32).T
    return np.ascontiguousarray(L[start_frame:start_frame + FRAMES])

def make_patches():
    patches = {"silence": np.zeros((FRAMES, N_MELS), np.float32)}
    for name, y in signals().items():
        patches[name] = logmel_patch(y)
    return patches

# -----------------------------------------------------------------------------
# musicnn's own TensorFlow graph

def tensorflow_reference(package_dir, prefix, patches):
    """Run musicnn's models.py (MSD_musicnn) on the patches. -> {name: {front, mid, penultimate, tags}}"""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # tf.compat.v1.layers need Keras 2 (tf_keras)
    import tensorflow as tf
    tf.compat.v1.disable_eager_execution()
    sys.path.insert(0, package_dir)
    from musicnn import models, configuration
    assert configuration.MSD_LABELS == convert_musicnn.MSD_TAGS

    tf.compat.v1.reset_default_graph()
    with tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, FRAMES, N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        y, timbral, temporal, cnn1, cnn2, cnn3, mean_pool, max_pool, penultimate = models.define_model(
            x, is_training, "MSD_musicnn", 50)
        tags = tf.nn.sigmoid(y)
        front = tf.concat([timbral, temporal], 2)                                   # [B, 187, 561]
        mid = tf.concat([front] + [tf.squeeze(c, [3]) for c in (cnn1, cnn2, cnn3)], 2)  # [B, 187, 753]
    config = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
    with tf.compat.v1.Session(config=config) as sess:
        tf.compat.v1.train.Saver().restore(sess, prefix)
        names = list(patches)
        batch = np.stack([patches[n] for n in names])
        fetched = sess.run([front, mid, penultimate, tags], feed_dict={x: batch, is_training: False})
    return {n: dict(zip(("front", "mid", "penultimate", "tags"), (f[i] for f in fetched)))
            for i, n in enumerate(names)}, tf.__version__

# -----------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--wheel", help="musicnn 0.1.0 wheel or sdist")
    src.add_argument("--download", action="store_true", help="pip download musicnn==0.1.0")
    ap.add_argument("--model", default=os.path.join(REPO, "models", "msd_musicnn.safetensors"))
    ap.add_argument("--out", default=os.path.join(HERE, "model"))
    ap.add_argument("--numpy-only", action="store_true", help="use the numpy port as the reference")
    args = ap.parse_args()

    import librosa
    patches = make_patches()
    net = musicnn_numpy.Musicnn(args.model)
    port = {n: net.forward(p) for n, p in patches.items()}
    port64 = {n: musicnn_numpy.Musicnn(args.model, dtype=np.float64).forward(p) for n, p in patches.items()}

    reference, tf_version, diffs = "numpy (training/musicnn_numpy.py, float32)", None, {}
    ref = port
    if not args.numpy_only:
        try:
            with tempfile.TemporaryDirectory() as tmp:
                archive = args.wheel or convert_musicnn.download_package(os.path.join(tmp, "dl"))
                prefix, _ = convert_musicnn.extract_package(archive, os.path.join(tmp, "pkg"))
                package_dir = os.path.dirname(os.path.dirname(os.path.dirname(prefix + "x")))
                ref, tf_version = tensorflow_reference(package_dir, prefix, patches)
            reference = f"tensorflow {tf_version} running musicnn 0.1.0 models.py + MSD_musicnn checkpoint"
        except ImportError as e:
            print(f"TensorFlow unavailable ({e}); using the numpy port as the reference")

    if tf_version:
        for label, p in (("float32", port), ("float64", port64)):
            for key in ("front", "mid", "penultimate", "tags"):
                diffs[f"numpy_{label}_vs_tf.{key}"] = float(max(np.abs(p[n][key] - ref[n][key]).max() for n in patches))
        for k, v in diffs.items():
            print(f"max |{k}| = {v:.3g}")

    os.makedirs(args.out, exist_ok=True)
    for name, patch in patches.items():
        np.save(os.path.join(args.out, f"{name}.input.npy"), patch.astype(np.float32))
        for key in ("penultimate", "tags"):
            np.save(os.path.join(args.out, f"{name}.{key}.npy"), np.asarray(ref[name][key], np.float32))
    for key in ("front", "mid"):
        np.save(os.path.join(args.out, f"{FRONT_MID_PATCH}.{key}.npy"),
                np.asarray(ref[FRONT_MID_PATCH][key], np.float32))

    tags = json.loads(net.meta["tags"])
    manifest = {
        "reference": reference,
        "patches": list(patches),
        "front_mid_patch": FRONT_MID_PATCH,
        "input": "librosa %s melspectrogram(sr=16000, n_fft=512, hop_length=256, n_mels=96), "
                 "log10(1+10000*S) in float32, [187 frames, 96 mels], frames 40..226 of 5 s of synthetic audio; "
                 "silence is all zeros" % librosa.__version__,
        "numpy": np.__version__,
        "seed": SEED,
        "data": "synthetic signals only; no dataset audio or features (the 4-quadrant dataset is not used)",
        "max_abs_diff": diffs,
        "top_tags": {n: [tags[i] for i in np.argsort(-ref[n]["tags"])[:3]] for n in patches},
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    print(f"wrote {len(os.listdir(args.out))} files, {total} bytes to {args.out}; reference: {reference}")

if __name__ == "__main__":
    main()
