#!/usr/bin/env python3
"""Audio decoding fixtures for MoodAudio (Tests/MoodAudioTests), with librosa references.

Last run with: Python 3.11, librosa 0.11.0, numpy 2.4.6, scipy 1.17.1, soundfile 0.14.0
(bundling libsndfile 1.2.2), soxr 1.1.0 (bundling libsoxr 0.1.3-14-ga66f3ee):
    /tmp/refvenv/bin/python Tests/Fixtures/make_audio_fixtures.py

Writes into Tests/Fixtures/audio/:
    <signal>_<rate>_<layout>_<format>.wav   synthesised test signals, every rate, layout and format
    music_<rate>_<layout>_<codec>.<ext>      a chord-and-percussion clip, encoded by soundfile's
                                            own libsndfile (FLAC, Vorbis, Opus, LAME)
    <name>.16k.npy                          float32 [n]: librosa.load(path, sr=16000), i.e.
                                            soundfile float32 -> mean over channels -> soxr_hq ->
                                            fix_length to ceil(frames * 16000 / rate)
    nonfinite_44100_stereo_f32.wav          float WAV with NaN and +-inf samples; its .16k.npy is
                                            librosa on the same samples with NaN/inf set to 0,
                                            which is what MoodAudio documents it does
    bad_*                                   small malformed files for the error paths; the three
                                            that soundfile still reads get a .16k.npy as well

Every signal is generated in float64 from the one fixed seed below. Frame counts are odd on
purpose (not whole multiples of rate / gcd(rate, 16000)), so that ceil() in the length matters.
A reference is refused if librosa fell back from soundfile to audioread (ffmpeg).
"""
import struct
import warnings
from pathlib import Path

import librosa
import numpy as np
import scipy.signal
import soundfile as sf

SR_OUT = 16000
SEED = 20240612
OUT = Path(__file__).resolve().parent / "audio"

SUBTYPES = {"s16": "PCM_16", "s24": "PCM_24", "s32": "PCM_32", "f32": "FLOAT"}


def signal(kind: str, rate: int, channels: int, frames: int, rng: np.random.Generator) -> np.ndarray:
    """float64 [frames, channels]; channels differ from each other (other frequency/level/seed)."""
    t = np.arange(frames) / rate
    cols = []
    for ch in range(channels):
        if kind == "sine440":
            cols.append((0.5 - 0.2 * ch) * np.sin(2 * np.pi * 440.0 * (1 + 0.5 * ch) * t + 0.3 * ch))
        elif kind == "sine1000":
            cols.append(0.6 * np.sin(2 * np.pi * 1000.0 * t))
        elif kind == "noise":
            cols.append(rng.uniform(-0.5, 0.5, frames) * (1.0 - 0.3 * ch))
        elif kind == "chirp":  # up to 0.45 * rate: above 8 kHz it must be filtered out
            f1 = 0.45 * rate
            cols.append((0.7 - 0.2 * ch) * scipy.signal.chirp(t, f0=60.0 + 40 * ch, t1=t[-1], f1=f1))
        elif kind == "silence":
            cols.append(np.zeros(frames))
        elif kind == "square":  # full scale; +1.0 clips to the largest positive integer
            cols.append(np.where(np.sin(2 * np.pi * (250.0 * (ch + 1)) * t) >= 0, 1.0, -1.0))
        else:
            raise ValueError(kind)
    return np.stack(cols, axis=1)


# (signal, rate, channels, format, seconds): each rate, layout and format at least once.
WAVS = [
    ("sine440", 8000, 1, "s16", 0.6),
    ("sine440", 16000, 1, "s16", 0.6),
    ("sine440", 22050, 1, "s24", 0.6),
    ("sine440", 44100, 2, "s16", 0.6),
    ("sine440", 48000, 2, "s24", 0.6),
    ("sine1000", 96000, 1, "s16", 0.3),
    ("noise", 16000, 2, "f32", 0.6),
    ("noise", 16000, 3, "s16", 0.3),
    ("noise", 44100, 1, "f32", 0.6),
    ("chirp", 48000, 1, "s32", 0.6),
    ("chirp", 22050, 2, "f32", 0.6),
    ("silence", 44100, 2, "s16", 0.3),
    ("square", 8000, 2, "s32", 0.6),
    ("square", 48000, 1, "f32", 0.4),
]


SFC_SET_ADD_PEAK_CHUNK = 0x1050  # sndfile.h


def write_wav(path: Path, x: np.ndarray, rate: int, subtype: str) -> None:
    """sf.write without the PEAK chunk libsndfile adds to float WAVs: it holds a time stamp, which
    would make every run's bytes differ. (Ogg files still differ between runs: libsndfile picks a
    random stream serial number. Their decoded samples, and so the .npy files, do not.)"""
    with sf.SoundFile(str(path), "w", rate, x.shape[1] if x.ndim > 1 else 1, subtype, format="WAV") as f:
        sf._snd.sf_command(f._file, SFC_SET_ADD_PEAK_CHUNK, sf._ffi.NULL, 0)
        f.write(x)


def layout(channels: int) -> str:
    return {1: "mono", 2: "stereo"}.get(channels, f"{channels}ch")


def music(rate: int, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """float64 [frames, 2]: two chords (A minor, F major) with a 6 Hz tremolo, plus decaying noise
    bursts every 0.25 s (a hi-hat-like percussion track), left and right mixed differently."""
    frames = int(seconds * rate) + 5
    t = np.arange(frames) / rate
    half = frames // 2
    chords = [(220.0, 261.63, 329.63), (174.61, 220.0, 261.63)]
    tonal = np.zeros(frames)
    for i, chord in enumerate(chords):
        seg = slice(i * half, frames if i else half)
        for k, f in enumerate(chord):
            tonal[seg] += 0.15 * np.sin(2 * np.pi * f * t[seg] + k) * (1 + 0.3 * np.sin(2 * np.pi * 6 * t[seg]))
    perc = np.zeros(frames)
    burst = int(0.06 * rate)
    env = np.exp(-np.arange(burst) / (0.012 * rate))
    for start in range(0, frames - burst, int(0.25 * rate)):
        perc[start:start + burst] += 0.35 * rng.standard_normal(burst) * env
    left = tonal + perc
    right = 0.8 * tonal - 0.5 * perc
    return np.clip(np.stack([left, right], axis=1), -0.99, 0.99)


# (file name, rate, soundfile format, subtype)
ENCODED = [
    ("music_44100_stereo_s16.flac", 44100, "FLAC", "PCM_16"),
    ("music_48000_stereo_s24.flac", 48000, "FLAC", "PCM_24"),
    ("music_44100_stereo_vorbis.ogg", 44100, "OGG", "VORBIS"),
    ("music_48000_stereo_opus.opus", 48000, "OGG", "OPUS"),
    ("music_44100_stereo_mp3.mp3", 44100, "MP3", "MPEG_LAYER_III"),
    ("music_22050_mono_mp3.mp3", 22050, "MP3", "MPEG_LAYER_III"),
]


def reference(path: Path, rate: int = SR_OUT) -> np.ndarray:
    """librosa.load(path, sr=rate) as float32, refusing the audioread fallback."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # "PySoundFile failed. Trying audioread"
        y, sr = librosa.load(str(path), sr=rate)
    assert sr == rate and y.dtype == np.float32 and y.ndim == 1
    info = sf.info(str(path))
    expected = int(np.ceil(info.frames * (rate / info.samplerate))) if info.samplerate != rate else info.frames
    assert len(y) == expected, (path.name, len(y), expected)
    return y


def save_reference(path: Path, y: np.ndarray) -> None:
    """xxx.wav -> xxx.16k.npy (so no two fixtures may share a stem)."""
    out = path.with_name(path.name.rsplit(".", 1)[0] + ".16k.npy")
    assert not out.exists(), f"{out.name} written twice"
    np.save(out, y.astype(np.float32))


def wav_header(channels: int, rate: int, bits: int, data_bytes: int, riff_bytes: int | None = None) -> bytes:
    """A canonical 44-byte PCM WAV header with the given (possibly absurd) field values."""
    block = channels * bits // 8
    riff = 36 + data_bytes if riff_bytes is None else riff_bytes
    return (b"RIFF" + struct.pack("<I", riff & 0xFFFFFFFF) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, rate, (rate * block) & 0xFFFFFFFF, block & 0xFFFF, bits)
            + b"data" + struct.pack("<I", data_bytes & 0xFFFFFFFF))


def bad_files(rng: np.random.Generator) -> None:
    """Files each error path is tested with; the Swift tests state what each must give."""
    pcm = (0.5 * np.sin(2 * np.pi * 440 * np.arange(800) / 8000) * 32767).astype("<i2").tobytes()
    (OUT / "bad_empty.wav").write_bytes(b"")
    (OUT / "bad_text.wav").write_text("This is a text file, not audio.\n" * 8)
    (OUT / "bad_random.mp3").write_bytes(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    (OUT / "bad_header_cut_wav.wav").write_bytes(wav_header(1, 8000, 16, len(pcm))[:20])
    # The header claims 800 frames; only 300 follow. libsndfile shortens the claim to 300.
    (OUT / "bad_data_cut_wav.wav").write_bytes(wav_header(1, 8000, 16, len(pcm)) + pcm[:600])
    # A data chunk claiming 0xFFFFFFF0 bytes (about 2^31 frames) with 800 frames present.
    (OUT / "bad_absurd_length.wav").write_bytes(wav_header(1, 8000, 16, 0xFFFFFFF0, 0xFFFFFFF8) + pcm)
    (OUT / "bad_zero_frames.wav").write_bytes(wav_header(1, 8000, 16, 0))
    (OUT / "bad_zero_channels.wav").write_bytes(wav_header(0, 8000, 16, len(pcm)) + pcm)
    (OUT / "bad_huge_channels.wav").write_bytes(wav_header(65535, 8000, 16, len(pcm)) + pcm)
    (OUT / "bad_zero_rate.wav").write_bytes(wav_header(1, 0, 16, len(pcm)) + pcm)
    for name in ("music_44100_stereo_s16.flac", "music_44100_stereo_vorbis.ogg",
                 "music_48000_stereo_opus.opus", "music_44100_stereo_mp3.mp3"):
        data = (OUT / name).read_bytes()
        ext = name.rsplit(".", 1)[1]
        (OUT / f"bad_header_cut_{ext}.{ext}").write_bytes(data[:30])
        (OUT / f"bad_data_cut_{ext}.{ext}").write_bytes(data[: len(data) // 2])
    # A streamed WAV's placeholder length is read (clamped to the file) and gets a reference like a
    # good file. The cut WAV and MP3, which soundfile would also read, moodd refuses as truncated.
    for name in ("bad_absurd_length.wav",):
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            y, _ = librosa.load(str(OUT / name), sr=SR_OUT)
        save_reference(OUT / name, y)


def nonfinite(rng: np.random.Generator) -> None:
    """A float WAV with NaN/+inf/-inf in both channels; reference = librosa on the zeroed samples."""
    rate, frames = 44100, 13231
    x = signal("sine440", rate, 2, frames, rng).astype(np.float32)
    x[100, 0] = np.nan
    x[5000, 1] = np.inf
    x[5001, 0] = -np.inf
    x[9000:9010, :] = np.nan
    path = OUT / "nonfinite_44100_stereo_f32.wav"
    write_wav(path, x, rate, "FLOAT")
    clean = np.nan_to_num(sf.read(str(path), dtype="float32")[0], nan=0.0, posinf=0.0, neginf=0.0)
    y = librosa.resample(librosa.to_mono(clean.T), orig_sr=rate, target_sr=SR_OUT, res_type="soxr_hq")
    assert len(y) == int(np.ceil(frames * SR_OUT / rate))
    save_reference(path, y)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.iterdir():  # this script owns the folder
        old.unlink()
    rng = np.random.default_rng(SEED)
    for kind, rate, channels, fmt, seconds in WAVS:
        frames = int(seconds * rate) + 3
        path = OUT / f"{kind}_{rate}_{layout(channels)}_{fmt}.wav"
        write_wav(path, signal(kind, rate, channels, frames, rng), rate, SUBTYPES[fmt])
        save_reference(path, reference(path))
    for name, rate, fmt, subtype in ENCODED:
        path = OUT / name
        clip = music(rate, 1.0, rng)
        if "_mono_" in name:
            clip = clip[:, 0]
        sf.write(str(path), clip, rate, format=fmt, subtype=subtype)
        save_reference(path, reference(path))
    nonfinite(rng)
    bad_files(rng)
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(list(OUT.iterdir()))} files, {total / 1e6:.2f} MB in {OUT}")


if __name__ == "__main__":
    main()
