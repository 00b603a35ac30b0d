"""
What every training script shares: progress lines on stderr, the commit a report was written at, and
writing a report so that a crash never leaves half a file.
"""
import os
import subprocess
import sys
import time

import config

def log(*a):
    """a progress line on stderr, time-stamped"""
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)

def git_commit():
    """the repository's short HEAD, or 'unknown' outside a git checkout"""
    try:
        return subprocess.run(["git", "-C", config.REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"

def portable(text):
    """text with this machine's dataset and cache roots written as $MOODD_DATA and $MOODD_CACHE, and the
    repository's path made relative: what a committed report may say about where things are"""
    for root, name in ((config.CACHE, "$MOODD_CACHE"), (config.DATA, "$MOODD_DATA")):
        if root:
            text = text.replace(os.path.normpath(root), name)
    return text.replace(config.REPO + os.sep, "")

def write_atomic(path, text):
    """path gets text whole or not at all (a temporary file renamed over it)"""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
