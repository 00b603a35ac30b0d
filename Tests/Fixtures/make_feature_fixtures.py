"""End-to-end references for `moodd features`: librosa's log-mel of librosa's decoding of each audio fixture.

For every good fixture `audio/NAME.EXT` (its `audio/NAME.16k.npy` is `librosa.load(path, sr=16000)`, written
by make_audio_fixtures.py), writes `features/NAME.npy`, float32 [frames, 96]:

    S = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=512, hop_length=256, n_mels=96)  # center=True
    np.log10(1 + 10000 * S).T

Run with the reference stack pinned in scripts/requirements-reference.txt (librosa 0.11.0, numpy 2.4.6):

    $(scripts/pyenv .venv scripts/requirements-reference.txt) Tests/Fixtures/make_feature_fixtures.py
"""
import pathlib

import librosa
import numpy as np

HERE = pathlib.Path(__file__).parent
OUT = HERE / "features"


def main():
    OUT.mkdir(exist_ok=True)
    for ref in sorted((HERE / "audio").glob("*.16k.npy")):
        name = ref.name[: -len(".16k.npy")]
        if name.startswith("bad_"):
            continue
        y = np.load(ref)
        if not np.isfinite(y).all():
            continue  # NaN/inf inputs have no librosa reference; tests assert moodd's own policy
        mel = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=512, hop_length=256, n_mels=96)
        frames = np.ascontiguousarray(np.log10(1 + 10000 * mel).T, dtype=np.float32)
        np.save(OUT / f"{name}.npy", frames)
        print(f"features/{name}.npy {frames.shape}")


if __name__ == "__main__":
    main()
