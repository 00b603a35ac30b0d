"""dereverb.py and room_fronts.py's fronts: what they do to sounds whose answer is known."""
import numpy as np
import pytest

import config
import dereverb
import room_fronts

SR = config.SAMPLE_RATE

def test_the_framing_resynthesises_the_sound_it_analysed():
    x = np.random.default_rng(1).standard_normal(SR).astype(np.float32)
    spec, window = dereverb.stft(x)
    assert np.max(np.abs(dereverb.istft(spec, window, len(x)) - x)) < 1e-6

def test_a_steady_sound_loses_only_the_reverberation_a_room_would_add_to_it():
    # a constant power P: the late part predicted is exp(-2 delta T) P, so the gain is sqrt(1 - that)
    rt60, delay = 0.5, 6
    gain = dereverb.late_reverb_gain(np.ones((50, 3)), rt60, delay_frames=delay, smoothing=0.0)
    decay = np.exp(-6 * np.log(10) / rt60 * delay * config.HOP_LENGTH / SR)
    assert np.allclose(gain[:delay], 1.0)
    assert np.allclose(gain[delay:], np.sqrt(1 - decay))

def test_a_tail_that_decays_as_the_room_does_is_taken_down_to_the_floor():
    # after an onset, a tail decaying 60 dB in rt60 is exactly what the model predicts from the frame
    # `delay` earlier: nothing of it is left but the floor
    rt60, delay, floor = 0.5, 4, 0.1
    t = np.arange(100) * config.HOP_LENGTH / SR
    power = np.exp(-6 * np.log(10) * t / rt60)[:, None] * np.ones((1, 2))
    gain = dereverb.late_reverb_gain(power, rt60, delay_frames=delay, floor=floor, smoothing=0.0)
    assert np.allclose(gain[delay:], np.sqrt(floor))

@pytest.mark.parametrize("kw", [dict(rt60=0), dict(rt60=0.5, delay_frames=0), dict(rt60=0.5, floor=0),
                                dict(rt60=0.5, smoothing=1)])
def test_parameters_out_of_range_are_refused(kw):
    with pytest.raises(ValueError, match="dereverberation"):
        dereverb.late_reverb_gain(np.ones((4, 2)), **kw)

def test_the_artificial_tail_is_as_long_and_as_loud_as_asked():
    h = room_fronts.tail_response(0.8, -6)
    assert len(h) == int(0.8 * SR) and h[0] == 1
    assert 10 * np.log10(np.sum(h[1:] ** 2)) == pytest.approx(-6, abs=1e-9)
    late, early = h[int(0.6 * SR):], h[int(0.005 * SR):int(0.2 * SR)]
    # 60 dB in 0.8 s: the last 0.2 s are some 45 dB under the first 0.2 s of the tail
    drop = 10 * np.log10(np.mean(early ** 2) / np.mean(late ** 2))
    assert 40 < drop < 50

def test_a_front_keeps_the_length_and_the_level():
    x = np.random.default_rng(2).standard_normal(2 * SR).astype(np.float32) * 0.1
    for front in ("reverb:0.8:-6", "dereverb:0.5"):
        y = room_fronts.parse_front(front)(x)
        assert y.shape == x.shape and y.dtype == np.float32
    y = room_fronts.parse_front("reverb:0.8:-6")(x)
    assert np.sqrt(np.mean(y.astype(np.float64) ** 2)) == pytest.approx(0.1, rel=0.05)
    assert room_fronts.parse_front("none") is None

@pytest.mark.parametrize("text", ["echo:1", "reverb:0.8", "dereverb:x", "none:1", "reverb:-1:-6"])
def test_a_front_that_is_not_one_is_refused_in_one_line(text):
    with pytest.raises(ValueError, match="front"):
        room_fronts.parse_front(text)
