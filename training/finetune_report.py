"""
The fine-tuning page (training/reports/4q_finetune.md) from finetune.py's results: its table rows (which
evaluate.py also puts in 4q.md), each fold's choices, the parity with moodd, the cost.
"""
import json
import os

import numpy as np

from common import portable


def table_row(name, rows):
    keys = ("accuracy", "precision", "recall", "f1", "patch_accuracy", "arousal", "valence", "room_f1", "room_loss")
    stats = {k: [float(np.mean([r[k] for r in rows])), float(np.std([r[k] for r in rows]))] for k in keys if k in rows[0]}
    return f"| {name} | " + " | ".join(f"{100 * m:.1f} ± {100 * s:.1f}" for m, s in stats.values()) + " |", stats


def write_report(result, path, command):
    """the fine-tuning page: its table rows, each fold's choices, the parity with moodd, the cost"""
    L = ["# 4q: fine-tuning musicnn's later layers\n",
         f"Regenerate: `{portable(command)}`  ",
         f"Written by `training/finetune.py` at commit {result['commit']}; backbone `{result['model']}`.\n",
         "## Protocol\n",
         "- The same 5 outer folds as `4q.md` (stratified, grouped by artist, seed 0); inputs are moodd's log-mel "
         "frames (`moodd features`), 3-s patches at hop 93 frames; a clip is the mean of its patches' probabilities.",
         "- Trained: the mid end's three convs and the back end's 1506 -> 200 dense layer (the batch norms keep the "
         "file's numbers), with dropout and a linear head on the 200-d penultimate; cross-entropy per patch, Adam. "
         "The front end is frozen: 64 of its 561 channels are live (the rest are constants, as in the Swift engine), "
         f"computed once per patch ({'by PyTorch' if result.get('front') == 'torch' else 'by `moodd embed --layer front`'}) and cached.",
         f"- Each epoch draws, per training clip, one version (the original or one of its augmented copies: "
         f"{', '.join(result['augment']) or 'none'}) and {result['settings']['patches_per_clip_per_epoch']} of its "
         f"patches; batches of {result['settings']['batch']}; head lr {result['settings']['lr_head']}, "
         f"weight decay {result['settings']['head_weight_decay']}, dropout {result['settings']['dropout']}.",
         f"- Inside each outer training fold, a fifth of its artists is held out: the backbone's learning rate "
         f"(from {', '.join(map(str, result['settings']['lr_backbone']))}) and the epoch are chosen by the clip-level "
         f"validation loss (at most {result['settings']['max_epochs']} epochs, stopping after "
         f"{result['settings']['patience']} without improvement); then the network is trained again on all the fold's "
         "training clips for as many steps per clip. The test fold is used once.",
         "- The control trains only the head, by the same procedure, on the frozen backbone.\n",
         "## Results (clip level unless said)\n"]
    rooms = result.get("rooms")
    if rooms:
        L.insert(-2, "- Through a room: the test fold's clips are also scored through their copies through one of the "
                 "12 test rooms (`training/rooms.py`, made by `content_corpus.py --rooms`: the copies `4q.md` scores "
                 "through), never trained on; " + ("each clip's copy through one of the 24 training rooms is one more "
                 "version to draw from (augmentation `room`)." if "room" in result["augment"] else
                 "no room copy is trained on."))
    L += ["| variant | accuracy | macro-P | macro-R | macro-F1 | 3-s patch acc | arousal | valence |"
          + (" macro-F1 through a test room | loss (points) |" if rooms else ""),
          "|---|---|---|---|---|---|---|---|" + ("---|---|" if rooms else "")] + result["rows"] + [""]
    for name, r in result["folds"].items():
        L.append(f"{name}, per fold ({r['minutes']} min):\n")
        L.append("| fold | macro-F1 | 3-s patch acc | " + ("through a test room | " if rooms else "")
                 + "backbone lr | epochs |")
        L.append("|---|---|---|---|---|" + ("---|" if rooms else ""))
        for k, f in enumerate(r["folds"]):
            L.append(f"| {k + 1} | {100 * f['f1']:.1f} | {100 * f['patch_accuracy']:.1f} | "
                     + (f"{100 * f['room_f1']:.1f} | " if rooms else "")
                     + f"{f['lr_backbone'] or 'frozen'} | {f['epochs']} |")
        L.append("")
    if "parity" in result:
        p = result["parity"]
        L += ["## PyTorch against moodd\n",
              f"- Penultimate embedding of the file's own weights, PyTorch vs `moodd embed`, max |difference| over "
              f"every patch of {p.get('clips', 3)} clips: {p['penultimate_full']:.2g} (the whole network), "
              f"{p['penultimate_pruned']:.2g} (live front-end channels + the trainable layers, as trained)."
              + (f" The live front-end channels, PyTorch vs `moodd embed --layer front` (what the fine-tuning "
                 f"caches): {p['front']:.2g}." if "front" in p else "")]
        e = result.get("export", {})
        if e.get("parity", {}).get("fine_tuned_probabilities") is not None:
            L.append(f"- The exported fine-tuned file (`{e['file']}`): per-window probabilities of `moodd classify "
                     f"--json --timeline` vs PyTorch: {e['parity']['fine_tuned_probabilities']:.2g} (the JSON has 4 "
                     "decimals: 5e-5 is its rounding).")
        if e:
            L.append(f"- Its trained layers and head cost {e['macs_mid_back_head']:,} multiply-accumulates per patch "
                     f"as the engine computes them (live channels only); the front end is unchanged.")
        L.append("")
    shipped = os.path.join(os.path.dirname(path), "4q.json")
    if os.path.exists(shipped) and result["rows"]:
        with open(shipped) as f:
            name, cv = next(iter(json.load(f).items()))
        L += ["## For scale\n",
              f"The shipped pipeline (`4q.md`: frozen backbone, heads chosen by inner CV, main variant `{name}`) gets "
              f"{100 * cv['f1'][0]:.1f} ± {100 * cv['f1'][1]:.1f} macro-F1 on the same folds.\n"]
    with open(path, "w") as f:
        f.write("\n".join(L))
