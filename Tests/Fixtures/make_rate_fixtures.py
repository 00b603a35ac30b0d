#!/usr/bin/env python3
"""References at sample rates other than musicnn's 16 kHz: a model file may ask for any rate in
8000...192000 Hz, and moodd decodes and captures at it (Tests/MoodAudioTests, Tests/mooddTests).

Run with the reference stack pinned in scripts/requirements-reference.txt (librosa 0.11.0, numpy 2.4.6,
soundfile 0.14.0 bundling libsndfile 1.2.2, soxr 1.1.0 bundling libsoxr 0.1.3-14), after
make_audio_fixtures.py (whose audio files it reads):

    $(scripts/pyenv .venv scripts/requirements-reference.txt) Tests/Fixtures/make_rate_fixtures.py

Writes into Tests/Fixtures/rates/ (this script owns the folder):
    <name>.<rate>.npy       float32 [n]: librosa.load(audio/<name>.<ext>, sr=rate), i.e. soundfile
                            float32 -> mean over channels -> soxr_hq -> fix_length to ceil(frames * rate / sr)
                            (unchanged when the file is at `rate` already)
    <name>.22050.mel.npy    float32 [frames, 96]: the log-mel frames a model with INPUT_22050 sees,
                            np.log10(1 + 10000 * melspectrogram(y=<name>.22050.npy, sr=22050, n_fft=1024,
                            hop_length=512, n_mels=96, fmin=0, fmax=8000)).T (center=True)
"""
from pathlib import Path

import librosa
import numpy as np

from make_audio_fixtures import reference

HERE = Path(__file__).resolve().parent
AUDIO = HERE / "audio"
OUT = HERE / "rates"

# The other-rate model input of Tests/mooddTests/OtherInputModelTests.swift (`input22050`).
INPUT_22050 = {"sample_rate": 22050, "n_fft": 1024, "hop_length": 512, "n_mels": 96, "fmin": 0, "fmax": 8000}

# (audio fixture, output rate): up- and downsampling by integer and other ratios, and a file already
# at the rate (passed through); mono, stereo, PCM, float, FLAC, Opus and MP3.
CASES = [
    ("sine440_8000_mono_s16.wav", 22050),
    ("sine440_16000_mono_s16.wav", 22050),
    ("sine440_22050_mono_s24.wav", 22050),
    ("chirp_48000_mono_s32.wav", 22050),
    ("music_44100_stereo_s16.flac", 22050),
    ("music_48000_stereo_opus.opus", 22050),
    ("music_44100_stereo_mp3.mp3", 22050),
    ("sine440_48000_stereo_s24.wav", 44100),
    ("noise_16000_stereo_f32.wav", 44100),
]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    for name, rate in CASES:
        stem = name.rsplit(".", 1)[0]
        y = reference(AUDIO / name, rate)
        np.save(OUT / f"{stem}.{rate}.npy", y)
        if rate == INPUT_22050["sample_rate"]:
            i = INPUT_22050
            mel = librosa.feature.melspectrogram(y=y, sr=rate, n_fft=i["n_fft"], hop_length=i["hop_length"],
                                                 n_mels=i["n_mels"], fmin=i["fmin"], fmax=i["fmax"])
            frames = np.ascontiguousarray(np.log10(1 + 10000 * mel).T, dtype=np.float32)
            np.save(OUT / f"{stem}.{rate}.mel.npy", frames)
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(list(OUT.iterdir()))} files, {total / 1e6:.2f} MB in {OUT}")


if __name__ == "__main__":
    main()
