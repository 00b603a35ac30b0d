"""training/evaluate.py's nested grouped CV and report on generated embeddings (no audio, no binary)."""
import os

import numpy as np
import pytest

pytest.importorskip("sklearn")
import config
import evaluate
from dataset import Clip

LABELS = ["happy", "angry", "sad", "relaxed"]

def synthetic(n_clips=80, signal=1.0, seed=0):
    """clips of 4-9 patches of a 200-d 'embedding': class centre * signal + noise; 2-3 clips per group,
    and a group shares a bias (an 'artist sound') that grouped CV must not exploit"""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (4, 200))
    y = np.arange(n_clips) % 4
    groups = np.array([f"g{i // 3}" for i in range(n_clips)])
    bias = {g: rng.normal(0, 1, 200) for g in set(groups)}
    emb = [(signal * centres[y[i]] + bias[groups[i]] + rng.normal(0, 2, (rng.integers(4, 10), 200))).astype(np.float32)
           for i in range(n_clips)]
    emb[0][:, 3] = 1.5                                   # a dead unit
    return emb, y, groups

def test_separable_data_scores_high_and_folds_are_grouped():
    emb, y, groups = synthetic()
    res = evaluate.cross_validate(emb, y, groups, LABELS, None, [("lr", 0.1), ("lr", 1.0)], seed=0)
    assert len(res["folds"]) == config.OUTER_FOLDS
    tested = np.concatenate([np.array(f) for f in res["fold_index"]])
    assert sorted(tested) == list(range(len(y)))
    for te in res["fold_index"]:
        rest = np.setdiff1d(np.arange(len(y)), te)
        assert not set(groups[te]) & set(groups[rest])
    assert evaluate.summary(res, "accuracy")[0] > 0.9
    f = res["folds"][0]
    assert {"arousal", "valence", "patch_accuracy", "listen", "chosen"} <= set(f)
    assert f["listen"][max(config.LISTEN_PATCHES)] == pytest.approx(f["accuracy"])   # all patches = the clip

def test_no_signal_scores_near_chance():
    emb, y, groups = synthetic(signal=0.0, seed=1)
    res = evaluate.cross_validate(emb, y, groups, LABELS, None, [("lr", 0.1)], seed=0)
    assert evaluate.summary(res, "accuracy")[0] < 0.45

def test_the_inner_cv_chooses_the_input_layer():
    """two 'layers' of the same clips, one with the signal and one without: the inner CV (never the test
    fold) picks the informative one in every fold, with its own augmented copies"""
    signal, y, groups = synthetic()
    noise, _, _ = synthetic(signal=0.0, seed=1)
    aug = {"noise": {"shift": [e + 0.1 for e in noise]}, "signal": {"shift": [e + 0.1 for e in signal]}}
    res = evaluate.cross_validate({"noise": noise, "signal": signal}, y, groups, LABELS, aug, [("lr", 0.1)], seed=0)
    assert [f["chosen"] for f in res["folds"]] == ["signal lr 0.1"] * config.OUTER_FOLDS
    assert evaluate.summary(res, "accuracy")[0] > 0.9

def test_augmented_copies_only_join_training():
    emb, y, groups = synthetic()
    poison = {"noise": [np.full_like(e, 1e3 * (i + 1)) for i, e in enumerate(emb)]}   # recognisable rows
    idx = np.array([1, 2, 5])
    x, yy = evaluate.patches_of(idx, emb, y, poison)
    assert len(x) == 2 * sum(len(emb[i]) for i in idx)
    assert set(np.unique(x[x >= 1e3])) == {1e3 * (i + 1) for i in idx}            # only these clips' copies
    assert list(np.unique(yy)) == sorted(set(y[idx]))

def test_report_and_plots(tmp_path):
    emb, y, groups = synthetic()
    res = evaluate.cross_validate(emb, y, groups, LABELS, None, [("lr", 0.1)], seed=0, curve=True)
    clips = [Clip(f"/d/{LABELS[k]}/{i}.wav", LABELS[k], g, str(i)) for i, (k, g) in enumerate(zip(y, groups))]

    class Args:
        name, dataset, group_column, augment, layer = "toy", "/d", "group", [], ["pooled"]
        command, engine_desc = "python training/evaluate.py ...", "fake"
    path = str(tmp_path / "toy.md")
    evaluate.write_report(path, Args, clips, LABELS, y, groups, {"LR": res}, "LR", "", ["| CNN | 1 | 2 | 3 | 4 | 5 | 6 | 7 |"])
    text = open(path).read()
    assert "| **LR** |" in text and "| CNN |" in text and "toy_confusion.png" in text
    assert "`moodd embed --layer pooled`" in text
    assert os.path.getsize(tmp_path / "toy_confusion.png") > 1000 and os.path.getsize(tmp_path / "toy_curves.png") > 1000

def test_late_fusion_averages_clip_probabilities():
    import compare_backbones
    y = np.array([0, 1, 2, 3, 0, 1])
    a = {"fold_index": [[0, 1, 2], [3, 4, 5]], "proba": np.eye(4)[[0, 1, 2, 3, 1, 1]] * 0.6 + 0.1}
    b = {"fold_index": a["fold_index"], "proba": np.eye(4)[[0, 1, 2, 3, 0, 1]] * 0.9 + 0.025}
    folds = compare_backbones.fused_folds([a, b], y, LABELS)
    assert [f["accuracy"] for f in folds] == [1.0, 1.0]     # b's confident 0 outvotes a's weak 1 on clip 4
    assert [f["accuracy"] for f in compare_backbones.fused_folds([a, a], y, LABELS)] == [1.0, 2 / 3]
    assert compare_backbones.row("x", folds).startswith("| x | 100.0 ± 0.0 |") and "| – |" in compare_backbones.row("x", folds)
