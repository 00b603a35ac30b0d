"""
Cross-validated evaluation of mood heads on moodd's embeddings, the report, and the shipped head.

    python training/evaluate.py --dataset $MOODD_DATA/MER_audio_taffc_dataset --preset 4q --augment noise,stretch,shift,pitch \
        --rooms $MOODD_CACHE/content --validation $MOODD_DATA/musifeast17 \
        --name 4q --report training/reports/4q.md --export models/moodd-4q.safetensors

The protocol is mood_cv.py's (nested grouped CV; the test fold is scored clean and through test rooms; a
validation set of other music tells near-equal heads apart); the report is mood_report.py's. training/run_4q.sh
runs this with the shipped settings.

`--augment ...,room1,room2` adds further copies of every training clip through rooms.py's training rooms (one
room per clip and kind). Each variant's CV results are kept under $MOODD_CACHE/reports/NAME-variants/, named by
everything they depend on: a rerun that adds an augmentation recomputes only the variants that use it
(`--fresh` recomputes all).
"""
import argparse
import hashlib
import json
import os
import pickle
import sys

import numpy as np

import augment
import config
import dataset
import heads
import mood_report
from common import git_commit, log, write_atomic
from embed import Embedder, file_digest
from mood_cv import (Validation, as_layers, choose_input_and_fit, cross_validate, dataset_key, describe,
                     embed_augmented, embed_clips, embed_rooms, fit)

def variant_cache_path(args, aug, cands, validation, curve, rooms):
    """where one variant's CV results are kept, named by everything they depend on (the clips, the inputs and
    augmentation kinds, the candidates, the validation set, the protocol's constants, the backbone), so that a
    rerun recomputes only the variants whose inputs changed; --fresh ignores it"""
    kinds = sorted(next(iter(aug.values())).keys()) if aug else []
    spec = {"clips": args.clip_ids, "layers": args.layer, "kinds": kinds, "candidates": [list(c) for c in cands],
            "validation": [validation.name, len(validation.valence)] if validation is not None else None,
            "curve": curve, "rooms": rooms, "model": file_digest(args.model), "engine": args.engine,
            "protocol": [config.SEED, config.OUTER_FOLDS, config.INNER_FOLDS, config.TRAIN_STRIDE, config.NEAR_F1,
                         config.HOP_FRAMES, config.AUG_HOP_FRAMES, list(config.LR_C), list(config.MLP_HIDDEN),
                         list(config.MLP_ALPHA), config.MLP_MAX_ITER, config.DEAD_INPUT_STD]}
    digest = hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
    return os.path.join(config.CACHE, "reports", f"{args.name}-variants", digest + ".pkl")

def load_validation(root, layers, model, engine, exclude_artists):
    """MUSIFEAST-17 (transfer.py's reader): its clips whose artists are not in the training data, embedded
    per layer -> (Validation, description)"""
    import transfer
    rows = transfer.read_ratings(os.path.join(root, "data", "MUSIFEAST17_all.csv"))
    kept = [r for r in rows if r["artist"].lower() not in exclude_artists]
    emb = {}
    for layer in layers:
        e = Embedder(model, engine=engine, layer=layer)
        emb[layer] = [e(os.path.join(root, "stimuli", r["id"] + ".mp3"), f"transfer/{r['id']}") for r in kept]
    desc = (f"MUSIFEAST-17 (van der Walle et al. 2025; instrumental excerpts of 17 genres, each rated for valence "
            f"and arousal by ~34 listeners), {len(kept)} of {len(rows)} clips ({len(rows) - len(kept)} left out: "
            "their artists are in the training data)")
    return Validation(emb, np.array([r["valence"] for r in kept]), np.array([r["arousal"] for r in kept]),
                      "MUSIFEAST-17"), desc

def candidate_table(embs, augs, y, n_classes, labels, cands, inner, rho, best, layer, validation):
    """markdown: every candidate head trained on all clips, its inner macro-F1 and how it ranks the
    validation music (the candidates the choice did not fit are fitted here, for the table only)"""
    idx = np.arange(len(y))
    L = [f"Every candidate trained on all clips, on {validation.name} (Spearman against the listeners):\n",
         "| input | head | inner macro-F1 | arousal ρ | valence ρ |", "|---|---|---|---|---|"]
    for l in embs:
        for c in cands:
            if (l, c) not in rho:
                rho[l, c] = validation.spearman(fit(idx, embs[l], y, augs[l], n_classes, c, config.SEED), l, labels)
            mark = "**" if (l, c) == (layer, best) else ""
            L.append(f"| {mark}{l}{mark} | {mark}{c[0]} {c[1]:g}{mark} | {100 * inner[l, c]:.1f} | {rho[l, c][1]:.3f} | "
                     f"{rho[l, c][0]:.3f} |")
    return "\n".join(L) + "\n"

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    dataset.add_arguments(ap)
    ap.add_argument("--name", required=True, help="the report's name, e.g. 4q")
    ap.add_argument("--report", required=True, help="markdown path; PNGs are written next to it")
    ap.add_argument("--augment", default="", help="comma-separated kinds among " + ",".join(config.AUGMENTATIONS)
                    + ", and room1, room2, ...: further copies through training rooms (augment.py)")
    ap.add_argument("--model", default=config.BACKBONE_MODEL, help="backbone model file")
    ap.add_argument("--layer", default="penultimate",
                    help="the backbone activation the heads read (moodd embed --layer): penultimate or pooled, "
                         "or both comma-separated (the inner CV chooses)")
    ap.add_argument("--engine", default="moodd", choices=["moodd", "numpy"],
                    help="numpy: moodd features + musicnn_numpy.py (a cross-check; never for reported numbers)")
    ap.add_argument("--quick", action="store_true", help="only the main variant, no learning curve")
    ap.add_argument("--no-curve", action="store_true", help="no learning curve (it costs 5 fits per fold)")
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite the report from the last run's results ($MOODD_CACHE/reports/NAME.pkl), fitting nothing")
    ap.add_argument("--embed-only", action="store_true", help="fill the embedding cache and stop")
    ap.add_argument("--fresh", action="store_true", help="recompute every variant, even those whose inputs are "
                    "unchanged since a run kept their results (under $MOODD_CACHE/reports/NAME-variants/)")
    ap.add_argument("--export", help="write backbone + the head trained on all clips to this model file")
    ap.add_argument("--head-name", default="mood")
    ap.add_argument("--rooms", help="content_corpus.py's --out folder: the clips' copies through a training and a "
                    "test room (rooms/{train,test}/NAME/NAME-ID.wav); adds augmentation 'room' and the room scores")
    ap.add_argument("--validation", help="MUSIFEAST-17's folder (data/, stimuli/): other music with listeners' "
                    "ratings that tells near-equal heads apart (and is reported)")
    ap.add_argument("--extra-rows", nargs="*", default=[],
                    help="JSON files of extra table rows (the from-scratch CNN baseline, other backbones)")
    args = ap.parse_args()
    args.augment = [k for k in args.augment.split(",") if k]
    bad = [k for k in args.augment if k not in config.AUGMENTATIONS and not augment.room_kind(k)]
    if bad:
        ap.error(f"--augment {','.join(bad)}: not one of {', '.join(config.AUGMENTATIONS)}, room1, room2, ...")
    args.layer = [k for k in args.layer.split(",") if k]
    bad = [k for k in args.layer if k not in ("penultimate", "pooled")] or (not args.layer and ["(none)"])
    if bad:
        ap.error(f"--layer {','.join(bad)}: heads read 'penultimate' or 'pooled'")
    args.command = "python " + " ".join([os.path.relpath(sys.argv[0], config.REPO)]
                                        + [a for a in sys.argv[1:] if a not in ("--report-only", "--fresh")])

    saved = os.path.join(config.CACHE, "reports", f"{args.name}.pkl")
    if args.report_only:
        dataset.apply_preset(args)                     # the report names the preset's columns
        with open(saved, "rb") as f:
            s = pickle.load(f)
        for k in ("engine_desc", "skipped", "validation_desc", "validation_name", "clip_ids"):
            if k in s["args"]:
                setattr(args, k, s["args"][k])
        write_outputs(args, s["clips"], s["labels"], s["y"], s["groups"], s["variants"], s["main_name"],
                      s["head_info"], s["extra_rows"])
        return
    clips, labels, y = dataset.load_from_args(args)
    groups = np.array([c.group for c in clips])
    key = dataset_key(args.dataset)
    args.engine_desc = ("moodd embed" if args.engine == "moodd" else "moodd features + musicnn_numpy.py") + \
        f" --hop-frames {config.HOP_FRAMES} --model {os.path.relpath(args.model, config.REPO)}" + \
        ("" if args.layer == ["penultimate"] else f" --layer {'|'.join(args.layer)}")
    emb, aug = {}, None
    for layer in args.layer:
        embedder = Embedder(args.model, engine=args.engine, layer=layer)
        log(f"{len(clips)} clips, labels {labels}; embedding ({layer}) with {args.engine} into {embedder.dir}")
        emb[layer] = embed_clips(clips, embedder, key)
    keep = [all(emb[layer][n] is not None for layer in emb) for n in range(len(clips))]
    args.skipped = [c.id for c, k in zip(clips, keep) if not k]
    clips = [c for c, k in zip(clips, keep) if k]
    emb = {layer: [e for e, k in zip(es, keep) if k] for layer, es in emb.items()}
    y = np.array([labels.index(c.label) for c in clips])
    groups = np.array([c.group for c in clips])
    args.clip_ids = [c.id for c in clips]
    if args.augment:
        aug_embedders = {layer: Embedder(args.model, hop=config.AUG_HOP_FRAMES, engine=args.engine, layer=layer)
                         for layer in args.layer}
        log(f"augmented copies ({','.join(args.augment)}) into "
            + ", ".join(e.dir for e in aug_embedders.values()))
        aug = embed_augmented(clips, aug_embedders, key, args.augment)
    room_test = None
    if args.rooms:
        room_test = {}
        for layer in args.layer:
            embedder = Embedder(args.model, engine=args.engine, layer=layer)
            log(f"copies through rooms ({layer}) from {args.rooms}")
            room_test[layer] = embed_rooms(clips, embedder, args.rooms, args.name, "test")
            room_train = embed_rooms(clips, embedder, args.rooms, args.name, "train")
            aug = aug if aug is not None else {}
            aug.setdefault(layer, {})["room"] = room_train
    validation = None
    if args.validation:
        validation, args.validation_desc = load_validation(args.validation, args.layer, args.model, args.engine,
                                                           {g.lower() for g in groups})
        args.validation_name = validation.name
        log(f"validation: {args.validation_desc}")
    if args.embed_only:
        return

    # variants: the main one (every option given) and, unless --quick, the simpler routes it is compared with
    all_c = heads.candidates()
    lr_c = [c for c in all_c if c[0] == "lr"]
    plain = [k for k in args.augment if not augment.room_kind(k)]        # noise, stretch, shift, pitch
    room_kinds = (["room"] if args.rooms else []) + [k for k in args.augment if augment.room_kind(k)]
    kinds = plain + room_kinds
    def only(a, keep):
        """the augmentation dict with only the kinds in keep (None when nothing is left)"""
        if not a or not keep:
            return None
        return {layer: {k: v for k, v in per.items() if k in keep} for layer, per in a.items()}
    rooms_name = "rooms" if len(room_kinds) < 2 else f"{len(room_kinds)} room copies"
    aug_name = {(True, True): f"augmented + {rooms_name}", (True, False): "augmented", (False, True): rooms_name}
    main_name = "LR+MLP" + (f", {aug_name[bool(plain), bool(room_kinds)]}" if kinds else "")
    specs = {main_name: (only(aug, kinds), all_c, validation)}
    if not args.quick:
        if validation is not None:
            specs[main_name + ", chosen on 4Q alone"] = (only(aug, kinds), all_c, None)
        specs["LR only, no augmentation"] = (None, lr_c, None)
        if plain:
            specs["LR+MLP, no augmentation"] = (None, all_c, None)
            specs["LR only, augmented"] = (only(aug, plain), lr_c, None)
        if plain and room_kinds:
            specs["LR+MLP, augmented"] = (only(aug, plain), all_c, None)
            specs[f"LR only, augmented + {rooms_name}"] = (only(aug, kinds), lr_c, None)
    variants = {}
    for name, (a, cands, val) in specs.items():
        curve = name == main_name and not args.quick and not args.no_curve
        cached = variant_cache_path(args, a, cands, val, curve, room_test is not None)
        if os.path.exists(cached) and not args.fresh:
            log(f"variant {name}: its inputs are unchanged, results from {cached}")
            with open(cached, "rb") as f:
                variants[name] = pickle.load(f)
            continue
        log(f"variant {name}")
        variants[name] = cross_validate(emb, y, groups, labels, a, cands, config.SEED, curve=curve, tag=name,
                                        room=room_test, validation=val)
        variants[name]["chosen_on_validation"] = val is not None
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        with open(cached + ".tmp", "wb") as f:
            pickle.dump(variants[name], f)
        os.replace(cached + ".tmp", cached)

    extra_rows = []
    for path in args.extra_rows:
        if os.path.exists(path):
            with open(path) as f:
                extra_rows += json.load(f)["rows"]

    head_info = ""
    if args.export:
        import export
        log("final head: inner CV on all clips")
        embs, augs = as_layers(emb, only(aug, kinds))
        layer, head, best, inner, rho = choose_input_and_fit(np.arange(len(clips)), embs, y, groups, len(labels),
                                                             augs, all_c, config.SEED, validation, labels)
        cv = mood_report.cv_block(variants[main_name])
        info = {"name": args.head_name, "input": layer, "labels": labels,
                "dataset": f"{key} ({len(clips)} clips, grouped by {args.group_column})",
                "head": f"{best[0]} {best[1]:g}", "augmentation": kinds,
                "cv": {"protocol": f"{config.OUTER_FOLDS}-fold CV grouped by {args.group_column}, nested "
                                   f"{config.INNER_FOLDS}-fold head choice, clip = mean of patch probabilities",
                       **cv}}
        if validation is not None:
            info["validation"] = {"set": validation.name, "spearman_valence": round(rho[layer, best][0], 4),
                                  "spearman_arousal": round(rho[layer, best][1], 4)}
        if all(l in config.VALENCE for l in labels):
            info["valence"] = [config.VALENCE[l] for l in labels]
            info["arousal"] = [config.AROUSAL[l] for l in labels]
        export.export(args.model, [(head, info)], args.export, git_commit(), keep_other_heads=True)
        head_info = (f"`{os.path.relpath(args.export, config.REPO)}`, head `{args.head_name}`: {info['head']} "
                     f"chosen by grouped {config.INNER_FOLDS}-fold CV on all clips (inner macro-F1: "
                     + ", ".join(f"{describe(l if len(args.layer) > 1 else None, c)} {100 * f:.1f}"
                                 for (l, c), f in inner.items()) + ")"
                     + (f", then among those within {100 * config.NEAR_F1:.0f} point of the best by "
                        f"{validation.name}'s mean Spearman" if validation is not None else "") + "; "
                     + (f"input `{layer}`; " if len(args.layer) > 1 or layer != "penultimate" else "")
                     + f"{head['live_inputs']} of {head['mean'].size} inputs live; "
                     f"{heads.head_macs(head):,} multiply-accumulates per patch on top of the backbone's "
                     "1,398,553,584.\n")
        if validation is not None:
            head_info += "\n" + candidate_table(embs, augs, y, len(labels), labels, all_c, inner, rho, best, layer,
                                                 validation)
        log(f"wrote {args.export}")
    os.makedirs(os.path.dirname(saved), exist_ok=True)
    with open(saved + ".tmp", "wb") as f:              # what --report-only rewrites the report from
        pickle.dump({"clips": clips, "labels": labels, "y": y, "groups": groups, "variants": variants,
                     "main_name": main_name, "head_info": head_info, "extra_rows": extra_rows,
                     "args": {k: getattr(args, k) for k in ("engine_desc", "skipped", "validation_desc",
                                                            "validation_name", "clip_ids") if hasattr(args, k)}}, f)
    os.replace(saved + ".tmp", saved)
    write_outputs(args, clips, labels, y, groups, variants, main_name, head_info, extra_rows)

def write_outputs(args, clips, labels, y, groups, variants, main_name, head_info, extra_rows):
    """the markdown report and, beside it, the per-variant figures as JSON"""
    mood_report.write_report(args.report, args, clips, labels, y, groups, variants, main_name, head_info, extra_rows)
    write_atomic(os.path.splitext(args.report)[0] + ".json",
                 json.dumps({name: mood_report.cv_block(r) for name, r in variants.items()}, indent=1) + "\n")

if __name__ == "__main__":
    main()
