"""
Late-reverberation suppression (Lebart, Boucher & Denbigh 2001, "A new method based on spectral subtraction
for speech dereverberation", Acta Acustica 87): the room's late reverberation at frame t is predicted from
what the microphone heard delay_s earlier, decayed as a room of reverberation time rt60 decays it, and
subtracted from the frame's power spectrum, down to a floor.

    late(t)  = exp(-2 * delta * T) * P(t - T)         delta = 3 ln 10 / rt60, T = delay_frames * hop
    gain(t)  = sqrt(max(1 - late(t) / |X(t)|^2, floor))

P is |X|^2 smoothed over time (smoothing, per frame); everything is causal, frame by frame, so that the
daemon could do it on the power spectrum its front end already computes, before the mel filters. Here it
runs on the STFT of the front end's framing (16 kHz, 512-sample Hann every 256) and resynthesises the
audio (overlap-add), so that `moodd embed` can hear the result (room_fronts.py).
"""
import numpy as np

import config

N_FFT, HOP = config.INPUT["n_fft"], config.HOP_LENGTH

def late_reverb_gain(power, rt60, delay_frames=3, floor=0.1, smoothing=0.5, hop_s=HOP / config.SAMPLE_RATE):
    """power [frames, bins] -> gain [frames, bins] in [sqrt(floor), 1] (amplitude), causal"""
    if rt60 <= 0 or delay_frames < 1 or not 0 < floor <= 1 or not 0 <= smoothing < 1:
        raise ValueError(f"dereverberation: rt60 {rt60}, delay {delay_frames} frames, floor {floor}, "
                         f"smoothing {smoothing}: out of range")
    power = np.asarray(power, np.float64)
    decay = np.exp(-2 * 3 * np.log(10) / rt60 * delay_frames * hop_s)
    smooth = np.empty_like(power)
    acc = np.zeros(power.shape[1])
    for t in range(len(power)):
        acc = smoothing * acc + (1 - smoothing) * power[t]
        smooth[t] = acc
    late = np.zeros_like(power)
    late[delay_frames:] = decay * smooth[:-delay_frames]
    return np.sqrt(np.maximum(1 - late / np.maximum(power, 1e-20), floor))

def stft(x):
    window = np.hanning(N_FFT + 1)[:-1]                                 # periodic Hann, as the front end
    x = np.concatenate([np.zeros(N_FFT // 2), np.asarray(x, np.float64), np.zeros(N_FFT)])
    frames = 1 + (len(x) - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(frames)[:, None]
    return np.fft.rfft(x[idx] * window, axis=1), window

def istft(spec, window, n):
    frames = np.fft.irfft(spec, n=N_FFT, axis=1) * window
    out = np.zeros(HOP * (len(spec) - 1) + N_FFT)
    norm = np.zeros_like(out)
    for t, f in enumerate(frames):
        out[t * HOP:t * HOP + N_FFT] += f
        norm[t * HOP:t * HOP + N_FFT] += window ** 2
    out /= np.maximum(norm, 1e-8)
    return out[N_FFT // 2:N_FFT // 2 + n]

def dereverb(x, rt60, **kw):
    """x [n] at the front end's rate -> x with its late reverberation suppressed, float32 [n]"""
    spec, window = stft(x)
    gain = late_reverb_gain(np.abs(spec) ** 2, rt60, **kw)
    return istft(spec * gain, window, len(x)).astype(np.float32)
