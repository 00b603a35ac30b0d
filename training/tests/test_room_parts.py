"""room_parts: a part of a test room heard alone is drawn exactly as the corpus drew the whole room."""
import os
import shutil

import numpy as np
import pytest

import content_corpus
import content_sounds as sounds
import room_parts
import rooms

def clip(tmp_path, name="4q-X1"):
    t = np.arange(3 * rooms.SR) / rooms.SR
    x = (0.3 * np.sin(2 * np.pi * 330 * t) * (1 + np.sin(2 * np.pi * 2 * t)) / 2).astype(np.float32)
    path = str(tmp_path / f"{name}.wav")
    content_corpus.write_wav(path, x)
    return {"id": name, "source": "4q", "path": path}

def test_the_full_room_replayed_is_the_corpus_test_copy(tmp_path):
    item = clip(tmp_path)
    content_corpus.build_rooms(str(tmp_path / "corpus"), [item])
    room_parts.check_replay(str(tmp_path / "corpus"), item)          # raises if not

def test_a_replay_of_another_room_is_refused(tmp_path):
    item = clip(tmp_path)
    content_corpus.build_rooms(str(tmp_path / "corpus"), [item])
    other = dict(item, id="4q-X2")                                  # another id draws another room
    path = content_corpus.room_path(str(tmp_path / "corpus"), "test", other)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    shutil.copy(content_corpus.room_path(str(tmp_path / "corpus"), "test", item), path)
    with pytest.raises(ValueError, match="rebuild the rooms"):
        room_parts.check_replay(str(tmp_path / "corpus"), other)

def test_a_part_alone_is_the_same_room_as_the_full_one(tmp_path):
    item = clip(tmp_path)
    x = sounds.read_audio(item["path"])
    full, _ = room_parts.test_room_copy(item, x, rooms.PARTS)
    alone, y = room_parts.test_room_copy(item, x, ("reverb",))
    assert alone == full
    assert np.allclose(y, rooms.through(x, full, np.random.default_rng(0), parts=("reverb",)), atol=1e-6)

def test_variants_name_known_parts_only():
    assert room_parts.parts_of("reverb+band") == ("reverb", "band")
    with pytest.raises(ValueError, match="echo"):
        room_parts.parts_of("reverb+echo")

def test_the_head_is_scored_on_every_copy_of_its_test_fold():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 10)
    centres = rng.normal(size=(4, 6)) * 3
    clean = centres[y] + rng.normal(size=(40, 6)) * 0.1
    x = {"clean": clean, "train": clean + 0.05, "test": clean + rng.normal(size=(40, 6)) * 5, "noise": clean.copy()}
    fold = np.tile(np.arange(2), 20)
    folds = room_parts.evaluate(x, y, fold, ["noise"])
    assert len(folds) == 2
    for r in folds:
        assert r["clean"][0] == 1.0 and r["noise"][0] == 1.0 and r["test"][0] < 1.0
        assert sum(r["clean"][1]) == 20

def test_each_clip_is_counted_in_the_room_it_went_through(tmp_path):
    # the room is drawn after the training copy's noise, whose length is the clip's: a replay on anything
    # but the clip itself draws another room (the first per-room table counted clips in the wrong rooms)
    items = [clip(tmp_path, f"4q-X{i}") for i in range(8)]
    content_corpus.build_rooms(str(tmp_path / "corpus"), items)
    listed = room_parts.listed_test_rooms(str(tmp_path / "corpus"), items)
    assert listed == [room_parts.test_room_copy(it, sounds.read_audio(it["path"]), ())[0].name for it in items]
    assert listed != [room_parts.test_room_copy(it, np.zeros(16), ())[0].name for it in items]
