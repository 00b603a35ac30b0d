"""
How long the daemon takes to follow a change of sound, for content.md's "switches": a test fold's files
spliced two by two, a music file then a non-music one (does the mood stop, and when?) and a non-music file
then a music one (does it start, and when?), each splice played as one stream through the content head and
content_tracker (the daemon's state machine), so that a head with context hears the end of the first file
in its context, as the daemon would. The splice joins the two files' windows: the windows that would
straddle the switch in a real stream are left out, so the figures are a little kinder than a live switch;
through the test rooms, each file is its own test room's copy.

A latency is counted from the switch to the analysis that changes the state: (windows after the switch,
the first included) × hop + the window's length, the seconds of the new sound heard before the daemon says
so. Leaving is measured only where a mood was claimed at the switch, entering only where none was.

    measure(x, starts, items, is_music, kind, forward, seconds, seed)   -> {"leave": [...], "enter": [...]}
    summary(records)                                                      -> medians, 90th percentiles, misses
"""
import numpy as np

import config
import content_tracker
import heads

MUSIC = content_tracker.MUSIC

def pairs(items, is_music, rng):
    """[(first, second, direction)]: every non-music item after a music item drawn at random ("leave"), and
    before another one ("enter")"""
    music = [i for i in items if is_music[i]]
    other = [i for i in items if not is_music[i]]
    if not music:
        return []
    out = []
    for i in other:
        out.append((int(rng.choice(music)), i, "leave"))
        out.append((i, int(rng.choice(music)), "enter"))
    return out

def latency(states, switch, direction, hop=config.HOP_SECONDS, window=config.PATCH_SECONDS):
    """seconds of the second file heard before the state leaves music ("leave") or enters it ("enter");
    -> (latency, counted): latency None when it does not within the file; counted False when there was
    nothing to change at the switch (no mood to leave, or a mood already claimed)"""
    before = states[switch - 1] == MUSIC
    if before != (direction == "leave"):
        return None, False
    after = states[switch:] == MUSIC
    changed = np.flatnonzero(~after if direction == "leave" else after)
    if len(changed) == 0:
        return None, True
    return float(changed[0] * hop + window), True

def measure(x, starts, items, is_music, kind, forward, seconds, seed):
    """x [patches, w]: the layer's inputs without context, items' patches contiguous from starts[item] to
    starts[item + 1]; items: the test fold's items; is_music / kind: per item; forward(inputs) -> [n, 3]
    probabilities (the head with its music offset); seconds: the head's context.
    -> {"leave": [(kind of the second file, latency)], "enter": [(kind of the first file, latency)]}, only
    the splices where there was a change to follow (latency None: not within the second file)"""
    rng = np.random.default_rng(seed)
    out = {"leave": [], "enter": []}
    for a, b, direction in pairs(items, is_music, rng):
        first, second = x[starts[a]:starts[a + 1]], x[starts[b]:starts[b + 1]]
        stream = np.concatenate([first, second])
        if seconds > 0:
            stream = heads.with_context(stream, seconds)
        states = content_tracker.states(forward(stream))
        t, counted = latency(states, len(first), direction)
        if counted:
            out[direction].append((kind[b if direction == "leave" else a], t))
    return out

def summary(records):
    """[(kind, latency)] -> {"n", "median", "p90", "missed"} overall and per kind; a missed change (None)
    counts as the slowest (inf), and the percentiles are values that occurred (the higher one at a tie)"""
    def one(ts):
        ts = np.array([np.inf if t is None else t for t in ts], float)
        if len(ts) == 0:
            return {"n": 0, "median": None, "p90": None, "missed": 0}
        q = lambda p: float(np.percentile(ts, p, method="higher"))
        return {"n": len(ts), "median": q(50), "p90": q(90), "missed": int(np.isinf(ts).sum())}
    out = {"all": one([t for _, t in records])}
    for k in sorted({k for k, _ in records}):
        out[k] = one([t for kk, t in records if kk == k])
    return out

def always_right(windows=19, p=0.8):
    """(leave, enter) latencies of a head that is always right (p on the true kind): what the state machine
    alone takes, smoothing and dwells, on two files of `windows` windows"""
    music, speech = [p, (1 - p) / 2, (1 - p) / 2], [(1 - p) / 2, p, (1 - p) / 2]
    out = []
    for first, second, direction in ((music, speech, "leave"), (speech, music, "enter")):
        states = content_tracker.states(np.array([first] * windows + [second] * windows))
        out.append(latency(states, windows, direction)[0])
    return tuple(out)
