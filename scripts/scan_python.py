"""What a Python user would write to do `moodd scan`'s job: librosa + musicnn in onnxruntime + the model's heads.

    python scripts/scan_python.py export --model models/moodd-4q.safetensors --onnx out/musicnn.onnx   # needs torch, once
    python scripts/scan_python.py scan DIR... --model models/moodd-4q.safetensors --onnx out/musicnn.onnx \
        --db out/python.db [--workers 2] [--threads 1] [--batch 1]
    python scripts/scan_python.py classify FILE... --model ... --onnx ...    # one JSON line per file, as moodd classify --json

The reference for issue 15's goal "moodd scan >= 5x the throughput of the Python pipeline" (scripts/bench_scan.py
runs both on the same files). Plain standard practice, nothing made slow on purpose:

- `librosa.load(path, sr=...)` at the model file's `input` `sample_rate` (mono, soxr_hq),
  `librosa.feature.melspectrogram` with its other `input` settings, `log10(1 + 10000 * mel)`;
- 3-s patches (187 frames) every 93 frames (1.5 s), a file shorter than one patch padded with zeros to one;
- the musicnn backbone exported once to ONNX from training/musicnn_torch.py (output: the `pooled` layer,
  which both heads of models/moodd-4q.safetensors read), run by onnxruntime on batches of --batch patches;
- the heads in numpy as docs/model-format.md states them; per file what `moodd classify --json` says: with a
  content head a window is silence below -50 dBFS RMS (not run), else the content head's argmax, the mood is
  the mean over music windows, and a file less than half music is labelled with its most frequent other kind;
- a multiprocessing Pool of --workers processes, each with onnxruntime (and BLAS) at --threads threads; the
  main process writes one row per file into SQLite.
"""
import argparse
import json
import os
import pathlib
import sqlite3
import sys
import time

import librosa
import numpy as np
from threadpoolctl import threadpool_limits

ROOT = pathlib.Path(__file__).resolve().parents[1]
AUDIO = {".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff"}  # what moodd scan reads
HOP_FRAMES = 93                 # moodd classify's default: a window every 1.5 s
SILENCE_DB = -50.0              # moodd's silence.threshold_db default
KINDS = ["music", "speech", "noise", "silence"]


def load_model_file(path):
    """-> (input settings dict, {head name: head dict with its arrays})"""
    sys.path.insert(0, str(ROOT / "training"))
    from musicnn_numpy import load_safetensors

    tensors, meta = load_safetensors(path)
    heads = {}
    for entry in json.loads(meta["heads"]):
        head = dict(entry)
        head["mean"] = tensors[entry["input_mean"]]
        head["scale"] = tensors[entry["input_scale"]]
        head["weights"] = [(tensors[layer["weight"]], tensors[layer["bias"]]) for layer in entry["layers"]]
        heads[entry["name"]] = head
    return json.loads(meta["input"]), heads


def apply_head(head, x):
    """x [B, input_size] -> probabilities [B, labels]: standardise, dense layers with ReLU, softmax"""
    z = (x - head["mean"]) / head["scale"]
    for i, (w, b) in enumerate(head["weights"]):
        z = z @ w.T + b
        if i < len(head["weights"]) - 1:
            z = np.maximum(z, 0)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def export(args):
    import warnings

    import torch

    warnings.filterwarnings("ignore")  # the ONNX exporter's deprecation and constant-folding chatter

    sys.path.insert(0, str(ROOT / "training"))
    from musicnn_torch import MusicnnTorch

    class Pooled(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, patches):
            return self.net.pooled(patches)

    model = Pooled(MusicnnTorch.from_file(args.model).eval())
    spec, _ = load_model_file(args.model)
    patches = torch.zeros(2, spec["patch_frames"], spec["n_mels"])
    os.makedirs(os.path.dirname(os.path.abspath(args.onnx)), exist_ok=True)
    with torch.inference_mode():
        torch.onnx.export(model, patches, args.onnx, input_names=["patch"], output_names=["pooled"],
                          dynamic_axes={"patch": {0: "batch"}, "pooled": {0: "batch"}}, opset_version=17,
                          dynamo=False)
    print(f"wrote {args.onnx}", file=sys.stderr)


# -----------------------------------------------------------------------------
# one file, in a worker

_worker = {}


def init_worker(model, onnx, threads, batch):
    import onnxruntime as ort

    threadpool_limits(threads)  # numpy's BLAS (librosa's mel projection): no more threads than asked for
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    spec, heads = load_model_file(model)
    _worker.update(session=ort.InferenceSession(onnx, options, providers=["CPUExecutionProvider"]),
                   spec=spec, heads=heads, batch=batch,
                   mood=next(h for name, h in heads.items() if name != "content"), content=heads.get("content"))


def classify(path):
    """-> dict of the file's result (or its error), as `moodd classify --json` plus duration"""
    try:
        return classify_file(path)
    except Exception as e:  # a bad file is recorded and skipped, as moodd scan does
        return {"file": path, "error": f"{type(e).__name__}: {e}".splitlines()[0]}


def classify_file(path):
    w = _worker
    spec, mood_head, content_head = w["spec"], w["mood"], w["content"]
    y, sr = librosa.load(path, sr=spec["sample_rate"])
    mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=spec["n_fft"], hop_length=spec["hop_length"],
                                         n_mels=spec["n_mels"], fmin=spec["fmin"], fmax=spec["fmax"])
    logmel = np.log10(1 + 10000 * mel).T.astype(np.float32)          # [frames, 96]
    size, hop = spec["patch_frames"], spec["hop_length"]
    if 0 < len(logmel) < size:
        logmel = np.pad(logmel, ((0, size - len(logmel)), (0, 0)))
    starts = range(0, len(logmel) - size + 1, HOP_FRAMES)
    # silence gate (with a content head): RMS of the samples under the window, dBFS
    squares = np.concatenate([[0.0], np.cumsum(y.astype(np.float64) ** 2)])
    silent = []
    for s in starts:
        a, b = min(s * hop, len(y)), min((s + size) * hop, len(y))
        level = 10 * np.log10((squares[b] - squares[a]) / (b - a)) if b > a and squares[b] > squares[a] else -np.inf
        silent.append(content_head is not None and not level >= SILENCE_DB)
    run = [s for s, quiet in zip(starts, silent) if not quiet]
    pooled = np.zeros((len(run), 1506), np.float32)
    for i in range(0, len(run), w["batch"]):
        batch = np.stack([logmel[s:s + size] for s in run[i:i + w["batch"]]])
        pooled[i:i + len(batch)] = w["session"].run(["pooled"], {"patch": batch})[0]
    moods = apply_head(mood_head, pooled)
    kinds = np.full(len(starts), 3)                                   # silence
    if content_head is not None:
        kinds[~np.array(silent, bool)] = apply_head(content_head, pooled).argmax(axis=1)
        music = moods[kinds[~np.array(silent, bool)] == 0]
    else:
        music = moods
    windows = len(starts)
    labels = mood_head["labels"]
    probabilities = music.mean(axis=0) if len(music) else None
    fractions = np.bincount(kinds, minlength=4) / max(windows, 1) if content_head is not None else None
    if probabilities is not None and (content_head is None or 2 * len(music) >= windows):
        best = int(probabilities.argmax())
        label, confidence = labels[best], float(probabilities[best])
    else:
        f = fractions if fractions is not None else np.array([0, 0, 0, 1.0])
        other = 1 + int(np.argmax(f[1:]))
        label, confidence = KINDS[other], float(f[other])
    out = {"file": path, "label": label, "confidence": confidence,
           "probabilities": None, "valence": None, "arousal": None, "content": None, "windows": windows,
           "duration": len(y) / sr}
    if probabilities is not None:
        out["probabilities"] = dict(zip(labels, map(float, probabilities)))
        if "valence" in mood_head and "arousal" in mood_head:
            out["valence"] = float(probabilities @ np.array(mood_head["valence"], np.float64))
            out["arousal"] = float(probabilities @ np.array(mood_head["arousal"], np.float64))
    if fractions is not None:
        out["content"] = dict(zip(KINDS, map(float, fractions)))
    return out


# -----------------------------------------------------------------------------

def audio_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for folder, _, names in os.walk(p):
                for name in sorted(names):
                    if os.path.splitext(name)[1].lower() in AUDIO:
                        yield os.path.join(folder, name)
        else:
            yield p


def results(args, files):
    init = (args.model, args.onnx, args.threads, args.batch)
    if args.workers == 1:
        init_worker(*init)
        yield from map(classify, files)
        return
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(args.workers, initializer=init_worker, initargs=init) as pool:
        yield from pool.imap_unordered(classify, files)


def scan(args):
    files = list(audio_files(args.paths))
    db = sqlite3.connect(args.db)
    db.execute("""CREATE TABLE IF NOT EXISTS tracks (path TEXT PRIMARY KEY, error TEXT, duration REAL,
                  windows INTEGER, label TEXT, confidence REAL, valence REAL, arousal REAL, music REAL,
                  probabilities TEXT, content TEXT)""")
    start = time.monotonic()
    seconds = 0.0
    for r in results(args, files):
        if "error" in r:
            print(f"{r['file']}: {r['error']}", file=sys.stderr)
            db.execute("INSERT OR REPLACE INTO tracks (path, error) VALUES (?, ?)", (r["file"], r["error"]))
        else:
            seconds += r["duration"]
            db.execute("INSERT OR REPLACE INTO tracks VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (r["file"], r["duration"], r["windows"], r["label"], r["confidence"], r["valence"],
                        r["arousal"], r["content"]["music"] if r["content"] else None,
                        json.dumps(r["probabilities"]), json.dumps(r["content"])))
        db.commit()
    wall = time.monotonic() - start
    print(f"{len(files)} files, {seconds / 3600:.3f} h of audio in {wall:.2f} s", file=sys.stderr)


def classify_command(args):
    for r in results(args, list(audio_files(args.paths))):
        r.pop("duration", None)
        print(json.dumps(r))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("export", help="write the backbone's ONNX (needs torch)")
    p.add_argument("--model", default=str(ROOT / "models/moodd-4q.safetensors"))
    p.add_argument("--onnx", required=True)
    for name in ("scan", "classify"):
        p = sub.add_parser(name)
        p.add_argument("paths", nargs="+")
        p.add_argument("--model", default=str(ROOT / "models/moodd-4q.safetensors"))
        p.add_argument("--onnx", required=True)
        p.add_argument("--workers", type=int, default=os.cpu_count())
        p.add_argument("--threads", type=int, default=1, help="onnxruntime and BLAS threads per worker")
        p.add_argument("--batch", type=int, default=1,
                           help="patches per onnxruntime call (1 took less CPU than 16, and a third of the memory)")
        if name == "scan":
            p.add_argument("--db", required=True)
    args = ap.parse_args()
    if args.command == "export":
        export(args)
        return
    (scan if args.command == "scan" else classify_command)(args)


if __name__ == "__main__":
    main()
