"""
training/reports/content.md and content.json: the content head's cross-validation, written by content.py.
"""
import collections
import datetime
import json
import os

import numpy as np

import config
import content
from evaluate import git_commit

BACKBONE_MACS = 1_398_553_584

def mean_std(values):
    v = np.asarray(values, float)
    return f"{100 * v.mean():.1f} ± {100 * v.std():.1f}"

def pct(values, digits=2):
    v = np.asarray(values, float)
    return f"{100 * v.mean():.{digits}f} ± {100 * v.std():.{digits}f}"

def write(path, corpus, results, final):
    L = content.LABELS
    rows = corpus.rows
    L_ = []
    w = L_.append
    w("# Content head: music, speech or other sound\n")
    w(f"Written by `training/content.py` on {datetime.date.today()} at commit {git_commit()}; regenerate with "
      "`training/run_content.sh`. A 3-s window (187 log-mel frames, the daemon's patch) is classified from "
      "the backbone's activations that moodd already computes, so the head adds no second network.\n")
    w("## Data\n")
    w(f"{len(rows)} items in {len({r['group'] for r in rows})} groups, {len(corpus.y):,} windows "
      "(every 1.5 s; training uses every 2nd). Folds: every artist, speaker, voice, sound-effect package and "
      "generated recording is in one fold only; mixtures are made inside a fold from that fold's items.\n")
    w("| class | source | items | windows |")
    w("|---|---|---|---|")
    per = collections.Counter((r["label"], r["source"]) for r in rows)
    wins = collections.Counter((rows[i]["label"], rows[i]["source"]) for i in corpus.item)
    for (label, src), n in sorted(per.items(), key=lambda kv: (L.index(kv[0][0]), kv[0][1])):
        w(f"| {label} | {src} | {n} | {wins[(label, src)]:,} |")
    w("")
    w("## Cross-validation (mean ± std over the folds)\n")
    w("| class | precision | recall | F1 |")
    w("|---|---|---|---|")
    for c in L:
        w(f"| {c} | {mean_std([r[c]['precision'] for r in results])} | {mean_std([r[c]['recall'] for r in results])} "
          f"| {mean_std([r[c]['f1'] for r in results])} |")
    w(f"| macro | | | {mean_std([r['macro_f1'] for r in results])} |\n")
    conf = np.array([np.array(r["confusion"]) / np.array(r["confusion"]).sum(1, keepdims=True) for r in results])
    w("Confusion (rows: truth, columns: the head's window label; % of the row, mean ± std over folds):\n")
    w("| | " + " | ".join(L) + " |")
    w("|---|" + "---|" * len(L))
    for i, c in enumerate(L):
        w(f"| {c} | " + " | ".join(f"{100 * conf[:, i, j].mean():.2f} ± {100 * conf[:, i, j].std():.2f}" for j in range(3)) + " |")
    w("")
    w("## Against the goals\n")
    w("| | measured | goal |")
    w("|---|---|---|")
    w(f"| music windows recognised as music | {pct([r['music_recall'] for r in results])} % | ≥ 98 % |")
    w(f"| speech windows called music | {pct([r['speech_called_music'] for r in results])} % | ≤ 3 % |")
    w(f"| noise windows called music | {pct([r['noise_called_music'] for r in results])} % | ≤ 3 % |")
    w(f"| non-music windows that would be claimed as a mood | {pct([r['nonmusic_called_music'] for r in results])} % | |")
    bad = [i for r in results for i in r["nonmusic_files_called_music"]]
    missed = [i for r in results for i in r["music_files_called_nonmusic"]]
    files = sum(r["files"] for r in results)
    w(f"| non-music files called music (mean of windows) | {len(bad)} of {sum(1 for r in rows if r['label'] != 'music')} | 0 |")
    w(f"| music files called non-music | {len(missed)} of {sum(1 for r in rows if r['label'] == 'music')} | |")
    if final:
        w(f"| cost | {final['macs']:,} multiply-accumulates per window = {100 * final['macs'] / BACKBONE_MACS:.4f} % of the backbone's | < 1 % |")
    w("")
    if bad or missed:
        w("Files on the wrong side: " + ", ".join(f"`{i}`" for i in bad + missed) + ".\n")
    w("## Windows by source (test folds; % called music / speech / noise)\n")
    w("| source | class | windows | music | speech | noise |")
    w("|---|---|---|---|---|---|")
    by = collections.defaultdict(lambda: np.zeros(3))
    for r in results:
        for src, counts in r["by_source"].items():
            by[src] += counts
    label_of = {r["source"]: r["label"] for r in rows}
    for src in sorted(by, key=lambda s: (L.index(label_of[s]), s)):
        v = by[src]
        w(f"| {src} | {label_of[src]} | {int(v.sum()):,} | " + " | ".join(f"{100 * x / v.sum():.2f}" for x in v) + " |")
    w("")
    w("## Heads chosen\n")
    w("| fold | input | head | inner macro-F1 | test macro-F1 |")
    w("|---|---|---|---|---|")
    for k, r in enumerate(results):
        ch = r["chosen"]
        w(f"| {k} | {ch['layer']} | {ch['kind']} {ch['param']:g} | {100 * ch['inner_f1']:.1f} | {100 * r['macro_f1']:.1f} |")
    w("")
    if final:
        layer, kind, param = final["candidate"]
        w(f"Shipped in `{os.path.relpath(final['path'], config.REPO)}` as head `content`: {kind} {param:g} on `{layer}` "
          f"({final['live_inputs']} of {final['inputs']} inputs live), chosen by leave-one-fold-out CV on all folds "
          "(window macro-F1: " + ", ".join(f"{k} {100 * v:.1f}" for k, v in final["inner"].items()) + ").\n")
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(L_) + "\n")
    os.replace(path + ".tmp", path)
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        json.dump({"folds": results, "final": {k: v for k, v in (final or {}).items() if k != "path"}}, f, indent=1, default=str)
