"""
Per-patch embeddings of audio files, computed by the moodd binary (never re-implemented here, so that
training and serving cannot drift), cached under $MOODD_CACHE/embed/.

    moodd embed FILE --npy OUT.npy --hop-frames 93 --model M   -> float32 [patches, 200] (penultimate)
    moodd embed ... --layer pooled                             -> float32 [patches, 1506] (back end's input)
    moodd features FILE --npy OUT.npy                          -> float32 [frames, 96]   (log-mel)

    python training/embed.py FILE...        # prints each file's embedding shape (fills the cache)

The cache key is the caller's key (dataset/label/id, or .../aug/<kind>/...) under a folder named after the
model file's content hash and the hop: a new model gets new embeddings; a new moodd build does not (delete
the folder when the engine's numbers change).
"""
import argparse
import hashlib
import os
import subprocess
import tempfile

import numpy as np

import config

def file_digest(path, n=12):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:n]

def run_moodd(args, binary=None):
    binary = binary or config.MOODD
    if not os.access(binary, os.X_OK):
        raise FileNotFoundError(f"{binary}: no moodd binary (swift build -c release, or set MOODD=...)")
    r = subprocess.run([binary] + args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"moodd {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")

def moodd_features(path, out, binary=None):
    """log-mel frames of an audio file by `moodd features` -> float32 [frames, 96]"""
    run_moodd(["features", path, "--npy", out], binary)
    return np.load(out)

def cached_features(path, out):
    """moodd_features of path, kept at out (written whole or not at all); read back when it exists"""
    if os.path.exists(out):
        return np.load(out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    mel = moodd_features(path, out + ".tmp.npy")
    os.replace(out + ".tmp.npy", out)
    return mel

def features_path(clip, key, cache=None):
    """where the log-mel frames of a dataset clip are cached: $MOODD_CACHE/features/KEY/LABEL_DIR/ID.npy"""
    return os.path.join(cache or config.CACHE, "features", key, os.path.basename(os.path.dirname(clip.path)),
                        clip.id + ".npy")

def mel_patches(mel, hop=config.HOP_FRAMES):
    """log-mel frames [frames, 96] -> the 3-s patches at hop, [patches, 187, 96] (what moodd embed runs)"""
    starts = range(0, max(mel.shape[0] - config.PATCH_FRAMES, 0) + 1, hop)
    return np.stack([mel[s:s + config.PATCH_FRAMES] for s in starts])

class Embedder:
    """path -> float32 [patches, width of `layer`], cached. engine 'moodd' (the default and the only one whose numbers
    are reported) runs `moodd embed`; engine 'numpy' runs `moodd features` + training/musicnn_numpy.py and
    exists only to cross-check the binary."""

    def __init__(self, model=None, hop=config.HOP_FRAMES, engine="moodd", binary=None, cache=None,
                 layer="penultimate"):
        if layer not in config.LAYER_WIDTH:
            raise ValueError(f"layer {layer!r}: not one of {', '.join(config.LAYER_WIDTH)}")
        if engine == "numpy" and layer != "penultimate":
            raise ValueError(f"layer {layer!r}: the numpy cross-check engine gives the penultimate layer only")
        self.model = model or config.BACKBONE_MODEL
        self.hop, self.engine, self.binary, self.layer = hop, engine, binary, layer
        name = os.path.splitext(os.path.basename(self.model))[0]
        self.dir = os.path.join(cache or config.CACHE, "embed",
                                f"{name}-{file_digest(self.model)}-hop{hop}" + ("-numpy" if engine == "numpy" else "")
                                + ("" if layer == "penultimate" else f"-{layer}"))
        self._net = None

    def cache_path(self, key):
        return os.path.join(self.dir, key + ".npy")

    def __call__(self, path, key):
        out = self.cache_path(key)
        if os.path.exists(out):
            return np.load(out)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        tmp = out + f".{os.getpid()}.tmp.npy"
        if self.engine == "moodd":
            run_moodd(["embed", path, "--npy", tmp, "--hop-frames", str(self.hop), "--model", self.model]
                      + ([] if self.layer == "penultimate" else ["--layer", self.layer]), self.binary)
            emb = np.load(tmp)
        else:
            emb = self._numpy_embed(path, key)
            np.save(tmp, emb)
        if emb.ndim != 2 or emb.shape[1] != config.LAYER_WIDTH[self.layer] or emb.shape[0] == 0:
            os.remove(tmp)
            raise ValueError(f"{path}: embedding of shape {emb.shape} (no patch: shorter than 3 s?)")
        os.replace(tmp, out)
        return emb

    def _numpy_embed(self, path, key):
        import musicnn_numpy
        if self._net is None:
            self._net = musicnn_numpy.Musicnn(self.model)
        cached = os.path.join(os.path.dirname(os.path.dirname(self.dir)), "features", key + ".npy")
        if os.path.exists(cached):              # moodd features of this clip, cached by cnn_baseline.py
            mel = np.load(cached)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                mel = moodd_features(path, os.path.join(tmp, "f.npy"), self.binary)
        return np.stack([self._net.forward(p)["penultimate"] for p in mel_patches(mel, self.hop)]).astype(np.float32)

def main():
    ap = argparse.ArgumentParser(description="embed audio files with moodd (cached)")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--model", default=config.BACKBONE_MODEL)
    ap.add_argument("--engine", default="moodd", choices=["moodd", "numpy"])
    args = ap.parse_args()
    emb = Embedder(args.model, engine=args.engine)
    for f in args.files:
        e = emb(f, "cli/" + os.path.splitext(os.path.basename(f))[0])
        print(f"{f}: {e.shape}")

if __name__ == "__main__":
    main()
