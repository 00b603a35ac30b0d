"""rooms.through and its parts: what room_parts.py takes apart must add up to what the corpus's rooms do."""
import numpy as np
import pytest

import rooms

def tone(seconds=2.0):
    t = np.arange(int(seconds * rooms.SR)) / rooms.SR
    return (0.3 * np.sin(2 * np.pi * 440 * t) + 0.1 * np.sin(2 * np.pi * 3000 * t)).astype(np.float32)

ROOM = rooms.ROOMS["test"][0]

def test_all_parts_is_the_room_the_corpus_uses():
    x = tone()
    a = rooms.through(x, ROOM, np.random.default_rng(5))
    b = rooms.through(x, ROOM, np.random.default_rng(5), parts=rooms.PARTS)
    assert np.array_equal(a, b)

def test_no_part_leaves_the_sound_as_it_was():
    x = tone()
    assert np.allclose(rooms.through(x, ROOM, np.random.default_rng(5), parts=()), x, atol=1e-6)

def test_each_part_changes_the_sound_and_keeps_its_level():
    x = tone()
    rms = lambda v: float(np.sqrt(np.mean(np.square(v, dtype=np.float64))))
    for part in rooms.PARTS:
        y = rooms.through(x, ROOM, np.random.default_rng(5), parts=(part,))
        assert y.shape == x.shape and rms(y) == pytest.approx(rms(x), rel=1e-4)
        assert rms(y - x) > 0.01 * rms(x), part

def test_the_random_stream_moves_on_the_same_whatever_the_parts():
    # the corpus draws an item's training room, then its test room, from one stream: a part left out must
    # not change what is drawn after it
    after = []
    for parts in (rooms.PARTS, ("band",), ()):
        rng = np.random.default_rng(9)
        rooms.through(tone(), ROOM, rng, parts=parts)
        after.append(rng.integers(1 << 30))
    assert after[0] == after[1] == after[2]

def test_an_unknown_part_is_refused_by_name():
    with pytest.raises(ValueError, match="echo"):
        rooms.through(tone(), ROOM, np.random.default_rng(0), parts=("echo",))
