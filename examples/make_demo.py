"""Writes examples/demo.ogg: 40 s of synthesised music, calm for 20 s, then energetic for 20 s.

It is the audio `scripts/run` plays to moodd on a machine without a sound card, so the mood change
in the middle is deliberate. Made with numpy and soundfile (libsndfile's Vorbis encoder):

    scripts/pyenv .venv scripts/requirements-reference.txt   # prints the python to use
    .venv/bin/python examples/make_demo.py
"""
import pathlib

import numpy as np
import soundfile as sf

SR = 22050
rng = np.random.default_rng(20261121)


def note(freq, dur, amp, harmonics=(1.0, 0.5, 0.25), attack=0.02, release=0.3):
    t = np.arange(int(dur * SR)) / SR
    tone = sum(a * np.sin(2 * np.pi * freq * (k + 1) * t) for k, a in enumerate(harmonics))
    env = np.minimum(1, t / attack) * np.exp(-t / max(release, 1e-3))
    return amp * tone * env


def place(out, start, sound):
    i = int(start * SR)
    if i < len(out):
        out[i:i + len(sound)] += sound[: len(out) - i]


def piano(freq, dur, amp):
    """a struck string: a sharp attack, upper partials that die faster than the fundamental, slightly sharp"""
    t = np.arange(int(dur * SR)) / SR
    out = np.zeros_like(t)
    for k in range(1, 7):
        fk = freq * k * np.sqrt(1 + 0.0004 * k * k)
        out += np.sin(2 * np.pi * fk * t) * np.exp(-t * (1.2 + 0.9 * k)) / k
    return amp * out * np.minimum(1, t / 0.004)


def calm(seconds):
    """A slow piano ballad at 72 bpm over a string pad: arpeggiated chords, a bass note and two melody notes
    a bar, soft brushes on the beat. (Sustained sine chords alone, the first version, sound to the content head
    like a hum: it called a quarter of their windows `noise`.)"""
    brushes = np.random.default_rng(20261204)
    out = np.zeros(int(seconds * SR))
    beat = 60 / 72
    chords = [(220.0, 261.6, 329.6), (174.6, 220.0, 261.6), (261.6, 329.6, 392.0), (196.0, 246.9, 293.7)]
    bass = [110.0, 87.3, 130.8, 98.0]
    melody = [659.3, 587.3, 523.3, 587.3, 523.3, 493.9, 440.0, 493.9]
    for bar in range(int(seconds / (4 * beat)) + 1):
        t0 = bar * 4 * beat
        place(out, t0, piano(bass[bar % 4], 4 * beat, 0.22))
        for f in chords[bar % 4]:                            # the pad, an octave down
            place(out, t0, note(f / 2, 4 * beat, 0.05, harmonics=(1.0, 0.6, 0.4, 0.3, 0.2), attack=0.4, release=3.0))
        for i in range(8):                                   # eighth-note arpeggio: 1 3 5 3, then an octave up
            f = chords[bar % 4][(0, 1, 2, 1)[i % 4]] * (2 if i >= 4 else 1)
            place(out, t0 + i * beat / 2, piano(f, 2 * beat, 0.09))
        for i in range(2):
            place(out, t0 + i * 2 * beat + beat, piano(melody[(2 * bar + i) % 8], 2 * beat, 0.12))
        for i in range(4):
            n = int(0.12 * SR)
            brush = brushes.normal(0, 0.02 if i % 2 == 0 else 0.035, n) * np.exp(-np.arange(n) / (0.05 * SR))
            place(out, t0 + i * beat, brush)
    return np.tanh(1.5 * out) / 1.5


def energetic(seconds):
    """Fast, loud and harshly distorted: a power-chord riff at 210 bpm over kicks, snares and hats."""
    out = np.zeros(int(seconds * SR))
    guitar = np.zeros(int(seconds * SR))
    beat = 60 / 210
    riff = [82.4, 82.4, 98.0, 82.4, 110.0, 82.4, 123.5, 116.5]
    for i in range(int(seconds / beat) * 2):
        t = i * beat / 2
        root = riff[(i // 2) % 8]
        for f in (root, root * 1.5, root * 2):  # power chord: root, fifth, octave
            place(guitar, t, note(f, beat / 2, 0.3, harmonics=(1, 0.7, 0.5, 0.4, 0.3, 0.2), release=0.3, attack=0.002))
        kick = note(55, 0.12, 0.8, harmonics=(1.0,), attack=0.001, release=0.04)
        place(out, t, kick)
        if i % 4 == 2:
            snare = rng.normal(0, 0.5, int(0.15 * SR)) * np.exp(-np.arange(int(0.15 * SR)) / (0.04 * SR))
            place(out, t, snare)
        hat = rng.normal(0, 0.4, int(0.04 * SR)) * np.exp(-np.arange(int(0.04 * SR)) / (0.01 * SR))
        place(out, t + beat / 4, hat)
    guitar += rng.normal(0, 0.02, len(guitar))  # pick and amplifier noise, before the fuzz
    return np.tanh(30 * guitar) * 0.5 + np.tanh(2 * out) * 0.4


music = np.concatenate([calm(20.0), energetic(20.0)]).astype(np.float32)
path = pathlib.Path(__file__).with_name("demo.ogg")
sf.write(path, music, SR, format="OGG", subtype="VORBIS")
print(f"wrote {path} ({path.stat().st_size} bytes, {len(music) / SR:.1f} s)")
