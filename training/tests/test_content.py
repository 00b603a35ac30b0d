"""The content corpus's building blocks and the content head's cross-validation, on generated data only
(no dataset, no text-to-speech: CI has neither)."""
import collections
import os

import numpy as np
import pytest

import config
import content
import content_corpus as corpus
import content_sounds as sounds
import heads

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

def longest_pause(x, floor=1e-2):
    """the longest run of 10-ms frames with an RMS under `floor` (the stream's -70 dB room tone is under it;
    the test statement's troughs last 5 ms), in seconds"""
    hop = SR // 100
    rms = np.sqrt(np.mean(x[: len(x) // hop * hop].reshape(-1, hop).astype(np.float64) ** 2, axis=1))
    quiet = np.concatenate([[0], (rms < floor).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(quiet))
    return (edges[1::2] - edges[::2]).max() / 100 if len(edges) else 0.0

def test_ravdess_statements_follow_each_other_after_the_drawn_pause(tmp_path):
    # a RAVDESS file has some 0.7 s of silence before and after its statement; left in, the 0.1-0.4 s pause
    # drawn between statements became 1.5-1.9 s, a third of a stream's windows had hardly any speech, and
    # "speech over music" was mostly music
    import soundfile
    actor = tmp_path / "Actor_03"
    actor.mkdir()
    t = np.arange(int(1.6 * SR)) / SR
    statement = (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    padded = np.concatenate([np.zeros(int(0.7 * SR), np.float32), statement, np.zeros(int(0.8 * SR), np.float32)])
    for k in range(40):
        soundfile.write(str(actor / f"03-01-01-01-01-{k:02d}-03.wav"), padded, SR)
    streams = list(corpus.ravdess_items(str(tmp_path), np.random.default_rng(0)))
    assert streams and all(group == "ravdess:03" for _, _, group, _, _ in streams)
    for _, _, _, _, x in streams:
        assert longest_pause(x) < 0.4 + 0.07          # the drawn pause, 20 ms kept at each edge, 10-ms frames

def test_trim_keeps_the_sound_and_cuts_the_silence_around_it():
    sound = np.full(SR, 0.1, np.float32)
    x = np.concatenate([np.zeros(SR // 2, np.float32), sound, np.zeros(SR, np.float32)])
    y = corpus.trim(x)
    assert SR <= len(y) <= SR + int(0.05 * SR) and np.all(y[int(0.02 * SR):-int(0.02 * SR)] == 0.1)
    assert len(corpus.trim(np.zeros(SR, np.float32))) == SR          # all silence: left as it is

def test_a_cache_of_another_corpus_version_is_refused(tmp_path, monkeypatch):
    fake_build_sources(monkeypatch, tmp_path)
    out = tmp_path / "old"
    out.mkdir()
    (out / "manifest.csv").write_text("id,path,label,group,fold,source\n")     # a version-1 cache: no VERSION file
    with pytest.raises(SystemExit, match=f"corpus version 1.*version {corpus.CORPUS_VERSION}"):
        corpus.build("mer", "ravdess", "fsdd", str(out))
    (out / "VERSION").write_text("2\n")                                           # version 2: Oxygen's tunes as noise
    with pytest.raises(SystemExit, match=f"corpus version 2.*version {corpus.CORPUS_VERSION}"):
        corpus.build("mer", "ravdess", "fsdd", str(out))
    corpus.build("mer", "ravdess", "fsdd", str(tmp_path / "new"))
    assert (tmp_path / "new" / "VERSION").read_text().strip() == str(corpus.CORPUS_VERSION)
    corpus.build("mer", "ravdess", "fsdd", str(tmp_path / "new"))                # its own version: reused

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
            self.rows.append({"id": f"i{i}", "label": label, "source": label, "fold": i % 5, "group": f"g{i}"})
            xs.append(rng.normal(size=(patches, 3)) + centre)
        x = np.concatenate(xs).astype(np.float32)
        self.x = {"clean": {"penultimate": np.pad(x, ((0, 0), (0, 5)))}}    # 5 dead inputs, as musicnn has
        if rooms:   # a "room" that blurs the clusters a little
            blur = lambda v: v + rng.normal(scale=0.3, size=v.shape).astype(np.float32)
            self.x["train"] = {"penultimate": blur(self.x["clean"]["penultimate"])}
            self.x["test"] = {"penultimate": blur(self.x["clean"]["penultimate"])}
        self.item = np.repeat(np.arange(n_items), patches)
        self.starts = np.arange(n_items + 1) * patches
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
        # every non-music file of the fold follows a music one (a mood to stop) and precedes one (none yet)
        assert len(r["switch"]["leave"]) == len(r["switch"]["enter"]) == 8
        assert {k for k, _ in r["switch"]["leave"] + r["switch"]["enter"]} == {"speech", "noise"}

def test_fold_metrics_count_what_is_called_music():
    c = FakeCorpus(np.random.default_rng(1), n_items=6, patches=2)
    test = np.ones(len(c.y), bool)
    prob = np.zeros((len(c.y), 3))
    prob[:, 0] = 1                                              # everything called music
    m = content.fold_metrics(c, prob, test)
    assert m["music_recall"] == 1 and m["speech_called_music"] == 1 and m["noise_called_music"] == 1
    assert m["nonmusic_called_music"] == 1 and len(m["nonmusic_files_called_music"]) == 4
    assert m["music"]["precision"] == pytest.approx(1 / 3)

def test_files_are_counted_both_by_their_mean_window_and_as_moodd_classify_labels_them():
    # classify (FileMood) gives a file a mood when at least half its windows are music; the mean of the
    # windows' probabilities can say otherwise either way
    c = FakeCorpus(np.random.default_rng(1), n_items=6, patches=4)      # items 0, 3 music; 1, 4 speech; 2, 5 noise
    test = np.ones(len(c.y), bool)
    prob = np.eye(3)[c.y] * 0.8 + 0.1
    prob[c.item == 1] = [[0.4, 0.6, 0], [0.4, 0.6, 0], [0.55, 0.45, 0], [0.55, 0.45, 0]]   # half music, mean speech
    prob[c.item == 0] = [[0.0, 1.0, 0], [0.0, 1.0, 0], [0.0, 1.0, 0], [1.0, 0.0, 0]]       # a quarter music
    prob[c.item == 5] = [[0.9, 0, 0.1], [0.9, 0, 0.1], [0.45, 0, 0.55], [0.45, 0, 0.55]]   # half music, mean music
    m = content.fold_metrics(c, prob, test)
    assert m["nonmusic_files_called_music"] == ["i5"] and m["nonmusic_files_classified_music"] == ["i1", "i5"]
    assert m["music_files_called_nonmusic"] == ["i0"] and m["music_files_classified_nonmusic"] == ["i0"]

def test_the_daemon_view_claims_a_mood_only_for_a_lasting_music_lead():
    c = FakeCorpus(np.random.default_rng(1), n_items=6, patches=10)     # items 0, 3 music; 1, 4 speech; 2, 5 noise
    test = np.ones(len(c.y), bool)
    prob = np.eye(3)[c.y] * 0.8 + 0.1                                   # every window right
    prob[c.item == 1] = np.eye(3)[[1, 1, 1, 0, 0, 1, 1, 1, 1, 1]] * 0.8 + 0.1     # 3 s of music in speech
    prob[c.item == 4] = np.eye(3)[[1, 1, 0, 0, 0, 0, 0, 0, 1, 1]] * 0.8 + 0.1     # 9 s of it
    m = content.fold_metrics(c, prob, test)
    assert m["nonmusic_called_music"] == pytest.approx(8 / 40)
    assert m["nonmusic_files_with_mood"] == ["i4"] and m["music_files_without_mood"] == []
    # a music file is claimed from its third window (music has led for 3 s). In i4 music leads the smoothed
    # probabilities from 4.5 s (its second music window), is entered at 7.5 s and kept to the last window (13.5 s),
    # speech leading again for less than the 6 s that leaving music takes: 5 of i4's 10 windows
    assert m["music_time_with_mood"] == pytest.approx(8 / 10)
    assert m["nonmusic_time_with_mood"] == pytest.approx(5 / 40)

def test_near_equal_heads_are_told_apart_on_other_music(monkeypatch):
    c = FakeCorpus(np.random.default_rng(2), rooms=True)
    c.validation = {"penultimate": np.pad(np.random.default_rng(3).normal(size=(40, 3)) + [4, 0, 0], ((0, 0), (0, 5)))}
    results = content.cross_validate(c, ["penultimate"])
    assert all(r["chosen"]["validation_music_recall"] > 0.95 for r in results)   # the music cluster is music
    monkeypatch.setattr(config, "NEAR_F1", 1.0)                                 # every candidate is near
    monkeypatch.setattr(content, "validation_music_recall",
                        lambda corpus, head, cand: 0.9 if cand[1:] == ("lr", 0.1) else 0.5)
    best, scores, _, _ = content.choose(c, [0, 1, 2], ["penultimate"], ("clean", "train"))
    assert best == ("penultimate", "lr", 0.1) and len(scores) == len(content.CANDIDATES)
    monkeypatch.setattr(config, "NEAR_F1", 0.0)                                 # none near: the best F1 alone
    best, scores, _, _ = content.choose(c, [0, 1, 2], ["penultimate"], ("clean", "train"))
    assert scores[best] == max(scores.values())                                 # (ties: the other music decides)

def test_the_music_offset_is_the_smallest_that_reaches_the_target():
    # music windows whose music logit trails the best other logit by 0.0, 0.1, ..., 0.9 (log-probabilities)
    gaps = np.arange(10) / 10
    logit = np.zeros((12, 3))
    logit[:10, 1] = gaps                                  # music windows: speech leads by the gap
    logit[10:, 2] = 5                                     # two noise windows, far from music
    prob = np.exp(logit) / np.exp(logit).sum(1, keepdims=True)
    y = np.array([content.MUSIC] * 10 + [2, 2])
    assert content.music_offset(prob, y, 0.1) == 0.0      # the window with gap 0 is music already (a tie)
    assert content.music_offset(prob, y, 0.5) == 0.4      # gaps 0..0.4: five of ten
    assert content.music_offset(prob, y, 1.0) == 0.9
    logit[:10, 1] -= 2                                    # music leads everywhere: no offset, never a negative one
    prob = np.exp(logit) / np.exp(logit).sum(1, keepdims=True)
    assert content.music_offset(prob, y, 1.0) == 0.0
    logit[:10, 1] = 10                                    # unreachable: the largest offset
    prob = np.exp(logit) / np.exp(logit).sum(1, keepdims=True)
    assert content.music_offset(prob, y, 0.5) == content.OFFSETS[-1]

def test_a_music_offset_moves_only_the_music_logit():
    c = FakeCorpus(np.random.default_rng(7))
    head = content.fit(c, c.train_mask([0, 1, 2]), ("penultimate", "lr", 0.1))
    x = c.x["clean"]["penultimate"]
    moved = content.with_music_offset(head, 0.7)
    ratio = heads.head_forward(moved, x) / heads.head_forward(head, x)
    odds = ratio[:, content.MUSIC] / ratio[:, 1]          # music against speech: e^0.7 for every window
    assert np.allclose(odds, np.exp(0.7), rtol=1e-5) and np.allclose(ratio[:, 1], ratio[:, 2], rtol=1e-5)
    assert head["layers"][-1][1][content.MUSIC] != moved["layers"][-1][1][content.MUSIC]   # the original is kept

# -----------------------------------------------------------------------------
# sound packages, keystrokes, mixtures' ids, a rebuild from the cache, room lists, compact inputs, parallel fits

def test_sfx_leave_music_voices_and_notes_out():
    for name in ("title_zik.ogg", "areyousure.wav", "intro.wav", "playon.wav", "1C.ogg", "9D.ogg", "hogchant3.ogg",
                 "ride_of_the_valkyries.ogg", "wardrums.ogg", "fanfare-short.wav"):
        assert sounds.SFX_EXCLUDE.search(name), name
    for name in ("explosion.ogg", "birds1.ogg", "TraficHigh1.wav", "Droplet1.ogg", "C4.wav"):
        assert not sounds.SFX_EXCLUDE.search(name), name
    assert not set(sounds.SFX_PACKAGES) & {"bucklespring-data", "fillets-ng-data", "fillets-ng-data-cs"}
    assert not any(p.startswith("asterisk-core-sounds") for p in set(sounds.SFX_PACKAGES) | set(sounds.MUSIC_PACKAGES))

def test_sfx_leave_out_the_music_the_packages_ship_among_their_effects():
    # chromium-bsu's menu and game music loops, and the Oxygen theme's log-in and long log-out tunes (composed
    # pieces of 7.8-13.4 s) are music; corpus versions 1-2 had them in the noise class
    for name in ("music_game.wav", "music_menu.wav", "Oxygen-Sys-Log-In.ogg", "Oxygen-Sys-Log-In-Long.ogg",
                 "Oxygen-Sys-Log-In-Short.ogg", "Oxygen-Sys-Log-Out-Long.ogg"):
        assert sounds.SFX_EXCLUDE.search(name), name
    # the short chimes and rings of the same themes are notifications: they stay
    for name in ("Oxygen-Sys-Log-Out.ogg", "Oxygen-Im-Phone-Ring.ogg", "desktop-login.oga", "service-login.oga",
                 "menu_click.wav", "boom.wav"):
        assert not sounds.SFX_EXCLUDE.search(name), name

def test_package_globs_pick_their_files(tmp_path, monkeypatch):
    for name in ("b.wav", "a.wav", "intro.wav", "music.ogg"):
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setitem(sounds.SFX_PACKAGES, "demo-data", [str(tmp_path / "*.wav")])
    monkeypatch.setitem(sounds.MUSIC_PACKAGES, "demo-data", [str(tmp_path / "*.ogg"), str(tmp_path / "intro.wav")])
    assert [os.path.basename(f) for f in sounds.sfx_files("demo-data")] == ["a.wav", "b.wav"]
    assert [os.path.basename(f) for f in sounds.music_files("demo-data")] == ["intro.wav", "music.ogg"]

def write_tone(path, seconds, sr=32000):
    import soundfile
    t = np.arange(int(seconds * sr)) / sr
    soundfile.write(str(path), (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), sr)

def test_keystroke_streams_are_one_group_of_full_streams(tmp_path):
    (tmp_path / "Zoom").mkdir()
    for k in "abc":
        write_tone(tmp_path / "Zoom" / f"{k}.wav", 5.0)
    items = list(corpus.keystroke_items(str(tmp_path), np.random.default_rng(0), streams=3))
    assert [i[0] for i in items] == ["keystrokes-0", "keystrokes-1", "keystrokes-2"]
    assert {(i[1], i[2], i[3]) for i in items} == {("noise", "keystrokes:jbfh", "keystrokes")}
    assert all(len(i[4]) == corpus.STREAM_SECONDS * SR for i in items)
    with pytest.raises(FileNotFoundError):
        list(corpus.keystroke_items(str(tmp_path / "none"), np.random.default_rng(0)))

def test_a_mixture_id_names_its_recipe():
    a = corpus.recipe_id("music-in-noise", 2, 5, "4q-x", "synth-pink-1", 12.5, -20.0)
    assert a.startswith("mix-music-in-noise-f2-5-")
    assert a == corpus.recipe_id("music-in-noise", 2, 5, "4q-x", "synth-pink-1", 12.5, -20.0)
    assert a != corpus.recipe_id("music-in-noise", 2, 5, "4q-y", "synth-pink-1", 12.5, -20.0)
    assert a != corpus.recipe_id("music-in-noise", 2, 5, "4q-x", "synth-pink-1", 12.6, -20.0)

def fake_build_sources(monkeypatch, tmp_path):
    """content_corpus.build's sources, made up (each draws from its generator as the real ones do)"""
    sr = SR
    def gen(prefix, label, groups, per, source):
        def items(*args):
            rng = args[-1] if isinstance(args[-1], np.random.Generator) else args[0]
            for g in range(groups):
                for k in range(per):
                    yield (f"{prefix}-{g}-{k}", label, f"{prefix}:{g}", source,
                           rng.standard_normal(3 * sr).astype(np.float32) * 0.1)
        return items
    music_dir = tmp_path / "mer"
    music_dir.mkdir()
    clips = []
    for i in range(20):
        write_tone(music_dir / f"m{i}.wav", 3.0, sr)
        clips.append((f"4q-m{i}", "music", f"4q:artist{i}", "4q", str(music_dir / f"m{i}.wav")))
    monkeypatch.setattr(corpus, "music_items", lambda mer: clips)
    monkeypatch.setattr(corpus, "ravdess_items", lambda root, rng: gen("ravdess", "speech", 6, 2, "ravdess")(rng))
    monkeypatch.setattr(corpus, "fsdd_items", lambda root, rng: gen("fsdd", "speech", 5, 1, "fsdd")(rng))
    monkeypatch.setattr(corpus, "tts_items", lambda rng, n: gen("tts", "speech", 5, 1, "tts")(rng))
    monkeypatch.setattr(corpus, "synth_items", lambda rng, n: gen("synth", "noise", 10, 1, "synth")(rng))
    monkeypatch.setattr(corpus, "sfx_items", lambda rng, packages=None: gen(f"sfx-{packages[0]}", "noise", 1, 1, "sfx")(rng))
    monkeypatch.setattr(corpus, "game_music_items", lambda rng: gen("game", "music", 2, 2, "game-music")(rng))
    monkeypatch.setattr(corpus, "MIXES_PER_FOLD", 2)

def test_a_rebuild_from_the_cache_is_the_build_from_scratch(tmp_path, monkeypatch):
    fake_build_sources(monkeypatch, tmp_path)
    strip = lambda items: [(i["id"], i["group"], i["fold"], i["source"]) for i in items]
    first = corpus.build("mer", "ravdess", "fsdd", str(tmp_path / "a"))
    again = corpus.build("mer", "ravdess", "fsdd", str(tmp_path / "a"))           # every WAV cached now
    fresh = corpus.build("mer", "ravdess", "fsdd", str(tmp_path / "b"))
    assert strip(first) == strip(again) == strip(fresh)
    mixed = [i for i in first if i["id"].startswith("mix-")]
    assert len(mixed) == 4 * 2 * config.OUTER_FOLDS and all(os.path.exists(i["path"]) for i in mixed)
    by_id = {i["id"]: i for i in first}
    for m in mixed:                                   # a mixture's parts are in its fold
        for g in m["group"].split("+"):
            assert {i["fold"] for i in first if i["group"] == g} == {m["fold"]}

def test_room_list_keeps_the_rows_it_has(tmp_path, monkeypatch):
    import csv
    import rooms
    monkeypatch.setattr(rooms, "through", lambda x, room, rng: x)
    wav = tmp_path / "a.wav"
    write_tone(wav, 1.0, SR)
    items = [{"id": i, "source": "sfx", "path": str(wav)} for i in ("a", "b")]
    (tmp_path / "rooms").mkdir()
    with open(tmp_path / "rooms" / "rooms.csv", "w") as f:
        f.write("id,variant,room\na,train,train7\na,test,test3\n")
    corpus.build_rooms(str(tmp_path), items)
    with open(tmp_path / "rooms" / "rooms.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(r["id"], r["variant"]) for r in rows] == [("a", "train"), ("a", "test"), ("b", "train"), ("b", "test")]
    assert rows[0]["room"] == "train7" and rows[1]["room"] == "test3"
    assert os.path.exists(tmp_path / "rooms" / "test" / "sfx" / "b.wav")

def test_a_head_on_live_inputs_is_exported_on_all_of_them():
    c = FakeCorpus(np.random.default_rng(4))
    full = c.x["clean"]["penultimate"]
    c.width, c.cols = {"penultimate": full.shape[1]}, {"penultimate": np.array([0, 1, 2])}
    c.x["clean"]["penultimate"] = np.ascontiguousarray(full[:, :3])
    for cand in (("penultimate", "lr", 0.1), ("penultimate", "mlp", 1.0)):
        head = content.fit(c, c.train_mask([0, 1, 2]), cand)
        wide = c.full_head(head, "penultimate")
        assert wide["mean"].shape == (full.shape[1],) and wide["layers"][0][0].shape[1] == full.shape[1]
        assert np.all(wide["layers"][0][0][:, 3:] == 0)
        assert np.allclose(heads.head_forward(wide, full), heads.head_forward(head, full[:, :3]), atol=1e-6)

def test_fits_in_parallel_give_what_one_process_gives():
    c = FakeCorpus(np.random.default_rng(5), rooms=True)
    one = content.cross_validate(c, ["penultimate"], jobs=1)
    two = content.cross_validate(c, ["penultimate"], jobs=2)
    assert [r["chosen"] for r in one] == [r["chosen"] for r in two]
    assert [r["clean"]["confusion"] for r in one] == [r["clean"]["confusion"] for r in two]

def test_the_control_fits_the_heads_it_is_given():
    c = FakeCorpus(np.random.default_rng(6), rooms=True)
    fixed = [("penultimate", "lr", 0.01)] * 3 + [("penultimate", "mlp", 1.0)] * 2
    offsets = [0.0, 0.5, -0.25, 0.0, 1.0]
    results = content.cross_validate(c, ["penultimate"], augment=False, fixed=list(zip(fixed, offsets)))
    assert [(r["chosen"]["layer"], r["chosen"]["kind"], r["chosen"]["param"]) for r in results] == fixed
    assert [r["chosen"]["music_offset"] for r in results] == offsets
    assert all("room" in r and r["clean"]["macro_f1"] > 0.9 for r in results)

def test_inputs_with_context_are_named_and_computed_stream_by_stream():
    assert content.input_name("pooled", 0) == "pooled" and content.input_name("pooled", 3.0) == "pooled+3s"
    assert content.split_input("pooled+3s") == ("pooled", 3.0) and content.split_input("pooled") == ("pooled", 0.0)
    x = np.arange(10, dtype=np.float32)[:, None] * [1, 10]
    out = content.per_stream_context(x, [4, 6], 3)
    np.testing.assert_array_equal(out[:4], heads.with_context(x[:4], 3))
    np.testing.assert_array_equal(out[4:], heads.with_context(x[4:], 3))     # the second stream starts afresh
    assert out[4, 2] == x[4, 0]

def test_the_report_shows_how_fast_the_daemon_follows_a_change(tmp_path):
    import content_report
    c = FakeCorpus(np.random.default_rng(4), patches=24, rooms=True)
    results = content.cross_validate(c, ["penultimate"])
    content_report.write(str(tmp_path / "content.md"), c, results, None)
    text = (tmp_path / "content.md").read_text()
    assert "When the sound changes" in text
    for row in ("music → speech: the mood stops after", "noise → music: a mood starts after"):
        line = next(l for l in text.splitlines() if l.startswith(f"| {row}"))
        assert line.count(" s (") == 2          # clean and through a test room

def test_the_report_counts_the_files_moodd_classify_would_label_wrong(tmp_path):
    import content_report
    c = FakeCorpus(np.random.default_rng(4), rooms=True)
    results = content.cross_validate(c, ["penultimate"])
    results[0]["clean"]["nonmusic_files_classified_music"] = ["i5"]
    content_report.write(str(tmp_path / "content.md"), c, results, None)
    text = (tmp_path / "content.md").read_text()
    line = next(l for l in text.splitlines() if l.startswith("| non-music files `moodd classify` labels with a mood"))
    assert "| 1 of 40 | 0 of 40 |" in line
    assert "Files `moodd classify` would put on the wrong side (clean): `i5`." in text
