"""content_switch: latencies of the daemon's state machine across a splice of two files."""
import numpy as np

import pytest

import config
import content_switch as cs
import content_tracker as ct

M, S = ct.MUSIC, 1
HOP, WINDOW = 1.5, 3.0

def test_leaving_is_timed_from_the_switch_to_the_first_window_out_of_music():
    states = np.array([M, M, M, M, S, S])
    # the switch before window 3: window 4 is the second after it, heard whole 1 * 1.5 + 3 s into the new sound
    assert cs.latency(states, 3, "leave", HOP, WINDOW) == (4.5, True)

def test_a_switch_with_nothing_to_change_is_not_counted():
    assert cs.latency(np.array([S, S, S, S]), 2, "leave") == (None, False)
    assert cs.latency(np.array([M, M, M, M]), 2, "enter") == (None, False)

def test_a_change_never_followed_is_counted_as_missed():
    assert cs.latency(np.array([M, M, M, M]), 2, "leave") == (None, True)
    assert cs.latency(np.array([ct.UNDECIDED, S, S, S]), 2, "enter") == (None, True)

def test_pairs_put_each_non_music_item_after_and_before_a_music_one():
    is_music = {0: True, 1: False, 2: True, 3: False}
    got = cs.pairs([0, 1, 2, 3], is_music, np.random.default_rng(0))
    assert sorted((b if d == "leave" else a, d) for a, b, d in got) == [(1, "enter"), (1, "leave"), (3, "enter"), (3, "leave")]
    assert all(is_music[a] for a, b, d in got if d == "leave") and all(is_music[b] for a, b, d in got if d == "enter")

def splice_corpus():
    """two items of 20 windows: music (input 1) then speech (input 0)"""
    x = np.concatenate([np.ones((20, 1)), np.zeros((20, 1))]).astype(np.float32)
    return x, np.array([0, 20, 40]), {0: True, 1: False}, {0: "music", 1: "speech"}

def forward_on_last_column(x):
    """a head that calls music whatever has input > 0.5 in its last column (the context's mean, when given)"""
    p = (x[:, -1] > 0.5).astype(float)
    return np.stack([p, 1 - p, np.zeros_like(p)], axis=1) * 0.8 + 0.1

def test_a_head_with_context_hears_the_first_file_across_the_switch():
    x, starts, is_music, kind = splice_corpus()
    alone = cs.measure(x, starts, [0, 1], is_music, kind, forward_on_last_column, 0.0, seed=0)
    context = cs.measure(x, starts, [0, 1], is_music, kind, forward_on_last_column, 6.0, seed=0)
    (k, t0), = alone["leave"]
    (_, t6), = context["leave"]
    assert k == "speech"
    # the 6-s mean (5 windows) stays above 0.5 for the first two speech windows: 2 hops later
    assert t6 == pytest.approx(t0 + 2 * config.HOP_SECONDS)

def test_summary_counts_missed_changes_as_the_slowest():
    s = cs.summary([("speech", 6.0), ("speech", 9.0), ("speech", None), ("noise", 7.5)])
    assert s["speech"] == {"n": 3, "median": 9.0, "p90": float("inf"), "missed": 1}
    assert s["all"]["n"] == 4 and s["noise"]["median"] == 7.5

def test_a_head_always_right_takes_the_state_machine_time():
    leave, enter = cs.always_right()
    # the smoothed lead turns after a window or two, then the 6-s (leave) or 3-s (enter) dwell
    assert 6 + config.PATCH_SECONDS <= leave <= 6 + config.PATCH_SECONDS + 3 * config.HOP_SECONDS
    assert 3 + config.PATCH_SECONDS <= enter <= 3 + config.PATCH_SECONDS + 3 * config.HOP_SECONDS
