"""The content corpus's building blocks and the content head's cross-validation, on generated data only
(no dataset, no text-to-speech: CI has neither)."""
import collections

import numpy as np
import pytest

import config
import content
import content_corpus as corpus
import content_sounds as sounds

SR = config.SAMPLE_RATE
rms_db = lambda x: 20 * np.log10(np.sqrt(np.mean(np.asarray(x, np.float64) ** 2)))

@pytest.mark.parametrize("kind", sounds.NOISE_KINDS)
def test_noises_are_seeded_unit_rms_and_differ_by_seed(kind):
    a = sounds.noise(kind, 2.0, np.random.default_rng(1))
    b = sounds.noise(kind, 2.0, np.random.default_rng(1))
    c = sounds.noise(kind, 2.0, np.random.default_rng(2))
    assert a.shape == (2 * SR,) and a.dtype == np.float32 and np.all(np.isfinite(a))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert abs(rms_db(a)) < 0.01

def test_noise_spectra_have_their_colour():
    """pink falls 3 dB and brown 6 dB per octave: compare the power in 500-1000 Hz and 1000-2000 Hz"""
    def octave_drop(x):
        p = np.abs(np.fft.rfft(x)) ** 2
        f = np.fft.rfftfreq(len(x), 1 / SR)
        return 10 * np.log10(p[(f >= 500) & (f < 1000)].sum() / p[(f >= 1000) & (f < 2000)].sum())
    rng = np.random.default_rng(0)
    assert abs(octave_drop(sounds.noise("white", 10, rng)) + 3) < 0.5     # white: +3 dB per octave of bandwidth
    assert abs(octave_drop(sounds.noise("pink", 10, rng))) < 0.5
    assert abs(octave_drop(sounds.noise("brown", 10, rng)) - 3) < 0.5

def test_unknown_noise_is_refused():
    with pytest.raises(ValueError, match="noise kind 'thunder'"):
        sounds.noise("thunder", 1, np.random.default_rng(0))

def test_levels_and_mixing():
    rng = np.random.default_rng(0)
    x = sounds.noise("pink", 3, rng)
    assert abs(rms_db(corpus.at_level(x, -27.0)) + 27.0) < 0.01
    loud = corpus.at_level(np.sign(x), 0.0)                          # a square wave at 0 dBFS would clip
    assert np.abs(loud).max() <= 0.99
    fg, bg = sounds.noise("white", 3, rng), sounds.noise("brown", 1, rng)  # bg is looped to fg's length
    m = corpus.mix(fg, bg, 15.0)
    assert m.shape == fg.shape
    assert abs(rms_db(m - fg) - (rms_db(fg) - 15.0)) < 0.01

def test_streams_of_short_recordings_have_the_stream_length():
    rng = np.random.default_rng(0)
    parts = [np.ones(int(0.7 * SR), np.float32) for _ in range(100)]
    streams = corpus.concat_with_gaps(parts, rng, seconds=10)
    assert len(streams) >= 5 and all(len(s) == 10 * SR for s in streams)
    assert len(corpus.concat_with_gaps(parts[:3], rng, seconds=10)) == 1     # too little: one short stream

def fake_items(rng):
    items = []
    for label, groups, per in (("music", 40, 2), ("speech", 12, 6), ("noise", 20, 3)):
        for g in range(groups):
            items += [{"id": f"{label}{g}-{k}", "label": label, "group": f"{label}:{g}", "source": label}
                      for k in range(per)]
    return items

def test_folds_never_split_a_group_and_balance_each_class():
    rng = np.random.default_rng(0)
    items = fake_items(rng)
    folds = corpus.assign_folds(items, 5, rng)
    assert set(folds.values()) == set(range(5))
    per = collections.Counter((it["label"], folds[it["group"]]) for it in items)
    for label in corpus.LABELS:
        counts = [per[(label, f)] for f in range(5)]
        assert max(counts) - min(counts) <= 6, (label, counts)

def test_mixtures_take_their_parts_from_their_own_fold():
    rng = np.random.default_rng(0)
    items = fake_items(rng)
    items = [it | {"source": {"music": "4q", "speech": "tts", "noise": "synth"}[it["label"]]} for it in items]
    folds = corpus.assign_folds(items, 5, rng)
    by_group = {}
    for it in items:
        it["fold"] = folds[it["group"]]
        by_group[it["group"]] = it["fold"]
    load = lambda it: np.full(SR, 0.1 + 0.1 * int(it["group"].split(":")[1]), np.float32)
    mixed = list(corpus.mixtures(items, 2, rng, load))
    assert len(mixed) == 4 * corpus.MIXES_PER_FOLD
    for m in mixed:
        assert m["fold"] == 2
        assert all(by_group[g] == 2 for g in m["group"].split("+"))
    kinds = collections.Counter((m["source"], m["label"]) for m in mixed)
    assert kinds[("speech-over-music", "speech")] == kinds[("music-with-chatter", "music")] == corpus.MIXES_PER_FOLD

class FakeCorpus(content.Corpus):
    """content.Corpus over made-up embeddings: three separable clusters plus a confusable fourth source"""
    def __init__(self, rng, n_items=60, patches=6, rooms=False):
        self.rows, xs, self.validation = [], [], {}
        for i in range(n_items):
            label = content.LABELS[i % 3]
            centre = np.eye(3)[i % 3] * 4
            self.rows.append({"id": f"i{i}", "label": label, "source": label, "fold": i % 5})
            xs.append(rng.normal(size=(patches, 3)) + centre)
        x = np.concatenate(xs).astype(np.float32)
        self.x = {"clean": {"penultimate": np.pad(x, ((0, 0), (0, 5)))}}    # 5 dead inputs, as musicnn has
        if rooms:   # a "room" that blurs the clusters a little
            blur = lambda v: v + rng.normal(scale=0.3, size=v.shape).astype(np.float32)
            self.x["train"] = {"penultimate": blur(self.x["clean"]["penultimate"])}
            self.x["test"] = {"penultimate": blur(self.x["clean"]["penultimate"])}
        self.item = np.repeat(np.arange(n_items), patches)
        self.index = np.tile(np.arange(patches), n_items)
        self.y = np.array([content.LABELS.index(self.rows[i]["label"]) for i in self.item])
        self.fold = np.array([self.rows[i]["fold"] for i in self.item])

@pytest.mark.parametrize("rooms", [False, True])
def test_cross_validation_separates_separable_classes_and_counts_files(rooms):
    c = FakeCorpus(np.random.default_rng(0), rooms=rooms)
    results = content.cross_validate(c, ["penultimate"])
    assert len(results) == 5 and all(("room" in r) == rooms for r in results)
    for r in [r[v] for r in results for v in ("clean", "room") if v in r]:
        assert r["macro_f1"] > 0.95 and r["music_recall"] > 0.95
        assert r["nonmusic_files_called_music"] == [] and r["files"] == 12
        assert np.array(r["confusion"]).sum() == 12 * 6
        assert sum(sum(v) for v in r["by_source"].values()) == 12 * 6

def test_fold_metrics_count_what_is_called_music():
    c = FakeCorpus(np.random.default_rng(1), n_items=6, patches=2)
    test = np.ones(len(c.y), bool)
    prob = np.zeros((len(c.y), 3))
    prob[:, 0] = 1                                              # everything called music
    m = content.fold_metrics(c, prob, test)
    assert m["music_recall"] == 1 and m["speech_called_music"] == 1 and m["noise_called_music"] == 1
    assert m["nonmusic_called_music"] == 1 and len(m["nonmusic_files_called_music"]) == 4
    assert m["music"]["precision"] == pytest.approx(1 / 3)

def test_near_equal_heads_are_told_apart_on_other_music(monkeypatch):
    c = FakeCorpus(np.random.default_rng(2), rooms=True)
    c.validation = {"penultimate": np.pad(np.random.default_rng(3).normal(size=(40, 3)) + [4, 0, 0], ((0, 0), (0, 5)))}
    results = content.cross_validate(c, ["penultimate"])
    assert all(r["chosen"]["validation_music_recall"] > 0.95 for r in results)   # the music cluster is music
    monkeypatch.setattr(config, "NEAR_F1", 1.0)                                 # every candidate is near
    monkeypatch.setattr(content, "validation_music_recall",
                        lambda corpus, head, cand: 0.9 if cand[1:] == ("mlp", 10.0) else 0.5)
    best, scores = content.choose(c, [0, 1, 2], ["penultimate"], ("clean", "train"))
    assert best == ("penultimate", "mlp", 10.0) and len(scores) == len(content.CANDIDATES)
    monkeypatch.setattr(config, "NEAR_F1", 0.0)                                 # none near: the best F1 alone
    best, scores = content.choose(c, [0, 1, 2], ["penultimate"], ("clean", "train"))
    assert best == max(scores, key=scores.get)
