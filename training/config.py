"""
The training pipeline's constants, in one place. Every script in training/ imports them from here.

Paths come from the environment, documented here once:
    MOODD_DATA   the folder the datasets were fetched into (MER_audio_taffc_dataset/, ravdess/, fsdd/,
                 musifeast17/; which repository each comes from: run_4q.sh and run_content.sh)
    MOODD_CACHE  embeddings, augmented and room audio, corpora (default ~/.cache/moodd); never inside the
                 repository: the datasets have academic licences
    MOODD        the moodd binary (default .build/release/moodd)
"""
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MOODD = os.environ.get("MOODD", os.path.join(REPO, ".build", "release", "moodd"))
BACKBONE_MODEL = os.path.join(REPO, "models", "msd_musicnn.safetensors")
CACHE = os.environ.get("MOODD_CACHE") or os.path.join(os.environ.get("XDG_CACHE_HOME") or
                                                     os.path.expanduser("~/.cache"), "moodd")
DATA = os.environ.get("MOODD_DATA", "")

# the log-mel input musicnn was trained on (its configuration.py + extractor.py's batch_data): the one
# copy in training/. convert_musicnn.py writes it into the model file as the `input` metadata, which
# decides moodd's front end and patch (docs/model-format.md, docs/frontend.md); everything below derives
# from it. 16 kHz, hop 256 samples = 16 ms per frame, 187 frames = 3 s.
INPUT = {"sample_rate": 16000, "n_fft": 512, "hop_length": 256, "n_mels": 96, "fmin": 0, "fmax": 8000,
         "mel_scale": "slaney", "mel_norm": "slaney", "window": "hann_periodic", "power": 2,
         "log": "log10(1+10000*x)", "patch_frames": 187}
SAMPLE_RATE = INPUT["sample_rate"]
HOP_LENGTH = INPUT["hop_length"]
N_MELS = INPUT["n_mels"]
PATCH_FRAMES = INPUT["patch_frames"]
HOP_FRAMES = PATCH_FRAMES // 2  # 93 = 1.5 s: half a patch, `moodd classify`'s default; the daemon's hop is 1.5 s
EMBED_DIM = 200             # musicnn's penultimate layer
# what `moodd embed --layer` writes per patch: the penultimate embedding, the back end's input (max then
# mean over time of the 753 mid-end channels), the tag probabilities
LAYER_WIDTH = {"penultimate": EMBED_DIM, "pooled": 1506, "tags": 50}
PATCH_SECONDS = PATCH_FRAMES * HOP_LENGTH / SAMPLE_RATE
HOP_SECONDS = HOP_FRAMES * HOP_LENGTH / SAMPLE_RATE

AUDIO_EXTENSIONS = (".wav", ".mp3", ".flac", ".ogg", ".opus")

# cross-validation: outer folds grouped (artist, speaker), inner folds for every choice (also grouped)
OUTER_FOLDS = 5
INNER_FOLDS = 3
SEED = 0

# heads tried by the inner CV; all are exported as dense layers (docs/model-format.md, "Heads")
LR_C = (0.003, 0.01, 0.03)                      # logistic regression, inverse L2 strength (inputs standardised)
MLP_HIDDEN = (64,)                              # one hidden ReLU layer
MLP_ALPHA = (1.0, 10.0)                         # L2
MLP_MAX_ITER = 100                              # epochs of Adam (stops earlier when the loss stalls)
DEAD_INPUT_STD = 1e-6                           # inputs whose std over training patches is below this are dropped

# augmentation of TRAINING clips only (seeds: Gaussian noise at a random SNR, time stretch, time shift,
# pitch shift). One augmented copy per kind per clip, drawn with a seed from the clip id.
AUGMENTATIONS = ("noise", "stretch", "shift", "pitch")
AUG_HOP_FRAMES = HOP_FRAMES                     # patches of the augmented copies
NOISE_SNR_DB = (10.0, 30.0)
STRETCH_RATE = (0.85, 1.15)
SHIFT_SECONDS = (0.5, 1.5)                      # circular shift; moves the patch grid against the music
PITCH_SEMITONES = (-2.0, 2.0)

# the 4-quadrant MER dataset (Panda et al. 2018): folder -> label, and the quadrant's valence/arousal sign
QUADRANTS = {"Q1": "happy", "Q2": "angry", "Q3": "sad", "Q4": "relaxed"}
# dataset.py --preset: the options a known dataset's folder needs besides --dataset
PRESETS = {"4q": {"metadata": "panda_dataset_taffc_metadata.csv", "id_column": "Song", "group_column": "Artist",
                  "labels": ",".join(f"{k}={v}" for k, v in QUADRANTS.items())}}
VALENCE = {"happy": 1, "angry": -1, "sad": -1, "relaxed": 1}
AROUSAL = {"happy": 1, "angry": 1, "sad": -1, "relaxed": -1}

# how much audio a listener (the daemon) has heard: clip-level accuracy after the first N patches
LISTEN_PATCHES = (1, 2, 3, 5, 10, 19)
TRAIN_STRIDE = 2            # heads train on every 2nd patch (hop 1.5 s: no two training patches overlap)
NEAR_F1 = 0.01              # heads this close to the best inner macro-F1 are told apart on other music
