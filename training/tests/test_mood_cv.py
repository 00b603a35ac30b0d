"""training/mood_cv.py's nested grouped CV (rooms, a validation set) and mood_report.py's report, on generated
embeddings (no audio, no binary)."""
import os

import numpy as np
import pytest

pytest.importorskip("sklearn")
import config
import mood_cv
import mood_report
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
    res = mood_cv.cross_validate(emb, y, groups, LABELS, None, [("lr", 0.1), ("lr", 1.0)], seed=0)
    assert len(res["folds"]) == config.OUTER_FOLDS
    tested = np.concatenate([np.array(f) for f in res["fold_index"]])
    assert sorted(tested) == list(range(len(y)))
    for te in res["fold_index"]:
        rest = np.setdiff1d(np.arange(len(y)), te)
        assert not set(groups[te]) & set(groups[rest])
    assert mood_cv.summary(res, "accuracy")[0] > 0.9
    f = res["folds"][0]
    assert {"arousal", "valence", "patch_accuracy", "listen", "chosen"} <= set(f)
    assert f["listen"][max(config.LISTEN_PATCHES)] == pytest.approx(f["accuracy"])   # all patches = the clip

def test_no_signal_scores_near_chance():
    emb, y, groups = synthetic(signal=0.0, seed=1)
    res = mood_cv.cross_validate(emb, y, groups, LABELS, None, [("lr", 0.1)], seed=0)
    assert mood_cv.summary(res, "accuracy")[0] < 0.45

def test_the_inner_cv_chooses_the_input_layer():
    """two 'layers' of the same clips, one with the signal and one without: the inner CV (never the test
    fold) picks the informative one in every fold, with its own augmented copies"""
    signal, y, groups = synthetic()
    noise, _, _ = synthetic(signal=0.0, seed=1)
    aug = {"noise": {"shift": [e + 0.1 for e in noise]}, "signal": {"shift": [e + 0.1 for e in signal]}}
    res = mood_cv.cross_validate({"noise": noise, "signal": signal}, y, groups, LABELS, aug, [("lr", 0.1)], seed=0)
    assert [f["chosen"] for f in res["folds"]] == ["signal lr 0.1"] * config.OUTER_FOLDS
    assert mood_cv.summary(res, "accuracy")[0] > 0.9

def test_augmented_copies_only_join_training():
    emb, y, groups = synthetic()
    poison = {"noise": [np.full_like(e, 1e3 * (i + 1)) for i, e in enumerate(emb)]}   # recognisable rows
    idx = np.array([1, 2, 5])
    x, yy = mood_cv.patches_of(idx, emb, y, poison)
    assert len(x) == 2 * sum(len(emb[i]) for i in idx)
    assert set(np.unique(x[x >= 1e3])) == {1e3 * (i + 1) for i in idx}            # only these clips' copies
    assert list(np.unique(yy)) == sorted(set(y[idx]))

def test_report_and_plots(tmp_path):
    emb, y, groups = synthetic()
    res = mood_cv.cross_validate(emb, y, groups, LABELS, None, [("lr", 0.1)], seed=0, curve=True)
    clips = [Clip(f"/d/{LABELS[k]}/{i}.wav", LABELS[k], g, str(i)) for i, (k, g) in enumerate(zip(y, groups))]

    class Args:
        name, dataset, group_column, augment, layer = "toy", "/d", "group", [], ["pooled"]
        command, engine_desc = "python training/mood_cv.py ...", "fake"
    path = str(tmp_path / "toy.md")
    mood_report.write_report(path, Args, clips, LABELS, y, groups, {"LR": res}, "LR", "", ["| CNN | 1 | 2 | 3 | 4 | 5 | 6 | 7 |"])
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


def test_each_fold_is_scored_through_its_test_room():
    """room copies equal to the clips score as clean; room copies that lost the signal score near chance, and
    the room scores never change the clean ones"""
    emb, y, groups = synthetic()
    same = mood_cv.cross_validate(emb, y, groups, LABELS, None, [("lr", 0.1)], seed=0, room=emb)
    assert mood_cv.summary(same, "room.f1") == pytest.approx(mood_cv.summary(same, "f1"))
    lost, _, _ = synthetic(signal=0.0, seed=3)
    res = mood_cv.cross_validate(emb, y, groups, LABELS, None, [("lr", 0.1)], seed=0, room=lost)
    assert mood_cv.summary(res, "f1") == mood_cv.summary(same, "f1")
    assert mood_cv.summary(res, "room.f1")[0] < 0.45
    assert len(res["room_pred"]) == len(y)

def test_validation_music_tells_near_equal_heads_apart():
    """two inputs equally good on the labelled clips; only one of them ranks the validation music's valence:
    the choice takes it in every fold, and each fold reports its Spearman on the validation set"""
    rng = np.random.default_rng(5)
    emb, y, groups = synthetic()
    twin = [e.copy() for e in emb]                               # the same clips, so the same inner F1
    # validation clips: valence in the first 2 dims of "good", nowhere in "bad"
    centres = [rng.normal(0, 1, 200) for _ in range(4)]
    val_v = rng.uniform(1, 5, 40)
    def clip(v, informative):
        c = (v - 1) / 4 * (centres[0] + centres[3]) / 2 + (1 - (v - 1) / 4) * (centres[1] + centres[2]) / 2
        return (c if informative else rng.normal(0, 1, 200))[None, :] + rng.normal(0, 0.1, (3, 200))
    val = mood_cv.Validation({"bad": [clip(v, False) for v in val_v], "good": [clip(v, True) for v in val_v]},
                             val_v, val_v.copy())
    res = mood_cv.cross_validate({"bad": emb, "good": twin}, y, groups, LABELS, None, [("lr", 0.1)], seed=0,
                                 validation=val)
    assert [f["chosen"] for f in res["folds"]] == ["good lr 0.1"] * config.OUTER_FOLDS
    assert all(len(f["validation"]) == 2 for f in res["folds"])
    plain = mood_cv.cross_validate({"bad": emb, "good": twin}, y, groups, LABELS, None, [("lr", 0.1)], seed=0)
    assert [f["chosen"] for f in plain["folds"]] == ["bad lr 0.1"] * config.OUTER_FOLDS   # ties: the first

def test_room_copies_are_found_where_the_content_corpus_writes_them(tmp_path):
    c = Clip("/d/happy/MT1.mp3", "happy", "a", "MT1")
    path, key = mood_cv.room_copy(str(tmp_path), "test", "4q", c)
    assert path == str(tmp_path / "rooms" / "test" / "4q" / "4q-MT1.wav")
    assert key == "content/rooms/test/4q/4q-MT1"

    class NoEmbedder:
        def cache_path(self, key):
            return str(tmp_path / "cache" / (key + ".npy"))
    with pytest.raises(FileNotFoundError, match="no room copy of clip MT1"):
        mood_cv.embed_rooms([c], NoEmbedder(), str(tmp_path), "4q", "test")

def test_report_shows_the_room_and_the_validation_figures(tmp_path):
    emb, y, groups = synthetic()
    val = mood_cv.Validation({None: emb[:20]}, np.arange(20.0), np.arange(20.0), "MUSIFEAST-17")
    res = mood_cv.cross_validate(emb, y, groups, LABELS, None, [("lr", 0.1)], seed=0, room=emb, validation=val)
    res["chosen_on_validation"] = True
    clips = [Clip(f"/d/{LABELS[k]}/{i}.wav", LABELS[k], g, str(i)) for i, (k, g) in enumerate(zip(y, groups))]

    class Args:
        name, dataset, group_column, augment, layer = "toy", "/d", "group", [], ["penultimate"]
        command, engine_desc, rooms = "python training/evaluate.py ...", "fake", "/rooms"
        validation_desc, validation_name = "other music", "MUSIFEAST-17"
    path = str(tmp_path / "toy.md")
    mood_report.write_report(path, Args, clips, LABELS, y, groups, {"LR": res}, "LR", "", [])
    text = open(path).read()
    assert "test-room macro-F1" in text and "MUSIFEAST-17 arousal ρ" in text and "| **LR** * |" in text
    assert "| test room |" in text
    block = mood_report.cv_block(res)
    assert set(block["room"]) == {"accuracy", "f1"} and set(block["validation_spearman"]) == {"valence", "arousal"}

def test_a_variant_scored_without_the_validation_set_gets_a_dash_not_a_crash(tmp_path):
    """the comparison variants are scored on 4Q and the room only; the report still lists them"""
    emb, y, groups = synthetic()
    val = mood_cv.Validation({None: emb[:20]}, np.arange(20.0), np.arange(20.0), "MUSIFEAST-17")
    main = mood_cv.cross_validate(emb, y, groups, LABELS, None, [("lr", 0.1)], seed=0, room=emb, validation=val)
    other = mood_cv.cross_validate(emb, y, groups, LABELS, None, [("lr", 0.1)], seed=0, room=emb)
    clips = [Clip(f"/d/{LABELS[k]}/{i}.wav", LABELS[k], g, str(i)) for i, (k, g) in enumerate(zip(y, groups))]

    class Args:
        name, dataset, group_column, augment, layer = "toy", "/d", "group", [], ["penultimate"]
        command, engine_desc, rooms = "python training/evaluate.py ...", "fake", "/rooms"
        validation_desc, validation_name = "other music", "MUSIFEAST-17"
    for order in (("main", "other"), ("other", "main")):
        variants = {k: {"main": main, "other": other}[k] for k in order}
        path = str(tmp_path / "toy.md")
        mood_report.write_report(path, Args, clips, LABELS, y, groups, variants, "main", "", [])
        text = open(path).read()
        assert "MUSIFEAST-17 arousal ρ" in text
        room_table = text.split("### Through a room")[1].splitlines()
        assert next(l for l in room_table if l.startswith("| other |")).endswith("| – | – |")

def test_variants_that_share_a_training_set_share_their_fits(monkeypatch):
    """an LR-only CV after an LR+MLP one with the same data fits nothing new; other data is never mistaken
    for it"""
    emb, y, groups = synthetic()
    calls = []
    real = mood_cv.heads.fit_head
    monkeypatch.setattr(mood_cv.heads, "fit_head", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = mood_cv.cross_validate(emb, y, groups, LABELS, None, [("lr", 0.1), ("lr", 1.0)], seed=0)
    n = len(calls)
    again = mood_cv.cross_validate(emb, y, groups, LABELS, None, [("lr", 0.1)], seed=0)
    assert len(calls) == n
    other, _, _ = synthetic(signal=0.0, seed=1)
    mood_cv.cross_validate(other, y, groups, LABELS, None, [("lr", 0.1)], seed=0)
    assert len(calls) > n
    assert mood_cv.summary(first, "f1")[0] >= mood_cv.summary(again, "f1")[0] - 0.2

def test_the_report_breaks_the_room_figures_down_per_room(tmp_path):
    import rooms
    emb, y, groups = synthetic()
    res = mood_cv.cross_validate(emb, y, groups, LABELS, None, [("lr", 0.1)], seed=0, room=emb)
    ids = [f"c{i}" for i in range(len(y))]
    (tmp_path / "rooms").mkdir()
    with open(tmp_path / "rooms" / "rooms.csv", "w") as f:
        f.write("id,variant,room\n" + "".join(f"toy-{i},test,{rooms.ROOMS['test'][k % 3].name}\ntoy-{i},train,train0\n"
                                              for k, i in enumerate(ids)))

    class Args:
        name, rooms, clip_ids = "toy", str(tmp_path), ids
    lines = mood_report.per_room_block(res, LABELS, y, Args)
    assert len([l for l in lines if l.startswith("| test")]) == 3
    assert sum(int(l.split("|")[7]) for l in lines if l.startswith("| test")) == len(y)
