"""
A listening station's microphone, simulated: the loudspeaker's sound through a shoebox room (image-source
impulse response, pyroomacoustics), the room's own noise at an SNR, and a cheap microphone's band limits.

    ROOMS["train"]   the rooms training is augmented with
    ROOMS["test"]    a fixed, seeded set of other rooms that only test folds go through

    through(x, room, rng) -> x as the station hears it (same length, same RMS)
    through(x, room, rng, parts=("noise",)) -> only some of it (room_parts.py: what each part costs)

Room parameters (issue 11): RT60 0.2-1.0 s, microphone 1-5 m from the speaker, background noise at
5-25 dB SNR, microphone high-pass 60-200 Hz and low-pass 4-7.5 kHz. Train and test rooms are drawn from
different seeds, so no test room is a training room; their noises are generated anew for every item
(seeded by the item), never taken from the corpus.
"""
from dataclasses import dataclass

import numpy as np

import config
import content_sounds as sounds

SR = config.SAMPLE_RATE
ROOM_NOISES = ("pink", "brown", "hvac", "fan", "traffic", "hum")    # what a room hums with
PARTS = ("reverb", "noise", "band")                                   # what a room does to the sound

@dataclass(frozen=True)
class Room:
    name: str
    size: tuple           # metres (length, width, height)
    rt60: float           # seconds
    source: tuple         # loudspeaker position, metres
    mic: tuple            # microphone position, metres
    snr_db: float         # the music (or speech) against the room's noise, at the microphone
    noise: str            # content_sounds.noise kind
    highpass: float       # Hz
    lowpass: float        # Hz

    @property
    def distance(self):
        return float(np.linalg.norm(np.subtract(self.source, self.mic)))

def draw_room(name, rng):
    """one random room whose loudspeaker and microphone are 1-5 m apart, both 0.5 m from any wall"""
    while True:
        size = (rng.uniform(3, 10), rng.uniform(3, 8), rng.uniform(2.4, 3.5))
        src = tuple(rng.uniform(0.5, s - 0.5) for s in size)
        mic = tuple(rng.uniform(0.5, s - 0.5) for s in size)
        d = np.linalg.norm(np.subtract(src, mic))
        if 1.0 <= d <= 5.0:
            break
    return Room(name, tuple(round(s, 2) for s in size), round(rng.uniform(0.2, 1.0), 2),
                tuple(round(s, 2) for s in src), tuple(round(s, 2) for s in mic), round(rng.uniform(5, 25), 1),
                str(rng.choice(ROOM_NOISES)), round(rng.uniform(60, 200)), round(rng.uniform(4000, 7500)))

def room_set(kind, n, seed):
    rng = np.random.default_rng(seed)
    return [draw_room(f"{kind}{i}", rng) for i in range(n)]

ROOMS = {"train": room_set("train", 24, 1001), "test": room_set("test", 12, 2002)}

_rirs = {}

def impulse_response(room):
    """the room's impulse response from loudspeaker to microphone, [taps] at SR (cached per room)"""
    if room.name not in _rirs:
        import pyroomacoustics as pra
        absorption, max_order = pra.inverse_sabine(room.rt60, room.size)
        shoebox = pra.ShoeBox(room.size, fs=SR, materials=pra.Material(absorption), max_order=min(max_order, 40))
        shoebox.add_source(room.source)
        shoebox.add_microphone(room.mic)
        shoebox.compute_rir()
        _rirs[room.name] = np.asarray(shoebox.rir[0][0], np.float64)
    return _rirs[room.name]

def band_limit(x, highpass, lowpass):
    from scipy.signal import butter, sosfilt
    sos = butter(4, [highpass, lowpass], btype="bandpass", fs=SR, output="sos")
    return sosfilt(sos, x)

def through(x, room, rng, parts=PARTS):
    """x [n] as the room's microphone hears it: reverberated (aligned on the direct sound), the room's noise
    at room.snr_db, band-limited; same length and RMS as x. parts: which of the three to apply; the noise is
    drawn from rng whether it is added or not, so that rng moves on the same whatever the parts"""
    from scipy.signal import fftconvolve
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"room parts {sorted(unknown)}: not among {', '.join(PARTS)}")
    x = np.asarray(x, np.float64)
    wet = x
    if "reverb" in parts:
        rir = impulse_response(room)
        delay = int(np.argmax(np.abs(rir)))
        wet = fftconvolve(x, rir)[delay:delay + len(x)]
    rms = lambda v: np.sqrt(np.mean(v ** 2)) + 1e-12
    noise = np.resize(sounds.noise(room.noise, len(x) / SR + 0.1, rng).astype(np.float64), len(wet))
    y = wet + noise * rms(wet) / rms(noise) * 10 ** (-room.snr_db / 20) if "noise" in parts else wet
    if "band" in parts:
        y = band_limit(y, room.highpass, room.lowpass)
    return (y * rms(x) / rms(y)).astype(np.float32)
