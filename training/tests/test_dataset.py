"""training/dataset.py on a generated folder-per-label dataset (no real audio needed: names are enough)."""
import os

import numpy as np
import pytest

import config
import dataset

def make_tree(root, layout):
    """layout {folder: [file names]} -> empty files under root/folder/"""
    for folder, names in layout.items():
        os.makedirs(os.path.join(root, folder), exist_ok=True)
        for n in names:
            open(os.path.join(root, folder, n), "wb").close()

def test_labels_groups_and_renaming(tmp_path):
    make_tree(tmp_path, {"Q2": ["b1.mp3", "b2.wav"], "Q1": ["a1.mp3", "notes.txt"], "empty": []})
    meta = tmp_path / "meta.csv"
    meta.write_text('"Song","Artist"\n"a1","X"\n"b1","Y"\n"b2","X"\n')
    clips, labels = dataset.load_dataset(str(tmp_path), str(meta), "Song", "Artist")
    assert labels == ["Q1", "Q2"]                        # sorted folders holding audio; 'empty' ignored
    assert [(c.label, c.id, c.group) for c in clips] == [("Q1", "a1", "X"), ("Q2", "b1", "Y"), ("Q2", "b2", "X")]
    clips, labels = dataset.load_dataset(str(tmp_path), str(meta), "Song", "Artist",
                                         dataset.parse_label_map("Q2=angry,Q1=happy"))
    assert labels == ["angry", "happy"]                  # the map's order is the class order
    assert clips[0].label == "angry" and clips[0].path.endswith(os.path.join("Q2", "b1.mp3"))

def test_without_metadata_each_clip_is_its_own_group(tmp_path):
    make_tree(tmp_path, {"a": ["1.wav", "2.wav"], "b": ["3.wav"]})
    clips, _ = dataset.load_dataset(str(tmp_path))
    assert [c.group for c in clips] == ["1", "2", "3"]

def test_clip_missing_from_metadata_is_an_error(tmp_path):
    make_tree(tmp_path, {"a": ["1.wav"], "b": ["2.wav"]})
    meta = tmp_path / "m.csv"
    meta.write_text("id,group\n1,g\n")
    with pytest.raises(ValueError, match="not in"):
        dataset.load_dataset(str(tmp_path), str(meta))

def test_bad_inputs(tmp_path):
    make_tree(tmp_path, {"a": ["1.wav"]})
    with pytest.raises(ValueError, match="two label folders"):
        dataset.load_dataset(str(tmp_path))
    with pytest.raises(ValueError, match="FOLDER=NAME"):
        dataset.parse_label_map("Q1")
    make_tree(tmp_path, {"b": ["2.wav"]})
    with pytest.raises(ValueError, match="no folder"):
        dataset.load_dataset(str(tmp_path), label_map={"c": "x", "a": "y"})

def test_grouped_folds_never_split_a_group():
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 40, 200).astype(str)       # artists with 1..n clips
    y = rng.integers(0, 4, 200)
    folds = dataset.grouped_folds(y, groups, 5, seed=0)
    seen = np.concatenate([te for _, te in folds])
    assert sorted(seen) == list(range(200))              # every clip tested exactly once
    for tr, te in folds:
        assert not set(groups[tr]) & set(groups[te])

def test_ravdess_names_and_views(tmp_path):
    import ravdess
    assert ravdess.parse_name("03-01-05-02-01-01-12.wav") == ("angry", 12, "female")
    assert ravdess.parse_name("/x/Actor_07/03-01-08-01-02-02-07.wav") == ("surprised", 7, "male")
    for bad in ("02-01-05-02-01-01-12.wav", "03-01-09-02-01-01-12.wav", "03-01-05.wav"):
        with pytest.raises(ValueError):
            ravdess.parse_name(bad)
    src = tmp_path / "src"
    make_tree(src, {"Actor_01": ["03-01-01-01-01-01-01.wav", "03-01-03-02-01-01-01.wav"],
                    "Actor_02": ["03-01-03-01-01-01-02.wav"]})
    assert ravdess.make_views(str(src), str(tmp_path / "v")) == 3
    clips, labels = dataset.load_dataset(str(tmp_path / "v" / "emotion"), str(tmp_path / "v" / "actors.csv"),
                                         "id", "actor")
    assert labels == ["happy", "neutral"] and [c.group for c in clips] == ["02", "01", "01"]
    clips, labels = dataset.load_dataset(str(tmp_path / "v" / "gender"), str(tmp_path / "v" / "actors.csv"),
                                         "id", "actor")
    assert [(c.label, c.group) for c in clips] == [("female", "02"), ("male", "01"), ("male", "01")]

def test_a_preset_fills_the_options_a_known_dataset_needs(tmp_path):
    """--preset 4q = the metadata file inside --dataset, its columns and config.QUADRANTS; explicit options win"""
    import argparse
    ap = argparse.ArgumentParser()
    dataset.add_arguments(ap)
    args = dataset.apply_preset(ap.parse_args(["--dataset", str(tmp_path), "--preset", "4q"]))
    assert args.metadata == str(tmp_path / "panda_dataset_taffc_metadata.csv")
    assert (args.id_column, args.group_column) == ("Song", "Artist")
    assert dataset.parse_label_map(args.labels) == config.QUADRANTS
    args = dataset.apply_preset(ap.parse_args(["--dataset", str(tmp_path), "--preset", "4q", "--group-column", "Album"]))
    assert args.group_column == "Album"

def test_reports_name_no_machine_path(monkeypatch):
    import common
    monkeypatch.setattr(config, "DATA", "/srv/datasets")
    monkeypatch.setattr(config, "CACHE", "/var/cache/x")
    text = common.portable(f"--dataset /srv/datasets/MER --rooms /var/cache/x/content --export {config.REPO}/models/m")
    assert text == "--dataset $MOODD_DATA/MER --rooms $MOODD_CACHE/content --export models/m"
