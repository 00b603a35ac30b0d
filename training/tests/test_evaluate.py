"""training/evaluate.py's variant cache: a variant's results are reused only when everything they depend on is
the same."""
import types

import pytest

pytest.importorskip("sklearn")
import config
import evaluate

def args(tmp_path, **kw):
    model = tmp_path / "backbone.safetensors"
    model.write_bytes(kw.pop("model_bytes", b"weights"))
    return types.SimpleNamespace(clip_ids=kw.pop("clip_ids", ["a", "b", "c"]), layer=["penultimate", "pooled"],
                                 model=str(model), engine="moodd", name="4q")

def path(a, kinds=("noise",), cands=(("lr", 0.01),), validation=None, curve=False, rooms=True):
    aug = {"penultimate": {k: None for k in kinds}} if kinds else None
    return evaluate.variant_cache_path(a, aug, list(cands), validation, curve, rooms)

def test_the_same_inputs_name_the_same_results(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "CACHE", str(tmp_path / "cache"))
    p = path(args(tmp_path))
    assert p == path(args(tmp_path)) and p.startswith(str(tmp_path / "cache" / "reports" / "4q-variants"))
    assert path(args(tmp_path), kinds=("noise", "room1")) == path(args(tmp_path), kinds=("room1", "noise"))

def test_any_changed_input_names_other_results(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "CACHE", str(tmp_path / "cache"))
    base = path(args(tmp_path))
    validation = types.SimpleNamespace(name="MUSIFEAST-17", valence=[0.1, 0.2])
    others = [path(args(tmp_path), kinds=("noise", "room1")), path(args(tmp_path), kinds=()),
              path(args(tmp_path), cands=(("lr", 0.01), ("mlp", 1.0))), path(args(tmp_path), validation=validation),
              path(args(tmp_path), curve=True), path(args(tmp_path), rooms=False),
              path(args(tmp_path, clip_ids=["a", "b"])), path(args(tmp_path, model_bytes=b"other weights"))]
    assert base not in others and len(set(others)) == len(others)
    monkeypatch.setattr(config, "TRAIN_STRIDE", config.TRAIN_STRIDE + 1)
    assert path(args(tmp_path)) != base                  # a protocol constant
