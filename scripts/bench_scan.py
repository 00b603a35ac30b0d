"""moodd scan's throughput, rescan time and peak memory, side by side in one run (issue 15's goals).

    python3 scripts/bench_scan.py --bin .build/release [--files 24] [--small 1000] [--python PYTHON]

A library of --files copies of examples/demo.ogg (40 s of music each; copies decode like distinct
files) is scanned into a fresh database with --jobs 1 and then --jobs 2; a second library of --small
0.5-s files is scanned once and then rescanned unchanged. Prints a Markdown table: wall time, hours of
audio per minute (in all and per core), the speed-up of 2 jobs over 1, the rescan time and the peak RSS
of each run (the largest resident set of the scan process, from wait4's rusage).

With --python (a Python with librosa, onnxruntime and torch: scripts/bench --scan makes one), the same
library also goes through scripts/scan_python.py, what a Python user would write for the same result
(librosa + musicnn in onnxruntime + the heads), with all cores two ways (2 worker processes of 1 thread,
1 process of 2 threads) and on 1 core; its ONNX file is exported once beforehand, untimed. Rows add the
CPU time (user + system, children included); the ratios compare moodd --jobs 2 with the faster Python
run on all cores, and moodd --jobs 1 with Python on 1 core; each file's label and probabilities are
checked against moodd's.
"""
import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import tempfile
import time
import wave

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, cpu=None):
    """wall seconds and peak RSS (MiB) of one child process; `cpu` (a list) receives its CPU seconds,
    user + system, its own children's included"""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {err.strip()}")
    if cpu is not None:
        cpu.append(usage.ru_utime + usage.ru_stime)
    return wall, usage.ru_maxrss / 1024, err


def results(db):
    """{file name: (label, probabilities dict or None)}"""
    rows = sqlite3.connect(db).execute("SELECT path, label, probabilities FROM tracks")
    return {os.path.basename(p): (label, json.loads(probs) if probs else None) for p, label, probs in rows}


def agreement(moodd_db, python_db):
    """(files whose labels differ, max abs difference of a probability) between two scans"""
    a, b = results(moodd_db), results(python_db)
    assert a.keys() == b.keys(), (len(a), len(b))
    differ = sum(a[f][0] != b[f][0] for f in a)
    worst = max((abs(a[f][1][k] - b[f][1][k]) for f in a if a[f][1] for k in a[f][1]), default=0.0)
    return differ, worst


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bin", default=os.path.join(REPO, ".build/release"))
    ap.add_argument("--files", type=int, default=24)
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--python", help="a Python with librosa, onnxruntime and torch: adds the Python pipeline")
    ap.add_argument("--model", default=os.path.join(REPO, "models/moodd-4q.safetensors"))
    args = ap.parse_args()
    moodd = os.path.join(args.bin, "moodd")
    tmp = tempfile.mkdtemp(prefix="moodd-bench-scan-")
    try:
        music = os.path.join(tmp, "music")
        os.makedirs(music)
        demo = os.path.join(REPO, "examples/demo.ogg")
        for i in range(args.files):
            shutil.copy(demo, os.path.join(music, f"{i:04d}.ogg"))
        rows = []
        walls, moodd_cpu = {}, {}
        for jobs in (1, 2):
            db = os.path.join(tmp, f"jobs{jobs}.db")
            cpu = []
            wall, rss, _ = run([moodd, "scan", music, "--db", db, "--jobs", str(jobs), "--model", args.model], cpu)
            moodd_cpu[jobs] = cpu[0]
            (seconds,) = sqlite3.connect(db).execute("SELECT SUM(duration) FROM tracks").fetchone()
            walls[jobs] = wall
            rate = seconds / 3600 / (wall / 60)
            rows.append((f"moodd scan, --jobs {jobs}, {args.files} files ({seconds / 60:.1f} min of audio)",
                         f"{wall:.2f}", f"{rate:.2f}", f"{rate / jobs:.2f}", f"{cpu[0]:.1f}", f"{rss:.0f}"))
        python_walls, python_cpu = {}, {}
        checks = []
        if args.python:
            script = os.path.join(REPO, "scripts/scan_python.py")
            onnx = os.path.join(tmp, "musicnn-pooled.onnx")
            run([args.python, script, "export", "--model", args.model, "--onnx", onnx])
            for workers, threads in ((2, 1), (1, 2), (1, 1)):
                db = os.path.join(tmp, f"python-{workers}x{threads}.db")
                cpu = []
                wall, rss, _ = run([args.python, script, "scan", music, "--db", db, "--model", args.model,
                                    "--onnx", onnx, "--workers", str(workers), "--threads", str(threads)], cpu)
                python_walls[workers, threads] = wall
                python_cpu[workers, threads] = cpu[0]
                cores = workers * threads
                rate = seconds / 3600 / (wall / 60)
                rows.append((f"Python, {workers} process{'es' if workers > 1 else ''} x {threads} "
                             f"thread{'s' if threads > 1 else ''}, same files", f"{wall:.2f}", f"{rate:.2f}",
                             f"{rate / cores:.2f}", f"{cpu[0]:.1f}", f"{rss:.0f}"))
                checks.append(agreement(os.path.join(tmp, "jobs2.db"), db))
        small = os.path.join(tmp, "small")
        os.makedirs(small)
        frames = b"\x00\x00" * 8000
        for i in range(args.small):
            with wave.open(os.path.join(small, f"{i:05d}.wav"), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(16000)
                w.writeframes(frames)
        db = os.path.join(tmp, "small.db")
        wall, rss, _ = run([moodd, "scan", small, "--db", db])
        rows.append((f"moodd scan, {args.small} files of 0.5 s", f"{wall:.2f}", "", "", "", f"{rss:.0f}"))
        wall, rss, err = run([moodd, "scan", small, "--db", db])
        assert f"{args.small} unchanged" in err, err
        rows.append((f"moodd rescan, {args.small} files unchanged", f"{wall:.2f}", "", "", "", f"{rss:.0f}"))
        print(f"moodd scan, {os.cpu_count()} cores, {moodd}\n")
        print("| run | wall (s) | h of audio / min | per core | CPU (s) | peak RSS (MiB) |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
        print(f"\n--jobs 2 over --jobs 1: {walls[1] / walls[2]:.2f}x")
        if python_walls:
            best = min(((2, 1), (1, 2)), key=python_walls.get)
            print(f"moodd scan --jobs 2 over Python on all cores (the faster, {best[0]} x {best[1]}): "
                  f"{python_walls[best] / walls[2]:.2f}x")
            print(f"moodd scan --jobs 1 over Python on 1 core: {python_walls[1, 1] / walls[1]:.2f}x")
            print(f"CPU time, Python over moodd (less sensitive to other load on the machine): all cores "
                  f"{python_cpu[best] / moodd_cpu[2]:.2f}x, 1 core {python_cpu[1, 1] / moodd_cpu[1]:.2f}x")
            differ = sum(d for d, _ in checks)
            worst = max(w for _, w in checks)
            print(f"agreement with moodd: {differ} of {3 * args.files} labels differ; probabilities within "
                  f"{worst:.1e} (moodd stores 4 decimals)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
