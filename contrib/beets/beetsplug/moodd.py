"""beets plugin: moodd's mood, valence and arousal as flexible attributes.

    plugins: moodd
    moodd:
        db: ~/.local/share/moodd/library.db     # what `moodd scan` wrote
        classify: no                           # yes: run `moodd classify` for items the database lacks
        command: moodd

`beet moodd [QUERY]` sets, on each matching item, `mood` (moodd's label: happy, angry, sad, relaxed,
or speech/noise/silence for what is less than half music), `mood_confidence`, `valence` and `arousal`
(-1..1, absent without music). Then `beet ls mood:relaxed`, `beet ls valence:0.3..` and smart playlists
work as with any field. Items neither in the database nor classifiable are listed and left alone.
"""
import json
import os
import sqlite3
import subprocess

from beets import dbcore, ui
from beets.plugins import BeetsPlugin
from beets.util import displayable_path, syspath


class MooddPlugin(BeetsPlugin):
    item_types = {
        "mood_confidence": dbcore.types.FLOAT,
        "valence": dbcore.types.FLOAT,
        "arousal": dbcore.types.FLOAT,
    }

    def __init__(self):
        super().__init__()
        self.config.add({"db": "~/.local/share/moodd/library.db", "classify": False, "command": "moodd"})

    def commands(self):
        cmd = ui.Subcommand("moodd", help="store moodd's mood, valence and arousal on items")
        cmd.parser.add_option("--db", help="moodd scan's database (default: the plugin's db setting)")
        cmd.parser.add_option("--classify", action="store_true", default=None,
                              help="run `moodd classify` for items the database does not have")
        cmd.func = self.run
        return [cmd]

    def run(self, lib, opts, args):
        db_path = os.path.expanduser(opts.db or self.config["db"].as_str())
        classify = self.config["classify"].get(bool) if opts.classify is None else opts.classify
        db = None
        if os.path.exists(db_path):
            db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        elif not classify:
            raise ui.UserError(f"{db_path}: no such moodd library database (run `moodd scan` or use --classify)")
        stored = missing = 0
        for item in lib.items(args):
            path = os.path.abspath(syspath(item.path))
            if isinstance(path, bytes):
                path = path.decode("utf-8", "surrogateescape")
            verdict = self.lookup(db, path) if db else None
            if verdict is None and classify:
                verdict = self.classify(path)
            if verdict is None:
                missing += 1
                self._log.info("no mood for {0}", displayable_path(item.path))
                continue
            label, confidence, valence, arousal = verdict
            item["mood"] = label
            item["mood_confidence"] = confidence
            for key, value in (("valence", valence), ("arousal", arousal)):
                if value is None:
                    if key in item:
                        del item[key]
                else:
                    item[key] = value
            item.store()
            stored += 1
        ui.print_(f"moodd: {stored} items updated, {missing} without a mood")

    @staticmethod
    def lookup(db, path):
        row = db.execute("SELECT label, confidence, valence, arousal, error FROM tracks WHERE path = ?", (path,)).fetchone()
        if row is None or row[4] is not None or row[0] is None:
            return None
        return row[0], row[1], row[2], row[3]

    def classify(self, path):
        command = self.config["command"].as_str()
        result = subprocess.run([command, "classify", "--json", path], capture_output=True, text=True)
        if result.returncode != 0:
            self._log.warning("{0}", result.stderr.strip())
            return None
        verdict = json.loads(result.stdout)
        return verdict["label"], verdict["confidence"], verdict.get("valence"), verdict.get("arousal")
