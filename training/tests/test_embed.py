"""training/embed.py with a fake moodd binary: arguments, cache, shape check."""
import os
import stat
import sys

import numpy as np
import pytest

import embed

FAKE = """#!{python}
import sys, numpy as np
args = sys.argv[1:]
open({log!r}, "a").write(" ".join(args) + "\\n")
out = args[args.index("--npy") + 1]
rows = 0 if "empty" in args[1] else 3
np.save(out, np.full((rows, {dim}), 0.5, np.float32))
"""

@pytest.fixture
def fake_moodd(tmp_path):
    log = str(tmp_path / "calls.log")
    path = tmp_path / "moodd"
    path.write_text(FAKE.format(python=sys.executable, log=log, dim=200))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path), log

def test_embed_calls_binary_once_then_caches(tmp_path, fake_moodd):
    binary, log = fake_moodd
    model = tmp_path / "m.safetensors"
    model.write_bytes(b"weights")
    e = embed.Embedder(str(model), hop=93, binary=binary, cache=str(tmp_path / "cache"))
    a = e("/music/song.mp3", "ds/Q1/song")
    b = e("/music/song.mp3", "ds/Q1/song")
    assert a.shape == (3, 200) and np.array_equal(a, b)
    calls = open(log).read().splitlines()
    assert calls == [f"embed /music/song.mp3 --npy {e.cache_path('ds/Q1/song')}.{os.getpid()}.tmp.npy "
                     f"--hop-frames 93 --model {model}"]
    model.write_bytes(b"other weights")                  # a new model: a new cache folder
    assert embed.Embedder(str(model), binary=binary, cache=str(tmp_path / "cache")).dir != e.dir

def test_bad_output_and_missing_binary(tmp_path, fake_moodd):
    binary, _ = fake_moodd
    model = tmp_path / "m.safetensors"
    model.write_bytes(b"w")
    e = embed.Embedder(str(model), binary=binary, cache=str(tmp_path / "c"))
    with pytest.raises(ValueError, match="shape"):
        e("/music/empty.wav", "k")
    assert not os.path.exists(e.cache_path("k"))
    with pytest.raises(FileNotFoundError):
        embed.Embedder(str(model), binary=str(tmp_path / "nope"), cache=str(tmp_path / "c"))("/a.wav", "k2")
