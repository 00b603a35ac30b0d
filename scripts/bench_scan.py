"""moodd scan's throughput, rescan time and peak memory, side by side in one run (issue 15's goals).

    python3 scripts/bench_scan.py --bin .build/release [--files 24] [--small 1000]

A library of --files copies of examples/demo.ogg (37 s of music each; copies decode like distinct
files) is scanned into a fresh database with --jobs 1 and then --jobs 2; a second library of --small
0.5-s files is scanned once and then rescanned unchanged. Prints a Markdown table: wall time, hours of
audio per minute (in all and per job), the speed-up of 2 jobs over 1, the rescan time and the peak RSS
of each run (the largest resident set of the scan process, from wait4's rusage).
"""
import argparse
import os
import resource
import shutil
import subprocess
import tempfile
import time
import wave

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd):
    """wall seconds and peak RSS (MiB) of one child process"""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    err = proc.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {err.strip()}")
    return wall, usage.ru_maxrss / 1024, err


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bin", default=os.path.join(REPO, ".build/release"))
    ap.add_argument("--files", type=int, default=24)
    ap.add_argument("--small", type=int, default=1000)
    args = ap.parse_args()
    moodd = os.path.join(args.bin, "moodd")
    tmp = tempfile.mkdtemp(prefix="moodd-bench-scan-")
    try:
        music = os.path.join(tmp, "music")
        os.makedirs(music)
        demo = os.path.join(REPO, "examples/demo.ogg")
        for i in range(args.files):
            shutil.copy(demo, os.path.join(music, f"{i:04d}.ogg"))
        seconds = args.files * 37.4
        rows = []
        walls = {}
        for jobs in (1, 2):
            db = os.path.join(tmp, f"jobs{jobs}.db")
            wall, rss, _ = run([moodd, "scan", music, "--db", db, "--jobs", str(jobs)])
            walls[jobs] = wall
            rate = seconds / 3600 / (wall / 60)
            rows.append((f"scan, --jobs {jobs}, {args.files} files ({seconds / 60:.1f} min of audio)",
                         f"{wall:.2f}", f"{rate:.2f}", f"{rate / jobs:.2f}", f"{rss:.0f}"))
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
        rows.append((f"scan, {args.small} files of 0.5 s", f"{wall:.2f}", "", "", f"{rss:.0f}"))
        wall, rss, err = run([moodd, "scan", small, "--db", db])
        assert f"{args.small} unchanged" in err, err
        rows.append((f"rescan, {args.small} files unchanged", f"{wall:.2f}", "", "", f"{rss:.0f}"))
        print(f"moodd scan, {os.cpu_count()} cores, {moodd}\n")
        print("| run | wall (s) | h of audio / min | per job | peak RSS (MiB) |")
        print("|---|---|---|---|---|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
        print(f"\n--jobs 2 over --jobs 1: {walls[1] / walls[2]:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
