"""training/export.py on a tiny fake backbone: backbone copied bit for bit, heads readable and runnable."""
import json

import numpy as np
import pytest

import export
import heads
from convert_musicnn import write_safetensors
from musicnn_numpy import load_safetensors

def fake_backbone(path):
    rng = np.random.default_rng(0)
    tensors = {"frontend.bn.gamma": np.ones(1, np.float32),
               "backend.dense.weight": rng.normal(size=(200, 12)).astype(np.float32),
               "heads.old.0.weight": np.zeros((2, 200), np.float32)}
    meta = {"format": "moodd-model", "format_version": "1", "backbone": "MSD_musicnn",
            "heads": json.dumps([{"name": "old"}])}
    write_safetensors(str(path), tensors, meta)
    return tensors

def fake_head(sizes, seed=1):
    rng = np.random.default_rng(seed)
    layers = [(rng.normal(size=(o, i)).astype(np.float32), rng.normal(size=o).astype(np.float32))
              for i, o in zip(sizes[:-1], sizes[1:])]
    return {"mean": rng.normal(size=sizes[0]).astype(np.float32),
            "scale": rng.uniform(0.5, 2, sizes[0]).astype(np.float32), "layers": layers}

def test_export_roundtrip(tmp_path):
    backbone = tmp_path / "b.safetensors"
    orig = fake_backbone(backbone)
    mood, gender = fake_head([200, 16, 4]), fake_head([1506, 2], seed=2)
    out = tmp_path / "m.safetensors"
    export.export(str(backbone), [(mood, {"name": "mood", "labels": ["happy", "angry", "sad", "relaxed"],
                                          "valence": [1, -1, -1, 1], "cv": {"f1": [0.7, 0.02]}}),
                                  (gender, {"name": "gender", "labels": ["female", "male"], "input": "pooled"})],
                  str(out), commit="abc123", date="2026-01-02")
    tensors, meta = load_safetensors(str(out))
    assert "heads.old.0.weight" not in tensors           # the backbone's old heads are replaced
    for k in ("frontend.bn.gamma", "backend.dense.weight"):
        assert np.array_equal(tensors[k], orig[k])
    assert meta["format_version"] == "1" and meta["heads_commit"] == "abc123" and meta["heads_date"] == "2026-01-02"
    descs = json.loads(meta["heads"])
    assert [d["name"] for d in descs] == ["mood", "gender"]
    assert descs[0]["layers"][0]["activation"] == "relu" and descs[0]["layers"][1]["activation"] == "softmax"
    assert descs[0]["input"] == "penultimate" and descs[0]["input_size"] == 200 and descs[0]["cv"]["f1"] == [0.7, 0.02]
    assert descs[1]["input"] == "pooled" and descs[1]["input_size"] == 1506
    declared = {d[k] for d in descs for k in ("input_mean", "input_scale")} | \
               {l[k] for d in descs for l in d["layers"] for k in ("weight", "bias")}
    assert declared == {k for k in tensors if k.startswith("heads.")}    # every head tensor declared
    x = np.random.default_rng(3).normal(size=(5, 200))
    (d0, h0), (d1, h1) = export.read_heads(str(out))
    np.testing.assert_allclose(heads.head_forward(h0, x), heads.head_forward(mood, x), rtol=1e-6)
    xp = np.random.default_rng(4).normal(size=(5, 1506))
    np.testing.assert_allclose(heads.head_forward(h1, xp), heads.head_forward(gender, xp), rtol=1e-6)

def test_export_rejects_bad_heads(tmp_path):
    backbone = tmp_path / "b.safetensors"
    fake_backbone(backbone)
    with pytest.raises(ValueError, match="outputs"):
        export.export(str(backbone), [(fake_head([200, 3]), {"name": "m", "labels": ["a", "b"]})], str(tmp_path / "x"))
    with pytest.raises(ValueError, match="200-d"):
        export.export(str(backbone), [(fake_head([50, 2]), {"name": "m", "labels": ["a", "b"]})], str(tmp_path / "x"))
    with pytest.raises(ValueError, match="pooled is 1506-d"):
        export.export(str(backbone), [(fake_head([200, 2]), {"name": "m", "labels": ["a", "b"], "input": "pooled"})],
                      str(tmp_path / "x"))
    with pytest.raises(ValueError, match="'tags'"):
        export.export(str(backbone), [(fake_head([50, 2]), {"name": "m", "labels": ["a", "b"], "input": "tags"})],
                      str(tmp_path / "x"))
    with pytest.raises(ValueError, match="one name"):
        h = fake_head([200, 2])
        export.export(str(backbone), [(h, {"name": "m", "labels": ["a", "b"]})] * 2, str(tmp_path / "x"))
    with pytest.raises(ValueError, match="letters"):
        export.export(str(backbone), [(fake_head([200, 2]), {"name": "m.x", "labels": ["a", "b"]})], str(tmp_path / "x"))

def test_merge_heads_of_files_with_one_backbone(tmp_path):
    backbone = tmp_path / "b.safetensors"
    fake_backbone(backbone)
    a, b = fake_head([200, 8, 3]), fake_head([200, 2], seed=5)
    export.export(str(backbone), [(a, {"name": "emotion", "labels": ["x", "y", "z"]})], str(tmp_path / "a"))
    export.export(str(backbone), [(b, {"name": "gender", "labels": ["f", "m"]})], str(tmp_path / "b"))
    export.merge(str(tmp_path / "ab"), [str(tmp_path / "a"), str(tmp_path / "b")])
    (da, ha), (db, hb) = export.read_heads(str(tmp_path / "ab"))
    assert (da["name"], db["name"]) == ("emotion", "gender")
    x = np.random.default_rng(0).normal(size=(3, 200))
    np.testing.assert_allclose(heads.head_forward(hb, x), heads.head_forward(b, x), rtol=1e-6)
    with pytest.raises(ValueError, match="second head"):
        export.merge(str(tmp_path / "aa"), [str(tmp_path / "a"), str(tmp_path / "a")])
    other = tmp_path / "other.safetensors"
    write_safetensors(str(other), {"frontend.bn.gamma": np.zeros(1, np.float32),
                                   "backend.dense.weight": np.zeros((200, 12), np.float32)},
                      {"heads": "[]"})
    export.export(str(other), [(b, {"name": "g2", "labels": ["f", "m"]})], str(tmp_path / "c"))
    with pytest.raises(ValueError, match="same backbone"):
        export.merge(str(tmp_path / "ac"), [str(tmp_path / "a"), str(tmp_path / "c")])

def test_export_keeps_other_heads_of_the_output(tmp_path):
    """each head is trained by its own script: writing the content head keeps the file's mood head and
    vice versa; a file with another backbone is refused rather than mixed"""
    backbone = tmp_path / "b.safetensors"
    fake_backbone(backbone)
    out = tmp_path / "m.safetensors"
    mood, content, content2 = fake_head([200, 4]), fake_head([1506, 3], seed=5), fake_head([200, 3], seed=6)
    export.export(str(backbone), [(mood, {"name": "mood", "labels": ["a", "b", "c", "d"]})], str(out))
    export.export(str(backbone), [(content, {"name": "content", "labels": ["music", "speech", "noise"],
                                             "input": "pooled"})], str(out), keep_other_heads=True)
    export.export(str(backbone), [(content2, {"name": "content", "labels": ["music", "speech", "noise"]})],
                  str(out), keep_other_heads=True)
    got = {d["name"]: (d, h) for d, h in export.read_heads(str(out))}
    assert sorted(got) == ["content", "mood"]
    x = np.random.default_rng(7).normal(size=(3, 200))
    np.testing.assert_allclose(heads.head_forward(got["mood"][1], x), heads.head_forward(mood, x), rtol=1e-6)
    np.testing.assert_allclose(heads.head_forward(got["content"][1], x), heads.head_forward(content2, x), rtol=1e-6)
    export.export(str(backbone), [(mood, {"name": "mood", "labels": ["a", "b", "c", "d"]})], str(out))
    assert [d["name"] for d, _ in export.read_heads(str(out))] == ["mood"]   # without the flag: replaced
    other = tmp_path / "other.safetensors"
    tensors, meta = load_safetensors(str(backbone))
    tensors["backend.dense.weight"] = tensors["backend.dense.weight"] + 1
    write_safetensors(str(other), tensors, meta)
    with pytest.raises(ValueError, match="not the same backbone"):
        export.export(str(other), [(content, {"name": "content", "labels": ["music", "speech", "noise"],
                                              "input": "pooled"})], str(out), keep_other_heads=True)

def test_a_head_with_context_declares_its_seconds_and_reads_twice_its_layer(tmp_path):
    backbone = tmp_path / "b.safetensors"
    fake_backbone(backbone)
    out = tmp_path / "m.safetensors"
    export.export(str(backbone), [(fake_head([2 * 1506, 3]), {"name": "content", "labels": ["music", "speech", "noise"],
                                                              "input": "pooled", "context_seconds": 3.0})], str(out))
    (desc, _), = export.read_heads(str(out))
    assert desc["input"] == "pooled" and desc["input_size"] == 3012 and desc["context_seconds"] == 3.0
    with pytest.raises(ValueError, match="pooled with context is 3012-d"):
        export.export(str(backbone), [(fake_head([1506, 3]), {"name": "c", "labels": ["a", "b", "c"], "input": "pooled",
                                                              "context_seconds": 3.0})], str(tmp_path / "x"))
    with pytest.raises(ValueError, match="context_seconds 61"):
        export.export(str(backbone), [(fake_head([400, 3]), {"name": "c", "labels": ["a", "b", "c"],
                                                             "context_seconds": 61})], str(tmp_path / "x"))
