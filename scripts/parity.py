"""moodd's log-mel frames against librosa's, on any audio files you have.

    $(scripts/pyenv .venv scripts/requirements-reference.txt) scripts/parity.py --moodd .build/release/moodd FILE...

For each file, with the settings of the model file's `input` (--model, default the shipped backbone: 16 kHz,
n_fft 512, hop 256, 96 mels): librosa.load(path, sr=sample_rate) -> melspectrogram(n_fft, hop_length, n_mels,
fmin, fmax) -> log10(1 + 10000 * S), against `moodd features FILE --model MODEL`; prints the frame counts and
the max abs difference over every frame (edges included), and the worst over all files. Exit status 1 if any
file exceeds --tolerance.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

import librosa
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def model_input(path):
    """The `input` metadata of a safetensors model file (docs/model-format.md)."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
    return json.loads(header["__metadata__"]["input"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moodd", required=True)
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "msd_musicnn.safetensors"))
    ap.add_argument("--tolerance", type=float, default=1e-3)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    spec = model_input(args.model)
    sr = spec["sample_rate"]
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.files:
            out = os.path.join(tmp, "f.npy")
            subprocess.run([args.moodd, "features", path, "--npy", out, "--model", args.model], check=True)
            ours = np.load(out)
            y, _ = librosa.load(path, sr=sr)
            mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=spec["n_fft"], hop_length=spec["hop_length"],
                                                 n_mels=spec["n_mels"], fmin=spec["fmin"], fmax=spec["fmax"])
            ref = np.log10(1 + 10000 * mel).T.astype(np.float32)
            diff = float(np.abs(ours - ref).max()) if ours.shape == ref.shape else float("inf")
            worst = max(worst, diff)
            print(f"{path}: {ours.shape[0]} frames (librosa {ref.shape[0]}), max abs diff {diff:.2e}, "
                  f"largest value {ref.max():.2f}")
    print(f"worst: {worst:.2e} over {len(args.files)} files (tolerance {args.tolerance:g})")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
