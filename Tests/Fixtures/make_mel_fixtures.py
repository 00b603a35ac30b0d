#!/usr/bin/env python3
"""Reference fixtures for MoodDSP's log-mel front end (Tests/MoodDSPTests), made with librosa.

Last run with: Python 3.11.7, librosa 0.11.0, numpy 2.4.6, scipy 1.17.1
    /tmp/refvenv/bin/python Tests/Fixtures/make_mel_fixtures.py

Writes into Tests/Fixtures/mel/:
    filterbank_16000_512_96.npy   float32 [96, 257]  librosa.filters.mel(sr=16000, n_fft=512, n_mels=96)
    filterbank_<sr>_<n_fft>_<n_mels>_<fmin>_<fmax>.npy   the same for EXTRA_FILTERBANKS
    hann_512.npy                  float32 [512]       scipy.signal.get_window("hann", 512, fftbins=True)
    <name>.npy                    float32 [n]         the 16 kHz test signal, exactly as fed to librosa
    <name>_logmel.npy             float32 [frames, 96] log10(1 + 10000 * melspectrogram(...)).T

The front end is musicnn's: n_fft 512, periodic Hann, hop 256, power 2, 96 Slaney mel bands with
Slaney area norm, 0..8000 Hz, center=True with zero padding (librosa >= 0.10 default pad_mode).
Every signal is generated in float64 and cast to float32 once; librosa then sees the float32 array,
which is what the Swift tests load and push. No randomness other than the one fixed seed below.
"""
import warnings
from pathlib import Path

import librosa
import numpy as np
import scipy.signal

SR = 16000
N_FFT = 512
HOP = 256
N_MELS = 96
SEED = 20240611
# Other shapes, so the filterbank is not only right for musicnn's: (sr, n_fft, n_mels, fmin, fmax).
EXTRA_FILTERBANKS = [(8000, 256, 40, 50.0, 3800.0), (22050, 512, 40, 0.0, 11025.0)]
OUT = Path(__file__).resolve().parent / "mel"


def signals() -> dict[str, np.ndarray]:
    """The test signals, float64, about one second each (lengths chosen to exercise the tail)."""
    n = SR  # 16000 samples: 62.5 hops, so the last frame is half padding
    t = np.arange(n) / SR
    rng = np.random.default_rng(SEED)
    return {
        "sine440": 0.5 * np.sin(2 * np.pi * 440.0 * t),
        "sine3000": 0.25 * np.sin(2 * np.pi * 3000.0 * t + 0.3),
        "noise": rng.uniform(-0.5, 0.5, n),
        "chirp": 0.8 * scipy.signal.chirp(t, f0=50.0, t1=t[-1], f1=7900.0, method="logarithmic"),
        # 63 hops exactly (16128 samples): the end padding falls on a frame boundary.
        "silence": np.zeros(63 * HOP),
        # Full scale, 250 Hz (64-sample period), values exactly +-1; 15999 samples: odd length.
        "square": scipy.signal.square(2 * np.pi * 250.0 * np.arange(n - 1) / SR),
        # 300 samples, shorter than one FFT: both of its 2 frames are mostly padding.
        "short": 0.5 * np.sin(2 * np.pi * 1000.0 * np.arange(300) / SR),
    }


def log_mel(y: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():  # "n_fft=512 is too large" for "short": intended
        warnings.simplefilter("ignore", UserWarning)
        S = librosa.feature.melspectrogram(
            y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS, center=True, power=2.0
        )
    # Row-major [frames, n_mels]: a plain .T would be saved Fortran-ordered.
    return np.ascontiguousarray(np.log10(1 + 10000 * S).T, dtype=np.float32)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    fb = librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=N_MELS)
    assert fb.dtype == np.float32 and fb.shape == (N_MELS, N_FFT // 2 + 1)
    np.save(OUT / f"filterbank_{SR}_{N_FFT}_{N_MELS}.npy", fb)
    for sr, n_fft, n_mels, fmin, fmax in EXTRA_FILTERBANKS:
        extra = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
        np.save(OUT / f"filterbank_{sr}_{n_fft}_{n_mels}_{fmin:g}_{fmax:g}.npy", extra)
    window = scipy.signal.get_window("hann", N_FFT, fftbins=True).astype(np.float32)
    np.save(OUT / f"hann_{N_FFT}.npy", window)
    for name, y64 in signals().items():
        y = y64.astype(np.float32)
        frames = log_mel(y)
        assert frames.shape == (1 + len(y) // HOP, N_MELS), (name, frames.shape)
        np.save(OUT / f"{name}.npy", y)
        np.save(OUT / f"{name}_logmel.npy", frames)
        print(f"{name:10s} {len(y):6d} samples -> {frames.shape[0]:3d} frames, max {frames.max():.4f}")


if __name__ == "__main__":
    main()
