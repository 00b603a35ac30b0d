"""
Raw material for the content head (music / speech / noise): synthetic noises, text-to-speech, and the
real recordings Debian ships. Everything is mono float32 at config.SAMPLE_RATE; every generator takes a
numpy Generator so a corpus is reproducible from its seed.

    noise(kind, seconds, rng)      white, pink, brown, hum, fan, vacuum, keyboard, rain, traffic, hvac
    tts(engine, voice, text)       espeak-ng, flite, festival (text2wave) -> samples
    sentences(lang)                real sentences in a language, from the machine's gettext catalogues
    read_audio(path)               any file libsndfile reads -> mono, resampled

Debian packages: espeak-ng, flite, festival + festvox-* voices, gettext (msgunfmt), and the sound-effect
packages in SFX_PACKAGES; training/run_content.sh installs them.
"""
import functools
import glob
import os
import re
import subprocess
import tempfile

import numpy as np

import config

SR = config.SAMPLE_RATE

# -----------------------------------------------------------------------------
# synthetic noises: the steady and impulsive sounds of a room (what a station hears when nobody plays music)

NOISE_KINDS = ("white", "pink", "brown", "hum", "fan", "vacuum", "keyboard", "rain", "traffic", "hvac")

def _coloured(n, exponent, rng):
    """noise with power spectral density ~ 1/f^exponent (0 white, 1 pink, 2 brown), unit RMS"""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SR)
    f[0] = f[1]
    spec *= f ** (-exponent / 2)
    x = np.fft.irfft(spec, n)
    return x / (np.sqrt(np.mean(x ** 2)) + 1e-12)

def _bandpass(x, lo, hi):
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / SR)
    spec[(f < lo) | (f > hi)] = 0
    return np.fft.irfft(spec, len(x))

def _clicks(n, rate, rng, decay_ms=(3, 15), band=(500, 6000)):
    """Poisson clicks: short band-limited bursts with exponential decay (keys, raindrops)"""
    x = np.zeros(n)
    t = 0.0
    while True:
        t += rng.exponential(1 / rate)
        i = int(t * SR)
        if i >= n:
            break
        d = rng.uniform(*decay_ms) / 1000
        m = min(int(d * 6 * SR), n - i)
        burst = rng.standard_normal(m) * np.exp(-np.arange(m) / (d * SR)) * rng.uniform(0.3, 1.0)
        x[i:i + m] += burst
    x = _bandpass(x, *band)
    return x / (np.sqrt(np.mean(x ** 2)) + 1e-12)

def noise(kind, seconds, rng):
    """one synthetic room sound, [seconds * SR] float32 at unit RMS; parameters drawn from rng"""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    if kind == "white":
        x = rng.standard_normal(n)
    elif kind == "pink":
        x = _coloured(n, 1.0, rng)
    elif kind == "brown":
        x = _coloured(n, 2.0, rng)
    elif kind == "hum":                     # mains hum: 50 or 60 Hz and its harmonics, a little hiss
        f0 = rng.choice([50.0, 60.0])
        x = sum(rng.uniform(0.1, 1) / k * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.3)) for k in range(1, 12))
        x = x + 0.05 * rng.standard_normal(n)
    elif kind == "fan":                     # broadband air noise, a blade-pass tone, slow wobble
        bpf = rng.uniform(30, 200)
        x = _bandpass(_coloured(n, rng.uniform(0.5, 1.5), rng), 20, rng.uniform(2000, 7000))
        x = x + rng.uniform(0.1, 0.6) * np.sin(2 * np.pi * bpf * t) * (1 + 0.2 * np.sin(2 * np.pi * rng.uniform(0.1, 1) * t))
    elif kind == "vacuum":                  # motor whine (with its harmonics, drifting) over loud band noise
        f0 = rng.uniform(150, 600) * (1 + 0.02 * np.sin(2 * np.pi * 0.3 * t))
        phase = 2 * np.pi * np.cumsum(f0) / SR
        x = _bandpass(rng.standard_normal(n), 200, 7500) + sum(rng.uniform(0.1, 0.5) / k * np.sin(k * phase) for k in range(1, 6))
    elif kind == "keyboard":                # typing: bursts of key clicks with pauses between words
        x = _clicks(n, rng.uniform(4, 10), rng, (2, 8), (rng.uniform(300, 1500), rng.uniform(4000, 7900)))
        gate = (np.sin(2 * np.pi * rng.uniform(0.2, 0.6) * t + rng.uniform(0, 6.3)) > -0.4).astype(float)
        x = x * gate + 0.02 * rng.standard_normal(n)
    elif kind == "rain":
        x = _clicks(n, rng.uniform(200, 800), rng, (1, 5), (1000, 7900)) + 0.5 * _coloured(n, 1, rng)
    elif kind == "traffic":                 # low rumble swelling as cars pass
        from scipy.signal import fftconvolve
        env = 0.3 + fftconvolve((rng.random(n) < 0.3 / SR).astype(float), np.hanning(min(int(4 * SR), n)), "same")
        x = _bandpass(_coloured(n, 1.8, rng), 30, 3000) * env
    elif kind == "hvac":                    # air conditioning: steady low-passed noise with compressor hum
        x = _bandpass(_coloured(n, 1.0, rng), 20, rng.uniform(800, 3000)) + 0.3 * np.sin(2 * np.pi * rng.uniform(90, 130) * t)
    else:
        raise ValueError(f"noise kind '{kind}': not one of {', '.join(NOISE_KINDS)}")
    x = np.asarray(x, np.float64)
    return (x / (np.sqrt(np.mean(x ** 2)) + 1e-12)).astype(np.float32)

# -----------------------------------------------------------------------------
# real recordings from files

def read_audio(path):
    """-> mono float32 at SR (mean of channels, as librosa; soxr resampling)"""
    import soundfile
    import soxr
    x, sr = soundfile.read(path, dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    return soxr.resample(x, sr, SR).astype(np.float32) if sr != SR else x

# Debian packages whose sound effects are the "noise" class's real recordings: package -> glob patterns of
# its effects. Desktop sound themes and games: foley, ambiences (birds, rain, sea, traffic, crowds, factories,
# farms), machines, weapons, impacts, creatures, interface clicks and short jingles (a notification chime is
# not music to claim a mood for). Their music is left out (SFX_EXCLUDE; the tracks are MUSIC_PACKAGES'), and
# so are spoken prompts and voices (tuxpaint's "are you sure", freedroidrpg's voice samples and comments,
# hedgewars' voice packs) and sustained musical material (hedgewars' piano notes and hog chant, wesnoth's
# war drums, horn signals and fanfare, chromium-bsu's menu and game music loops, the Oxygen theme's log-in
# tunes and long log-out tune: composed pieces of 7.8-13.4 s, not chimes). Reserved as untouched test sets,
# never here: asterisk-core-sounds-*, fillets-ng-data*, bucklespring-data (issue 11).
GAMES = "/usr/share/games"
SFX_PACKAGES = {
    "sound-theme-freedesktop": ["/usr/share/sounds/freedesktop/stereo/*.oga"],
    "oxygen-sounds": ["/usr/share/sounds/Oxygen-*.ogg"],
    "yaru-theme-sound": ["/usr/share/sounds/Yaru/stereo/*.oga"],
    "tuxpaint-data": ["/usr/share/tuxpaint/sounds/*.wav"],
    "lbreakout2-data": [f"{GAMES}/lbreakout2/sounds/*.wav"],
    "chromium-bsu-data": [f"{GAMES}/chromium-bsu/wav/*.wav"],
    "frozen-bubble-data": [f"{GAMES}/frozen-bubble/snd/*.ogg"],
    "pingus-data": [f"{GAMES}/pingus/data/sounds/*.wav"],
    "scorched3d-data": [f"{GAMES}/scorched3d/data/globalmods/*/data/wav/*/*.wav"],
    "lincity-ng-data": [f"{GAMES}/lincity-ng/sounds/*.wav"],
    "extremetuxracer-data": [f"{GAMES}/etr/sounds/*.wav"],
    "wesnoth-1.16-data": [f"{GAMES}/wesnoth/1.16/data/core/sounds/*.ogg", f"{GAMES}/wesnoth/1.16/data/core/sounds/*.wav",
                          f"{GAMES}/wesnoth/1.16/data/core/sounds/ambient/*.ogg", f"{GAMES}/wesnoth/1.16/sounds/*.ogg",
                          f"{GAMES}/wesnoth/1.16/sounds/*.wav"],
    "hedgewars-data": [f"{GAMES}/hedgewars/Data/Sounds/*.ogg"],
    "supertux-data": [f"{GAMES}/supertux2/sounds/*.wav", f"{GAMES}/supertux2/sounds/*.ogg"],
    "freedroidrpg-data": ["/usr/share/freedroidrpg/data/sound/effects/*.ogg",
                          "/usr/share/freedroidrpg/data/sound/effects/bot_sounds/*.ogg",
                          "/usr/share/freedroidrpg/data/sound/effects/bullets/*.ogg",
                          "/usr/share/freedroidrpg/data/sound/effects/item_sounds/*.ogg"],
    "bzflag-data": [f"{GAMES}/bzflag/*.wav"],
    "alienblaster-data": [f"{GAMES}/alienblaster/sound/*.wav"],
    "ri-li-data": [f"{GAMES}/ri-li/Ri-li/Sounds/*.wav"],
}
SFX_EXCLUDE = re.compile(r"zik|areyousure|youcannot|^intro\.wav$|^playon\.wav$|^[1-9][A-G]\.ogg$|ride_of_the_valkyries"
                         r"|hogchant|wardrums|fanfare|^music_|^Oxygen-Sys-Log-(In|In-Long|In-Short|Out-Long)\.ogg$")

# the same games' music: "music" items (game soundtracks, another genre mix than 4Q's). package -> globs
MUSIC_PACKAGES = {
    "xmoto-data": [f"{GAMES}/xmoto/Textures/Musics/*.ogg"],
    "extremetuxracer-data": [f"{GAMES}/etr/music/*.ogg"],
    "scorched3d-data": [f"{GAMES}/scorched3d/data/globalmods/none/data/music/*.ogg"],
    "hedgewars-data": [f"{GAMES}/hedgewars/Data/Music/*.ogg"],
    "supertux-data": [f"{GAMES}/supertux2/music/*/*.ogg"],
    "freedroidrpg-data": ["/usr/share/freedroidrpg/data/sound/music/*.ogg"],
    "alienblaster-data": [f"{GAMES}/alienblaster/sound/intro.wav", f"{GAMES}/alienblaster/sound/playon.wav"],
}

def sfx_files(package):
    files = [f for pattern in SFX_PACKAGES[package] for f in glob.glob(pattern)]
    return sorted(f for f in files if not SFX_EXCLUDE.search(os.path.basename(f)))

def music_files(package):
    return sorted({f for pattern in MUSIC_PACKAGES[package] for f in glob.glob(pattern)})

# -----------------------------------------------------------------------------
# text-to-speech

# (engine, voice, language of its text). espeak-ng voices are language+variant; the variants change the
# formants and pitch like different speakers do.
TTS_VOICES = (
    [("espeak-ng", f"{lang}+{var}", lang) for lang, var in [
        ("en-us", "m1"), ("en-gb", "f2"), ("de", "m3"), ("de", "f1"), ("fr", "m2"), ("fr", "f3"), ("es", "m4"),
        ("es", "f4"), ("it", "m5"), ("pt-br", "f5"), ("nl", "m6"), ("pl", "m7"), ("sv", "f1"), ("ru", "m2"),
        ("cs", "f2"), ("da", "m3"), ("fi", "f3"), ("tr", "m4"), ("el", "m1"), ("uk", "f4")]]
    + [("flite", v, "en") for v in ("kal", "awb", "rms", "slt", "kal16")]
    + [("festival", v, lang) for v, lang in [("kal_diphone", "en"), ("lp_diphone", "it"), ("pc_diphone", "it"),
                                              ("czech_dita", "cs"), ("czech_machac", "cs"),
                                              ("upc_ca_ona_hts", "ca")]]
)

@functools.lru_cache(maxsize=None)
def sentences(lang, limit=400):
    """real sentences in `lang` (en: the catalogues' English originals), from the gettext catalogues under
    /usr/share/locale; sorted, de-duplicated, without format codes or markup"""
    code = {"en-us": "en", "en-gb": "en", "pt-br": "pt_BR"}.get(lang, lang)
    pattern = "de" if code == "en" else code     # English: msgids of any catalogue
    out = set()
    for mo in sorted(glob.glob(f"/usr/share/locale/{pattern}/LC_MESSAGES/*.mo")):
        text = subprocess.run(["msgunfmt", mo], capture_output=True, text=True, errors="replace").stdout
        key = "msgid" if code == "en" else "msgstr"
        for m in re.finditer(rf'^{key} "(.*)"$', text, re.M):
            s = m.group(1).replace("\\n", " ").replace('\\"', '"').strip()
            letters = sum(ch.isalpha() or ch == " " for ch in s)
            if (25 <= len(s) <= 160 and s[0].isalpha() and letters >= 0.85 * len(s)
                    and not re.search(r"[%{}<>\\_@|/=\[\]]|\$\w|--", s)):
                out.add(s)
        if len(out) >= limit * 3:
            break
    return tuple(sorted(out))

def tts(engine, voice, text, workdir):
    """synthesise text -> float32 [n] at SR"""
    wav = os.path.join(workdir, "tts.wav")
    if engine == "espeak-ng":
        cmd = ["espeak-ng", "-v", voice, "-w", wav, text]
    elif engine == "flite":
        cmd = ["flite", "-voice", voice, "-t", text, "-o", wav]
    elif engine == "festival":
        # festival reads 8-bit text: Latin-1, Latin-2 for its Czech voices
        encoding = "iso-8859-2" if voice.startswith("czech") else "latin-1"
        with open(os.path.join(workdir, "tts.txt"), "w", encoding=encoding, errors="ignore") as f:
            f.write(text)
        cmd = ["text2wave", "-o", wav, "-eval", f"(voice_{voice})", os.path.join(workdir, "tts.txt")]
    else:
        raise ValueError(f"tts engine '{engine}'")
    r = subprocess.run(cmd, capture_output=True, timeout=120)
    if r.returncode != 0 or not os.path.exists(wav) or os.path.getsize(wav) < 1000:
        raise RuntimeError(f"{engine} {voice}: {r.stderr.decode(errors='replace').strip()[:200] or 'no audio'}")
    return read_audio(wav)

def tts_stream(engine, voice, lang, seconds, rng):
    """about `seconds` of one voice reading real sentences, with natural pauses between them"""
    texts = sentences(lang)
    if not texts:
        raise RuntimeError(f"no sentences for language {lang} (gettext catalogues missing?)")
    parts, total, failures = [], 0, []
    with tempfile.TemporaryDirectory() as tmp:
        while total < seconds * SR:
            batch = " ".join(texts[i] for i in rng.choice(len(texts), 3, replace=False))
            try:
                x = tts(engine, voice, batch, tmp)
            except RuntimeError as e:           # a sentence the voice's letter-to-sound rules cannot read
                failures.append(str(e))
                if len(failures) > 10:
                    raise RuntimeError(f"{engine} {voice}: {len(failures)} sentences failed, last: {e}") from None
                continue
            parts += [x, np.zeros(int(rng.uniform(0.2, 0.8) * SR), np.float32)]
            total += sum(len(p) for p in parts[-2:])
    return np.concatenate(parts)[: int(seconds * SR)]
