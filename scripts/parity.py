"""moodd's log-mel frames against librosa's, on any audio files you have.

    $(scripts/pyenv .venv scripts/requirements-reference.txt) scripts/parity.py --moodd .build/release/moodd FILE...

For each file: librosa.load(path, sr=16000) -> melspectrogram(n_fft=512, hop_length=256, n_mels=96) ->
log10(1 + 10000 * S), against `moodd features FILE`; prints the frame counts and the max abs difference over
every frame (edges included), and the worst over all files. Exit status 1 if any file exceeds --tolerance.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import librosa
import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moodd", required=True)
    ap.add_argument("--tolerance", type=float, default=1e-3)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.files:
            out = os.path.join(tmp, "f.npy")
            subprocess.run([args.moodd, "features", path, "--npy", out], check=True)
            ours = np.load(out)
            y, _ = librosa.load(path, sr=16000)
            mel = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=512, hop_length=256, n_mels=96)
            ref = np.log10(1 + 10000 * mel).T.astype(np.float32)
            diff = float(np.abs(ours - ref).max()) if ours.shape == ref.shape else float("inf")
            worst = max(worst, diff)
            print(f"{path}: {ours.shape[0]} frames (librosa {ref.shape[0]}), max abs diff {diff:.2e}, "
                  f"largest value {ref.max():.2f}")
    print(f"worst: {worst:.2e} over {len(args.files)} files (tolerance {args.tolerance:g})")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
