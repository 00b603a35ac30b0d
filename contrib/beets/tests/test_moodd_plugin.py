"""The plugin against the real beets: import generated audio files into a beets library, scan them
with the built moodd, store the moods, query them. MOODD_BIN names the moodd to use."""
import os
import shutil
import subprocess
import sys
import wave

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
MOODD = os.environ.get("MOODD_BIN", os.path.join(REPO, ".build", "debug", "moodd"))
BEET = os.path.join(os.path.dirname(sys.executable), "beet")


@pytest.fixture
def station(tmp_path):
    """a music folder (two copies of the demo, a second of silence), a beets library that imported
    it as is, and moodd's database of it"""
    music = tmp_path / "music"
    (music / "album").mkdir(parents=True)
    for name in ("album/one.ogg", "two.ogg"):
        shutil.copy(os.path.join(REPO, "examples", "demo.ogg"), music / name)
    with wave.open(str(music / "quiet.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0\0" * 16000 * 4)
    config = tmp_path / "beets"
    config.mkdir()
    (config / "config.yaml").write_text(
        f"directory: {music}\nlibrary: {tmp_path / 'beets.db'}\n"
        f"pluginpath: [{os.path.join(os.path.dirname(HERE), 'beetsplug')}]\nplugins: moodd\n"
        f"moodd:\n    db: {tmp_path / 'moodd.db'}\n    command: {MOODD}\n"
        "import:\n    copy: no\n    write: no\n    autotag: no\n    quiet: yes\n    duplicate_action: keep\n")
    env = dict(os.environ, BEETSDIR=str(config))
    beet = lambda *args: subprocess.run([BEET, *args], env=env, capture_output=True, text=True, check=True).stdout
    beet("import", "-A", str(music))
    subprocess.run([MOODD, "scan", str(music), "--db", str(tmp_path / "moodd.db")], capture_output=True, check=True)
    return music, beet


def test_moods_become_fields_beets_can_query(station):
    music, beet = station
    out = beet("moodd")
    assert "3 items updated, 0 without a mood" in out
    demo_label = subprocess.run([MOODD, "classify", "--json", str(music / "two.ogg")], capture_output=True,
                                text=True, check=True).stdout
    import json
    label = json.loads(demo_label)["label"]
    listed = beet("ls", "-p", f"mood:{label}").split("\n")
    assert sorted(p for p in listed if p) == [str(music / "album" / "one.ogg"), str(music / "two.ogg")]
    assert beet("ls", "-p", "mood:silence").strip() == str(music / "quiet.wav")
    fields = beet("ls", "-f", "$mood $mood_confidence $valence $arousal", "path:" + str(music / "two.ogg")).split()
    assert fields[0] == label and 0 < float(fields[1]) <= 1
    assert -1 <= float(fields[2]) <= 1 and -1 <= float(fields[3]) <= 1
    # A float field: range queries work.
    v = float(fields[2])
    assert str(music / "two.ogg") in beet("ls", "-p", f"valence:{v - 0.01}..{v + 0.01}")


def test_an_item_the_database_lacks_is_classified_when_asked(station, tmp_path):
    music, beet = station
    os.remove(tmp_path / "moodd.db")
    assert "1 items updated, 0 without a mood" in beet("moodd", "--classify", "path:" + str(music / "two.ogg"))
    assert beet("ls", "-p", "mood::.+").strip() == str(music / "two.ogg")


def test_no_database_and_no_classify_is_one_clear_error(station, tmp_path):
    music, beet = station
    os.remove(tmp_path / "moodd.db")
    with pytest.raises(subprocess.CalledProcessError) as failure:
        beet("moodd")
    assert "no such moodd library database" in failure.value.stderr
