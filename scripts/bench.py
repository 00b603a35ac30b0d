"""Runs moodd-bench and the same work in librosa on the same audio, one core each, and prints a table.

Every figure is a median over --repeats runs, in seconds of audio processed per second of CPU time of
the thread doing the work (so "500x" means one core keeps up with 500 live streams). Both sides run
pinned to one CPU with one thread, in the same invocation, so the ratio is meaningful on a noisy machine.
"""
import argparse
import os
import subprocess
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402  (after the thread settings)


def pin_to_one_cpu():
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def swift(bench, stage, path, repeats):
    """moodd-bench prints one line: stage, audio seconds, median thread-CPU seconds."""
    cpu = str(sorted(os.sched_getaffinity(0))[0])
    out = subprocess.run(["taskset", "-c", cpu, bench, stage, path, "--repeats", str(repeats)],
                         check=True, capture_output=True, text=True).stdout.split()
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", required=True, help="path to the release moodd-bench")
    parser.add_argument("--file", default="examples/demo.ogg", help="audio to run on")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
