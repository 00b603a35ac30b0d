"""training/augment.py on generated signals: each augmentation does what its name says, reproducibly."""
import numpy as np
import pytest

import augment

SR = 16000

def sine(freq, seconds=2.0, amp=0.3):
    t = np.arange(int(seconds * SR)) / SR
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)

def peak_hz(y):
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    return np.argmax(spec) * SR / len(y)

def test_noise_at_the_requested_snr():
    y = sine(440)
    out = augment.add_noise(y, 20.0, np.random.default_rng(0))
    snr = 10 * np.log10(np.mean(y ** 2) / np.mean((out - y) ** 2))
    assert abs(snr - 20.0) < 0.3

def test_shift_is_circular():
    y = np.arange(SR, dtype=np.float32)
    out = augment.time_shift(y, 0.25, SR)
    assert out[SR // 4] == 0 and out[0] == y[-SR // 4] and np.array_equal(np.sort(out), y)

def test_draws_are_reproducible_and_in_range():
    for kind in ("noise", "stretch", "shift", "pitch"):
        a, b = augment.draw(kind, "clip7")[1], augment.draw(kind, "clip7")[1]
        assert a == b
    assert augment.draw("noise", "a")[1] != augment.draw("noise", "b")[1]
    rates = [augment.draw("stretch", str(i))[1] for i in range(50)]
    assert all(0.85 <= r <= 1.15 and abs(r - 1) >= 0.03 for r in rates)
    pitches = [augment.draw("pitch", str(i))[1] for i in range(50)]
    assert all(0.5 <= abs(p) <= 2 for p in pitches)
    with pytest.raises(ValueError):
        augment.draw("reverb", "a")

def test_stretch_and_pitch():
    pytest.importorskip("librosa")
    y = sine(440)
    fast = augment.time_stretch(y, 1.25)
    assert abs(len(fast) - len(y) / 1.25) < 0.01 * len(y)
    assert abs(peak_hz(fast) - 440) < 5                  # tempo changes, pitch does not
    up = augment.pitch_shift(y, 2.0, SR)
    assert len(up) == len(y)
    assert abs(peak_hz(up) - 440 * 2 ** (2 / 12)) < 5    # two semitones up: 493.9 Hz

def test_augment_clips_and_keeps_dtype():
    y = sine(440, amp=0.99)
    out, snr = augment.augment(y, SR, "noise", "x")
    assert out.dtype == np.float32 and out.shape == y.shape and np.abs(out).max() <= 1.0
    assert 10 <= snr <= 30

def test_room_kinds_draw_a_training_room_per_clip_reproducibly():
    pytest.importorskip("pyroomacoustics")
    import rooms
    assert augment.room_kind("room3") == 3 and augment.room_kind("room") is None
    assert augment.room_kind("room0") is None and augment.room_kind("roomy") is None
    with pytest.raises(ValueError):
        augment.draw("room0", "a")
    picks = {augment.draw(f"room{k}", f"clip{i}")[1] for k in (1, 2) for i in range(40)}
    assert picks <= set(range(len(rooms.ROOMS["train"]))) and len(picks) > 12     # spread over the rooms
    assert augment.draw("room1", "clip7")[1] == augment.draw("room1", "clip7")[1]

def test_a_room_copy_is_the_clip_through_that_training_room():
    pytest.importorskip("pyroomacoustics")
    import rooms
    y = sine(440, seconds=3.0)
    out, index = augment.augment(y, SR, "room2", "clip7")
    room = rooms.ROOMS["train"][index]
    again = rooms.through(y, room, augment.draw("room2", "clip7")[0])
    assert out.shape == y.shape and out.dtype == np.float32
    assert np.allclose(out, np.clip(again, -1, 1))          # the very room, its noise seeded by clip and kind
    assert not np.allclose(out, y, atol=0.01)
    with pytest.raises(ValueError):
        augment.augment(y, 22050, "room1", "clip7")          # the rooms are simulated at 16 kHz

FAKE_FEATURES = """#!{python}
import sys, numpy as np
open({log!r}, "a").write(" ".join(sys.argv[1:]) + "\\n")
np.save(sys.argv[sys.argv.index("--npy") + 1], np.full((250, 96), 0.25, np.float32))
"""

def test_augmented_features_are_moodds_frames_of_the_copy_cached_and_the_wav_removed(tmp_path, monkeypatch):
    pytest.importorskip("librosa")
    import stat
    import sys
    import config
    import dataset
    log = tmp_path / "calls.log"
    fake = tmp_path / "moodd"
    fake.write_text(FAKE_FEATURES.format(python=sys.executable, log=str(log)))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(config, "MOODD", str(fake))
    (tmp_path / "ds" / "Q1").mkdir(parents=True)
    augment.write_wav(str(tmp_path / "ds" / "Q1" / "c1.wav"), sine(440, seconds=4.0))
    clip = dataset.Clip(str(tmp_path / "ds" / "Q1" / "c1.wav"), "happy", "artist", "c1")
    cache = str(tmp_path / "cache")
    mel = augment.augmented_features(clip, "noise", "ds", cache)
    again = augment.augmented_features(clip, "noise", "ds", cache)
    assert mel.shape == (250, 96) and np.array_equal(mel, again)
    calls = log.read_text().splitlines()
    wav = augment.augmented_path(clip, "noise", "ds", cache)
    assert calls == [f"features {wav} --npy {tmp_path}/cache/features/ds/aug/noise/Q1/c1.npy.tmp.npy"]  # once
    assert not (tmp_path / "cache" / "augmented" / "ds" / "noise" / "Q1" / "c1.wav").exists()
    assert (tmp_path / "cache" / "features" / "ds" / "aug" / "noise" / "Q1" / "c1.npy").exists()
