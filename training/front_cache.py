"""
The frozen front end's live channels of every 3-s patch of a clip (or of one of its augmented copies), for
fine-tuning musicnn's later layers (finetune.py): computed once per model file from moodd's log-mel frames
(`moodd features`) and cached under $MOODD_CACHE/frontend/.
"""
import os

import numpy as np
import torch

import config
from augment import augmented_features
from embed import cached_features, features_path, file_digest, mel_patches


class FrontCache:
    """the frozen front end's live channels of every patch of every clip version, [patches, L, 187]: computed
    once per model file (float32 for the originals, float16 for augmented copies) under $MOODD_CACHE/frontend/"""

    def __init__(self, model, front, key):
        self.front, self.key = front, key
        name = os.path.splitext(os.path.basename(model))[0]
        self.dir = os.path.join(config.CACHE, "frontend", f"{name}-{file_digest(model)}-hop{config.HOP_FRAMES}")

    def __call__(self, clip, version):
        label_dir = os.path.basename(os.path.dirname(clip.path))
        out = os.path.join(self.dir, self.key, version, label_dir, clip.id + ".npy")
        if os.path.exists(out):
            return np.load(out)
        x = mel_patches(augmented_features(clip, version, self.key) if version != "original"
                        else cached_features(clip.path, features_path(clip, self.key)))
        with torch.no_grad():
            live = torch.cat([self.front(torch.from_numpy(x[b:b + 64])) for b in range(0, len(x), 64)]).numpy()
        live = live.astype(np.float32 if version == "original" else np.float16)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        np.save(out + ".tmp.npy", live)
        os.replace(out + ".tmp.npy", out)
        return live
