"""
What the daemon would announce for a stream of windows: moodd's ContentTracker
(Sources/MoodCore/ContentTracker.swift) with its MoodSmoother, in Python, for the content report's
"daemon view". The daemon analyses the latest 3 s every `hop` seconds, smooths the content head's
probabilities (EMA, `time_constant`), enters a kind once it has led for `enter_dwell` and leaves music
once other kinds have led for `leave_dwell`; a mood is claimed only in music. Defaults: the daemon's
(README: analysis.hop, smoothing.time_constant, content.enter_dwell, content.leave_dwell).

    states(probs)       [windows, 3] (music, speech, noise), one per hop -> the state after each window
"""
import math

import numpy as np

MUSIC = 0                     # ContentKind's order: music, speech, noise
UNDECIDED = -1

def normalised(raw):
    """MoodSmoother.normalised: non-finite and negative values count 0; uniform if nothing is left"""
    x = np.asarray(raw, np.float64)
    x = np.where(np.isfinite(x) & (x > 0), x, 0.0)
    s = x.sum()
    return x / s if s > 0 and math.isfinite(s) else np.full(len(x), 1 / len(x))

def argmax(p):
    """ContentKind.argmax: the first of equal values"""
    best = 0
    for i in range(len(p)):
        if p[i] > p[best]:
            best = i
    return best

def states(probs, hop=1.5, time_constant=3.0, enter_dwell=3.0, leave_dwell=6.0):
    """the tracker's state (MUSIC, 1 speech, 2 noise, UNDECIDED) after each of the windows `probs`, analysed
    one every `hop` seconds from a reset tracker (a stream's start, or after silence)"""
    alpha = 1.0 if time_constant <= 0 else 1 - math.exp(-hop / time_constant)
    smoothed, state, challenger = None, None, None
    out = np.empty(len(probs), int)
    for i, raw in enumerate(probs):
        t = i * hop
        x = normalised(raw)
        if smoothed is None:
            smoothed = x
        else:
            mixed = (1 - alpha) * smoothed + alpha * x
            s = mixed.sum()
            smoothed = mixed / s if s > 0 else mixed
        leader = argmax(smoothed)
        if state is not None and smoothed[state] >= smoothed[leader]:
            leader = state
        if leader == state:
            challenger = None
        else:
            if state == MUSIC:                  # any non-music lead counts towards leaving music
                if challenger is None:
                    challenger = (leader, t)
                dwell = leave_dwell
            else:                               # one kind's unbroken lead
                if challenger is None or challenger[0] != leader:
                    challenger = (leader, t)
                dwell = enter_dwell
            if t - challenger[1] >= dwell:
                state, challenger = leader, None
        out[i] = UNDECIDED if state is None else state
    return out
