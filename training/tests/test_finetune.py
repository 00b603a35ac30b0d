"""training/finetune.py, finetune_export.py and the fine-tuning modules of musicnn_torch.py, on the shipped
backbone and moodd's own log-mel frames of a fixture. PyTorch is not on CI's path (several GB): these run
where it is installed (training/.venv-torch); finetune.py itself checks PyTorch against the moodd binary on
real clips (--parity)."""
import json
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import config
import export as exporter
import finetune
import finetune_export
from musicnn_numpy import load_safetensors
from musicnn_torch import FrozenFrontEnd, LaterLayers, MusicnnTorch

FIXTURE = os.path.join(config.REPO, "Tests", "Fixtures", "features", "music_44100_stereo_s16.npy")


def patches(n=3):
    mel = np.load(FIXTURE)                                   # moodd features of a fixture, [63, 96]
    mel = np.concatenate([mel] * 4)[:config.PATCH_FRAMES + 2 * (n - 1)]
    return torch.from_numpy(np.stack([mel[2 * i:2 * i + config.PATCH_FRAMES] for i in range(n)]).astype(np.float32))


def test_pruned_front_end_and_later_layers_equal_the_whole_network():
    net = MusicnnTorch.from_file(config.BACKBONE_MODEL).eval()
    front = FrozenFrontEnd(net)
    later = LaterLayers(net, front).eval()
    assert len(front.live) == 64 and front.constants.numel() == 561      # 23+14+3+7+17 live, as the Swift plan
    x = patches()
    with torch.no_grad():
        whole = net(x)[0]
        split = later(front(x))
    assert float((whole - split).abs().max()) < 1e-5
    assert float(whole.abs().max()) > 0.1                                # not a trivially zero comparison


def test_trained_weights_go_back_into_the_model_file(tmp_path):
    model = finetune.MoodNet(config.BACKBONE_MODEL, 4, seed=0)
    with torch.no_grad():                                                # as if trained: every trainable tensor moved
        for p in model.parameters():
            if p.requires_grad:
                p.add_(0.01 * torch.randn_like(p))
    out = tmp_path / "ft.safetensors"
    finetune_export.export(model, config.BACKBONE_MODEL, ["happy", "angry", "sad", "relaxed"],
                    {"name": "mood", "input": "penultimate", "cv": {"f1": [0.7, 0.01]}}, str(out), "abc123")
    tensors, meta = load_safetensors(str(out))
    original, _ = load_safetensors(config.BACKBONE_MODEL)
    changed = {k for k in original if not k.startswith("heads.") and not np.array_equal(original[k], tensors[k])}
    assert changed == set(json.loads(meta["fine_tuned"])["tensors"]) == \
        {f"midend.{i}.{w}" for i in range(3) for w in ("weight", "bias")} | {"backend.dense.weight", "backend.dense.bias"}
    model.eval()
    reloaded = MusicnnTorch.from_file(str(out)).eval()
    (desc, head), = exporter.read_heads(str(out))
    x = patches()
    with torch.no_grad():
        expected = torch.softmax(model(FrozenFrontEnd(reloaded)(x)), dim=1).numpy()
        penultimate = reloaded(x)[0].numpy()
    from heads import head_forward
    np.testing.assert_allclose(head_forward(head, penultimate), expected, atol=1e-5)
    assert desc["labels"] == ["happy", "angry", "sad", "relaxed"] and desc["input"] == "penultimate"


def test_validation_split_keeps_artists_apart_and_inside_the_training_fold():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 30)
    groups = np.array([f"a{g}" for g in rng.integers(0, 50, len(y))])
    idx = np.arange(10, 110)
    tr, va = finetune.validation_split(idx, y, groups, 0)
    assert set(tr) | set(va) == set(idx) and not set(tr) & set(va)
    assert not set(groups[tr]) & set(groups[va])
    assert 0.1 < len(va) / len(idx) < 0.3


def test_a_fold_is_scored_through_its_test_rooms_too():
    net = finetune.MoodNet(config.BACKBONE_MODEL, 4, seed=0)
    front = FrozenFrontEnd(MusicnnTorch.from_file(config.BACKBONE_MODEL)).eval()
    with torch.no_grad():
        clip = front(patches()).numpy()
    rng = np.random.default_rng(0)
    versions = [{"original": clip + rng.normal(scale=0.5, size=clip.shape).astype(np.float32)} for _ in range(8)]
    y, te, labels = np.arange(8) % 4, np.arange(8), ["happy", "angry", "sad", "relaxed"]
    clean = finetune.score_fold(net, versions, te, y, labels)
    assert "room_f1" not in clean
    same = finetune.score_fold(net, versions, te, y, labels, [v["original"] for v in versions])
    assert same["f1"] == clean["f1"] == same["room_f1"] and same["room_loss"] == 0
    silent = [np.zeros_like(v["original"]) for v in versions]      # one input for every clip: one label
    worse = finetune.score_fold(net, versions, te, y, labels, silent)
    assert worse["room_f1"] <= 0.25 and worse["room_loss"] == pytest.approx(clean["f1"] - worse["room_f1"])


def test_room_copies_are_found_where_the_content_corpus_writes_them(tmp_path):
    import dataset
    clip = dataset.Clip(id="MT0001", path="/data/Q1/MT0001.mp3", label="happy", group="artist")
    (tmp_path / "rooms" / "test" / "4q").mkdir(parents=True)
    (tmp_path / "rooms" / "test" / "4q" / "4q-MT0001.wav").write_bytes(b"")
    assert finetune.room_path(str(tmp_path), "test", clip) == str(tmp_path / "rooms" / "test" / "4q" / "4q-MT0001.wav")
    with pytest.raises(FileNotFoundError, match="no train room copy of clip MT0001"):
        finetune.room_path(str(tmp_path), "train", clip)


def test_the_front_end_from_moodd_is_pytorchs(tmp_path):
    import wave
    from embed import mel_patches, moodd_features
    from front_cache import moodd_front
    if not os.access(config.MOODD, os.X_OK):
        pytest.skip(f"{config.MOODD}: no moodd binary (swift build -c release)")
    t = np.arange(5 * 16000) / 16000                                    # 5 s: two patches
    y = 0.3 * np.sin(2 * np.pi * 220 * t * (1 + t / 10)) + 0.05 * np.random.default_rng(0).standard_normal(len(t))
    with wave.open(str(tmp_path / "a.wav"), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes((np.clip(y, -1, 1) * 32767).astype("<i2").tobytes())
    front = FrozenFrontEnd(MusicnnTorch.from_file(config.BACKBONE_MODEL)).eval()
    swift = moodd_front(str(tmp_path / "a.wav"), config.BACKBONE_MODEL, front.live.numpy())
    with torch.no_grad():
        expected = front(torch.from_numpy(mel_patches(moodd_features(str(tmp_path / "a.wav"), str(tmp_path / "f.npy"))))).numpy()
    assert swift.shape == expected.shape == (2, 64, config.PATCH_FRAMES)
    np.testing.assert_allclose(swift, expected, atol=1e-4)
    assert np.abs(expected).max() > 0.1
