"""content_tracker.states against the daemon's ContentTracker: the cases of
Tests/MoodCoreTests/ContentTrackerTests.swift, fed as one stream (windows every 1.5 s from 0 s)."""
import numpy as np

import content_tracker as ct

U, M, S, N = ct.UNDECIDED, 0, 1, 2

def peaked(kind, p=0.8):
    """ObservationScript.content: p on the kind, the rest spread evenly"""
    return [p if k == kind else (1 - p) / 2 for k in range(3)]

music, speech, noise = peaked(M), peaked(S), peaked(N)

def run(windows, tau=0.0, enter=3.0, leave=6.0):
    return ct.states(np.array(windows, np.float32), time_constant=tau, enter_dwell=enter, leave_dwell=leave).tolist()

def test_a_kind_is_entered_after_leading_for_the_enter_dwell():
    for kind in (M, S, N):
        assert run([peaked(kind)] * 4) == [U, U, kind, kind]

def test_leaving_music_takes_the_leave_dwell():
    # music from 0 s; speech leads from 4.5 s; 6 s later, at 10.5 s, music is left
    assert run([music] * 3 + [speech] * 6) == [U, U, M, M, M, M, M, S, S]

def test_a_brief_speech_inside_music_does_not_leave_it():
    states = run([music] * 4 + [speech] * 4 + [music] * 2 + [speech] * 4 + [music])
    assert states[2:] == [M] * (len(states) - 2)

def test_a_brief_music_inside_speech_does_not_enter_it():
    states = run([speech] * 3 + [music] * 2 + [speech] * 2 + [music] * 2 + [speech])
    assert states[2:] == [S] * (len(states) - 2)

def test_speech_and_noise_swap_after_the_enter_dwell():
    assert run([speech] * 3 + [noise] * 3 + [speech] * 3) == [U, U, S, S, S, N, N, N, S]

def test_speech_and_noise_taking_turns_still_leave_music():
    assert run([music] * 3 + [speech, noise, speech, noise, speech]) == [U, U, M, M, M, M, M, S]

def test_music_leading_again_restarts_the_leave_count():
    states = run([music] * 3 + [speech] * 3 + [music] + [speech] * 5)
    assert states == [U, U, M] + [M] * 8 + [S]

def test_smoothing_delays_the_lead():
    # tau 3 s: speech after music leads on the smoothed distribution from its second window, then needs 6 s
    states = run([music] * 6 + [speech] * 7, tau=3.0)
    assert states[6:] == [M, M, M, M, M, S, S]

def test_a_tie_keeps_the_current_kind():
    assert run([speech] * 3 + [[0.45, 0.45, 0.1]] * 5)[2:] == [S] * 6

def test_zero_dwells_switch_at_once():
    assert run([music, speech, noise, music], enter=0, leave=0) == [M, S, N, M]

def test_argmax_prefers_the_earlier_kind_and_bad_values_count_zero():
    assert ct.argmax([0.4, 0.4, 0.2]) == M
    assert np.allclose(ct.normalised([np.nan, 0.1, 0.3]), [0, 0.25, 0.75])
    assert np.allclose(ct.normalised([0, -1, np.inf]), [1 / 3] * 3)
