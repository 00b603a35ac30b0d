"""
The frozen front end's live channels of every 3-s patch of a clip (or of one of its augmented copies), for
fine-tuning musicnn's later layers (finetune.py), cached under $MOODD_CACHE/frontend/. Computed by the
Swift engine (`moodd embed --layer front`: some 5 ms a patch on one core, against some 100 for PyTorch's
convolutions), or by PyTorch from moodd's log-mel frames (engine "torch", the way it was first done).
"""
import os
import tempfile

import numpy as np
import torch

import config
from augment import augmented_features, make_augmented
from embed import cached_features, features_path, file_digest, mel_patches, run_moodd


def moodd_front(path, model, live, binary=None):
    """the front end's channels `live` of every patch of an audio file, by `moodd embed --layer front`:
    float32 [patches, len(live), frames]"""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "front.npy")
        run_moodd(["embed", path, "--npy", out, "--layer", "front", "--hop-frames", str(config.HOP_FRAMES),
                   "--model", model], binary)
        x = np.load(out)
    x = x.reshape(len(x), config.PATCH_FRAMES, -1)[:, :, live]
    return np.ascontiguousarray(x.transpose(0, 2, 1))


class FrontCache:
    """the frozen front end's live channels of every patch of every clip version, [patches, L, 187]: computed
    once per model file (float32 for the originals, float16 for the other versions) under $MOODD_CACHE/frontend/"""

    def __init__(self, model, front, key, engine="moodd"):
        if engine not in ("moodd", "torch"):
            raise ValueError(f"engine {engine!r}: not moodd or torch")
        self.model, self.front, self.key, self.engine = model, front, key, engine
        self.live = front.live.numpy()
        name = os.path.splitext(os.path.basename(model))[0]
        self.dir = os.path.join(config.CACHE, "frontend", f"{name}-{file_digest(model)}-hop{config.HOP_FRAMES}")

    def __call__(self, clip, version, path=None):
        """version: "original", an augment.py kind, or any name for the recording at `path` (a copy of the
        clip made elsewhere: content_corpus.py's room copies)"""
        label_dir = os.path.basename(os.path.dirname(clip.path))
        out = os.path.join(self.dir, self.key, version, label_dir, clip.id + ".npy")
        if os.path.exists(out):
            return np.load(out)
        if self.engine == "moodd":
            audio = path or (clip.path if version == "original" else make_augmented(clip, [version], self.key)[version])
            live = moodd_front(audio, self.model, self.live)
        else:
            if path is not None:
                mel = cached_features(path, os.path.join(config.CACHE, "features", self.key, version, label_dir,
                                                         clip.id + ".npy"))
            elif version == "original":
                mel = cached_features(clip.path, features_path(clip, self.key))
            else:
                mel = augmented_features(clip, version, self.key)
            x = mel_patches(mel)
            with torch.no_grad():
                live = torch.cat([self.front(torch.from_numpy(x[b:b + 64])) for b in range(0, len(x), 64)]).numpy()
        live = live.astype(np.float32 if version == "original" else np.float16)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        np.save(out + ".tmp.npy", live)
        os.replace(out + ".tmp.npy", out)
        return live
