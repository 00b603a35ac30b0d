"""
The shipped content head: chosen by leave-one-fold-out CV over every fold of the content corpus, trained
on all of it, and written into a model file beside that file's other heads (docs/model-format.md, "Heads").
"""
import collections

import numpy as np

import config
import content
import export
import heads
from common import git_commit

def export_content_head(corpus, layers, path, jobs=1, target=content.MUSIC_RECALL):
    """-> a description of the exported head for the report"""
    folds = sorted(set(corpus.fold.tolist()))
    variants = corpus.training_variants()
    best, scores, refit, offset = content.choose(corpus, folds, layers, variants, jobs, target)
    head = refit[best] if best in refit else content.fit(corpus, corpus.train_mask(folds), best, variants)
    head = content.with_music_offset(head, offset)
    recall = content.validation_music_recall(corpus, head, best) if corpus.validation else None
    head = corpus.full_head(head, best[0])
    groups = collections.Counter(r["label"] for r in corpus.rows)
    layer, context = content.split_input(best[0])
    info = {"name": "content", "input": layer, "labels": content.LABELS,
            "dataset": "content corpus (training/content_corpus.py): " + ", ".join(f"{n} {l} items" for l, n in sorted(groups.items())),
            "head": f"{best[1]} {best[2]:g}, music logit {offset:+.2f}",
            "augmentation": ["rooms: each item also through one of rooms.py's training rooms"] if "train" in variants else [],
            "cv": {"protocol": f"{len(folds)} folds grouped by artist / speaker / voice / sound package / recording; "
                               "leave-one-fold-out head choice by window macro-F1; the music logit offset "
                               f"that makes {100 * target:g} % of the held-out music windows music"}}
    if context > 0:
        info["context_seconds"] = context
    export.export(config.BACKBONE_MODEL, [(head, info)], path, git_commit(), keep_other_heads=True)
    content.log(f"exported content head {best} into {path}")
    return {"path": path, "candidate": best, "music_offset": offset, "music_recall_target": target,
            "validation_music_recall": recall, "inner": {f"{l} {k} {p:g}": round(s, 4) for (l, k, p), s in scores.items()},
            "live_inputs": head["live_inputs"], "inputs": int(head["mean"].size), "macs": heads.head_macs(head)}
