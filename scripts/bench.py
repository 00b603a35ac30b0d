"""Runs moodd-bench and the same work in the reference stacks on the same input, one core each; prints tables.

Front end: a median over --repeats runs, in seconds of audio processed per second of CPU time of the
thread doing the work (so "500x" means one core keeps up with 500 live streams), moodd against librosa.
CNN (--cnn): milliseconds per 3-s patch, one patch at a time on one thread, moodd's engine against numpy,
PyTorch and onnxruntime running the same network with the same weights on the same patches; and the
sgemm rate OpenBLAS reaches here, which bounds what a GEMM-based engine can do. Everything runs pinned to
one CPU, in the same invocation, so the ratios are meaningful on a noisy machine.
"""
import argparse
import os
import json
import subprocess
import sys
import tempfile
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402  (after the thread settings)


def pin_to_one_cpu():
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def pinned(*command):
    cpu = str(sorted(os.sched_getaffinity(0))[0])
    return subprocess.run(["taskset", "-c", cpu, *command], check=True, capture_output=True, text=True).stdout


def swift(bench, stage, path, repeats):
    """moodd-bench prints one line: stage, audio seconds, median thread-CPU seconds."""
    out = pinned(bench, stage, path, "--repeats", str(repeats)).split()
    return float(out[1]) / float(out[2])


def median_cpu(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.thread_time()
        fn()
        times.append(time.thread_time() - start)
    return float(np.median(times))


def librosa_rates(path, repeats):
    import librosa

    y, sr = librosa.load(path, sr=16000)
    seconds = len(y) / 16000

    def frontend():
        mel = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=512, hop_length=256, n_mels=96)
        return np.log10(1 + 10000 * mel).astype(np.float32)

    def decode():
        return librosa.load(path, sr=16000)

    def both():
        y2, _ = librosa.load(path, sr=16000)
        mel = librosa.feature.melspectrogram(y=y2, sr=16000, n_fft=512, hop_length=256, n_mels=96)
        return np.log10(1 + 10000 * mel)

    frontend(), decode()  # warm-up: numba compilation, caches
    return {
        "frontend": seconds / median_cpu(frontend, repeats),
        "decode": seconds / median_cpu(decode, repeats),
        "decode+frontend": seconds / median_cpu(both, repeats),
    }


def cnn_tables(args):
    """The engine (pruned and full) vs numpy / PyTorch / onnxruntime on the file's patches, and sgemm."""
    bench, moodd = os.path.join(args.bin, "moodd-bench"), os.path.join(args.bin, "moodd")
    model = "models/msd_musicnn.safetensors"
    with tempfile.TemporaryDirectory() as tmp:
        features = os.path.join(tmp, "features.npy")
        subprocess.run([moodd, "features", args.file, "--npy", features], check=True)
        frames = np.load(features)
        patches = np.stack([frames[k:k + 187] for k in range(0, frames.shape[0] - 186, 93)])
        path = os.path.join(tmp, "patches.npy")
        np.save(path, patches.astype(np.float32))
        repeats = max(3, args.repeats // 3)
        full = pinned(bench, "cnn", path, model, "--repeats", str(repeats), "--full").split()
        pruned = pinned(bench, "cnn", path, model, "--repeats", str(repeats)).split()
        ours = np.load(path.replace(".npy", ".swift_penultimate.npy"))
        square, timbral = map(float, pinned(bench, "sgemm", "--repeats", str(args.repeats)).split()[1:])
        ref = json.loads(pinned(args.torch_python, "scripts/bench_cnn.py", "--model", model, "--patches", path,
                                "--repeats", str(repeats)))
        reference = np.load(path.replace(".npy", ".numpy_penultimate.npy"))
    macs_full, macs_pruned = 1_398_553_584, int(pruned[3])
    limit_ms = 2 * macs_full / (square * 1e9) * 1e3
    rows = [("moodd engine, dead channels skipped (default)", float(pruned[2]), float(np.abs(ours - reference).max()),
             f"{macs_pruned / 1e6:,.0f} M"),
            ("moodd engine, every channel computed", float(full[2]), None, f"{macs_full / 1e6:,.0f} M")]
    for name in ("numpy", "torch", "onnxruntime"):
        label = {"numpy": "numpy (training/musicnn_numpy.py)", "torch": f"PyTorch {ref['torch']['version']}",
                 "onnxruntime": f"onnxruntime {ref['onnxruntime']['version']}"}[name]
        rows.append((label, ref[name]["ms"], ref[name]["max_abs_diff"], f"{macs_full / 1e6:,.0f} M"))
    fastest_ref = min(ref[n]["ms"] for n in ("numpy", "torch", "onnxruntime"))
    print(f"\nCNN: {len(patches)} patches of 187 x 96 from {args.file}; ms per patch, batch 1, one thread, "
          f"median of {repeats} passes\n")
    print("| stack | ms / patch | x fastest reference | embedding max abs diff vs numpy | MACs / patch |")
    print("|---|---:|---:|---:|---:|")
    for label, ms, diff, macs in rows:
        shown = "reference" if diff == 0.0 else ("-" if diff is None else f"{diff:.1e}")
        print(f"| {label} | {ms:.2f} | {fastest_ref / ms:.2f} | {shown} | {macs} |")
    print(f"\nOpenBLAS sgemm, one thread: {square:.0f} GFLOP/s (1024^3), {timbral:.0f} GFLOP/s (the timbral "
          f"conv's shape). 1.40 GMAC per patch at {square:.0f} GFLOP/s = {limit_ms:.1f} ms: the full engine runs at "
          f"{float(full[2]) / limit_ms:.2f}x that bound, the default engine at {float(pruned[2]) / limit_ms:.2f}x.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True, help="the release build directory (moodd, moodd-bench)")
    parser.add_argument("--file", default="examples/demo.ogg", help="audio to run on")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--cnn", action="store_true", help="also benchmark the CNN (needs --torch-python)")
    parser.add_argument("--torch-python", help="a python with torch, onnx and onnxruntime")
    args = parser.parse_args()
    args.bench = os.path.join(args.bin, "moodd-bench")
    pin_to_one_cpu()

    ref = librosa_rates(args.file, args.repeats)
    rows = [
        ("log-mel front end (16 kHz samples in memory -> frames)", "frontend"),
        ("decode + mono + resample to 16 kHz", "decode"),
        ("decode + resample + log-mel (what `moodd features` does)", "decode+frontend"),
    ]
    print(f"file: {args.file}; {args.repeats} repeats; medians; one core, one thread each\n")
    print("| stage | moodd (x real time) | librosa 0.11 (x real time) | moodd / librosa |")
    print("|---|---:|---:|---:|")
    for title, stage in rows:
        ours = swift(args.bench, stage, args.file, args.repeats)
        print(f"| {title} | {ours:,.0f} | {ref[stage]:,.0f} | {ours / ref[stage]:.1f} |")
    sys.stdout.flush()
    if args.cnn:
        cnn_tables(args)


if __name__ == "__main__":
    main()
