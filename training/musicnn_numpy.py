"""
An independent numpy forward pass of musicnn (MSD_musicnn) over moodd's model file.

    python training/musicnn_numpy.py models/msd_musicnn.safetensors logmel.npy   # [frames, 96] float32

It reads the safetensors file itself and follows musicnn's models.py (build_musicnn) line by line:
it is the reference the Swift engine is checked against when TensorFlow is not around, and it was itself
validated against musicnn's TensorFlow graph (see Tests/Fixtures/make_model_fixtures.py).
Per patch [187 frames, 96 mels] of log10(1 + 10000 * mel power):
    front [187, 561]   timbral.0 (204) | timbral.1 (204) | temporal.0 | temporal.1 | temporal.2 (51 each)
    mid   [187, 753]   front | c1 | c2 | c3 (64 each; c2, c3 with residual adds)
    penultimate [200]  the embedding (after the dense layer's batch norm)
    tags  [50]         sigmoid probabilities, names in the file's "tags" metadata
"""
import argparse
import json
import struct

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# -----------------------------------------------------------------------------
# safetensors reader (F32 only, which is all moodd's model file holds)

def load_safetensors(path):
    """-> ({name: float32 ndarray}, {metadata key: str})"""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack_from("<Q", buf, 0)
    header = json.loads(buf[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = memoryview(buf)[8 + n:]
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {info['dtype']} not supported")
        begin, end = info["data_offsets"]
        t = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"])
        tensors[name] = t.astype(np.float32)
    return tensors, meta

# -----------------------------------------------------------------------------
# layers

def batch_norm(x, w, prefix, eps):
    """Inference batch norm over the last axis with moving statistics."""
    scale = w[prefix + ".gamma"] / np.sqrt(w[prefix + ".var"] + eps)
    return (x - w[prefix + ".mean"]) * scale + w[prefix + ".beta"]

def relu(x):
    return np.maximum(x, 0)

def timbral_block(x, w, prefix, eps):
    """conv (time x freq) over x [T+6, 96] (already zero-padded 3/3 in time), valid -> ReLU -> BN
    -> max over every frequency position. -> [T, 204]"""
    weight = w[prefix + ".weight"]                          # [204, 7, fw]
    out_ch, kt, kf = weight.shape
    cols = sliding_window_view(x, (kt, kf))                 # [T, 96 - fw + 1, 7, fw]
    T, F = cols.shape[:2]
    y = cols.reshape(T * F, kt * kf) @ weight.reshape(out_ch, -1).T + w[prefix + ".bias"]
    y = batch_norm(relu(y), w, prefix + ".bn", eps)         # [T * F, 204]
    return y.reshape(T, F, out_ch).max(axis=1)

def temporal_block(x, w, prefix, eps):
    """conv (kt x 1) over x [T, 96] with TF 'same' padding in time (pad (kt-1)//2 before, the rest after),
    applied to every mel band with the same kernel -> ReLU -> BN -> max over the 96 bands. -> [T, 51]"""
    weight = w[prefix + ".weight"]                          # [51, kt]
    out_ch, kt = weight.shape
    before = (kt - 1) // 2
    xp = np.pad(x, ((before, kt - 1 - before), (0, 0)))
    cols = sliding_window_view(xp, kt, axis=0)              # [T, 96, kt]
    T, F = cols.shape[:2]
    y = cols.reshape(T * F, kt) @ weight.T + w[prefix + ".bias"]
    y = batch_norm(relu(y), w, prefix + ".bn", eps)         # [T * 96, 51]
    return y.reshape(T, F, out_ch).max(axis=1)

def midend_conv(x, w, prefix, eps):
    """7-tap conv over time across all channels of x [T, C], zero pad 3/3 -> ReLU -> BN. -> [T, 64]"""
    weight = w[prefix + ".weight"]                          # [64, 7, C]
    out_ch, kt, cin = weight.shape
    xp = np.pad(x, ((3, 3), (0, 0)))
    cols = sliding_window_view(xp, kt, axis=0)              # [T, C, 7]
    cols = cols.transpose(0, 2, 1).reshape(x.shape[0], kt * cin)
    y = cols @ weight.reshape(out_ch, -1).T + w[prefix + ".bias"]
    return batch_norm(relu(y), w, prefix + ".bn", eps)

# -----------------------------------------------------------------------------
# the network

class Musicnn:
    def __init__(self, path, dtype=np.float32):
        tensors, self.meta = load_safetensors(path)
        if self.meta.get("format") != "moodd-model" or self.meta.get("architecture") != "musicnn":
            raise ValueError(f"{path}: not a moodd musicnn model file")
        self.w = {k: v.astype(dtype) for k, v in tensors.items()}
        self.dtype = dtype
        self.eps = float(self.meta["bn_epsilon"])
        self.tags = json.loads(self.meta["tags"])
        self.patch_frames = json.loads(self.meta["input"])["patch_frames"]

    def forward(self, patch):
        """patch [T, 96] log-mel -> dict(front [T, 561], mid [T, 753], penultimate [200], tags [50])"""
        w, eps = self.w, self.eps
        x = batch_norm(np.asarray(patch, self.dtype)[..., None], w, "frontend.bn", eps)[..., 0]  # [T, 96]
        x7 = np.pad(x, ((3, 3), (0, 0)))
        front = np.concatenate([
            timbral_block(x7, w, "frontend.timbral.0", eps),
            timbral_block(x7, w, "frontend.timbral.1", eps),
            temporal_block(x, w, "frontend.temporal.0", eps),
            temporal_block(x, w, "frontend.temporal.1", eps),
            temporal_block(x, w, "frontend.temporal.2", eps),
        ], axis=1)                                          # [T, 561]
        c1 = midend_conv(front, w, "midend.0", eps)
        c2 = midend_conv(c1, w, "midend.1", eps) + c1
        c3 = midend_conv(c2, w, "midend.2", eps) + c2
        mid = np.concatenate([front, c1, c2, c3], axis=1)   # [T, 753]
        # [max0, mean0, max1, mean1, ...]: TF's flatten of concat([max, mean], axis=2) on [B, 753, 2]
        pooled = np.stack([mid.max(axis=0), mid.mean(axis=0)], axis=1).reshape(-1)  # [1506]
        pooled = batch_norm(pooled, w, "backend.bn", eps)
        dense = relu(w["backend.dense.weight"] @ pooled + w["backend.dense.bias"])
        penultimate = batch_norm(dense, w, "backend.dense.bn", eps)                  # [200]
        logits = w["backend.output.weight"] @ penultimate + w["backend.output.bias"]
        tags = 1 / (1 + np.exp(-logits))                                              # [50]
        return {"front": front, "mid": mid, "penultimate": penultimate, "tags": tags}

def main():
    ap = argparse.ArgumentParser(description="musicnn tags of a log-mel spectrogram, in numpy")
    ap.add_argument("model")
    ap.add_argument("logmel", help=".npy [frames, 96] float32 log10(1 + 10000 * mel power)")
    ap.add_argument("--hop", type=int, default=187, help="frames between patches")
    args = ap.parse_args()
    net = Musicnn(args.model)
    logmel = np.load(args.logmel)
    for start in range(0, logmel.shape[0] - net.patch_frames + 1, args.hop):
        out = net.forward(logmel[start:start + net.patch_frames])
        top = np.argsort(-out["tags"])[:5]
        print(f"frame {start}: " + ", ".join(f"{net.tags[i]} {out['tags'][i]:.3f}" for i in top))

if __name__ == "__main__":
    main()
