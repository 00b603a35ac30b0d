"""
Write a moodd model file with heads: the backbone's tensors copied, the heads' tensors appended, the
metadata's `heads` filled in (docs/model-format.md, "Heads"). Uses the converter's writer and the numpy
port's reader, so there is one safetensors implementation in training/.

    python training/export.py --check models/moodd-4q.safetensors     # list the heads of a file
    python training/export.py --merge OUT.safetensors A.safetensors B.safetensors   # A's and B's heads in one

Heads are trained and exported by evaluate.py (--export); this file holds the format.
"""
import argparse
import datetime
import json
import os

import numpy as np

import config

from convert_musicnn import write_safetensors
from musicnn_numpy import load_safetensors

HEAD_KIND = "dense"    # standardise, dense layers with ReLU between, softmax at the end
MAX_CONTEXT_SECONDS = 60   # what moodd accepts as a head's context_seconds (docs/model-format.md)

def head_tensors(name, head):
    """{tensor name: float32 array} of one head"""
    t = {f"heads.{name}.input_mean": head["mean"], f"heads.{name}.input_scale": head["scale"]}
    for i, (w, b) in enumerate(head["layers"]):
        t[f"heads.{name}.{i}.weight"] = w
        t[f"heads.{name}.{i}.bias"] = b
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in t.items()}

def head_description(name, head, info):
    """the head's entry in the `heads` metadata array"""
    n = len(head["layers"])
    desc = {"name": name, "kind": HEAD_KIND, "input": info.get("input", "penultimate"),
            "input_size": int(head["mean"].size), "labels": list(info["labels"]),
            "input_mean": f"heads.{name}.input_mean", "input_scale": f"heads.{name}.input_scale",
            "layers": [{"weight": f"heads.{name}.{i}.weight", "bias": f"heads.{name}.{i}.bias",
                        "activation": "relu" if i < n - 1 else "softmax"} for i in range(n)]}
    if desc["layers"][-1:] and head["layers"][-1][0].shape[0] != len(desc["labels"]):
        raise ValueError(f"head {name}: {head['layers'][-1][0].shape[0]} outputs for {len(desc['labels'])} labels")
    for k, v in info.items():
        desc.setdefault(k, v)
    return desc

def export(backbone, heads, out, commit="unknown", date=None, keep_other_heads=False):
    """backbone: a moodd model file; heads: [(head dict, info dict with name, labels, ...)]; out: new file.
    Heads already in the backbone file are dropped. keep_other_heads: the heads of an existing `out` whose
    names are not among `heads` are kept (each head is trained by its own script: evaluate.py the mood
    head, content.py the content head); `out` must then have the same backbone tensors."""
    tensors, meta = load_safetensors(backbone)
    tensors = {k: v for k, v in tensors.items() if not k.startswith("heads.")}
    descs = []
    if keep_other_heads and os.path.exists(out):
        new = {info["name"] for _, info in heads}
        old_tensors, old_meta = load_safetensors(out)
        if any(not np.array_equal(old_tensors.get(k), v) for k, v in tensors.items()):
            raise ValueError(f"{out}: not the same backbone as {backbone}; its heads cannot be kept")
        for d in json.loads(old_meta["heads"]):
            if d["name"] not in new:
                descs.append(d)
                tensors.update({k: old_tensors[k] for k in head_tensor_names(d)})
    for head, info in heads:
        name = info["name"]
        if not name.replace("_", "").isalnum():
            raise ValueError(f"head name '{name}': letters, digits and _ only")
        layer = info.get("input", "penultimate")
        if layer not in ("penultimate", "pooled"):
            raise ValueError(f"head {name}: input '{layer}': moodd's heads read 'penultimate' or 'pooled'")
        context = info.get("context_seconds", 0)
        if not 0 <= context <= MAX_CONTEXT_SECONDS:
            raise ValueError(f"head {name}: context_seconds {context}: not between 0 and {MAX_CONTEXT_SECONDS}")
        width = config.LAYER_WIDTH[layer] * (2 if context > 0 else 1)      # with context: [own | mean]
        if head["mean"].size != width:
            raise ValueError(f"head {name}: {layer}{' with context' if context else ''} is {width}-d, "
                             f"head takes {head['mean'].size}")
        tensors.update(head_tensors(name, head))
        descs.append(head_description(name, head, info))
    if len({d["name"] for d in descs}) != len(descs):
        raise ValueError("two heads with one name")
    meta = dict(meta)
    meta["heads"] = json.dumps(descs, separators=(",", ":"))
    meta["heads_exported_by"] = "training/export.py"
    meta["heads_date"] = date or datetime.date.today().isoformat()
    meta["heads_commit"] = commit
    write_safetensors(out, tensors, meta)

def head_tensor_names(desc):
    return [desc["input_mean"], desc["input_scale"]] + [l[k] for l in desc["layers"] for k in ("weight", "bias")]

def merge(out, paths):
    """one file with every head of paths, which must share the backbone tensors bit for bit"""
    tensors, meta = load_safetensors(paths[0])
    merged = {k: v for k, v in tensors.items() if not k.startswith("heads.")}
    names, descs = set(merged), []
    for p in paths:
        t, m = load_safetensors(p)
        if {k for k in t if not k.startswith("heads.")} != names or any(not np.array_equal(t[k], merged[k]) for k in names):
            raise ValueError(f"{p}: not the same backbone as {paths[0]}")
        for d in json.loads(m["heads"]):
            if d["name"] in {e["name"] for e in descs}:
                raise ValueError(f"{p}: a second head named {d['name']}")
            descs.append(d)
            merged.update({k: t[k] for k in head_tensor_names(d)})
    meta = dict(meta)
    meta["heads"] = json.dumps(descs, separators=(",", ":"))
    write_safetensors(out, merged, meta)

def read_heads(path):
    """-> [(description, head dict)] of a model file, in the form heads.head_forward runs"""
    tensors, meta = load_safetensors(path)
    out = []
    for d in json.loads(meta["heads"]):
        head = {"mean": tensors[d["input_mean"]], "scale": tensors[d["input_scale"]],
                "layers": [(tensors[l["weight"]], tensors[l["bias"]]) for l in d["layers"]]}
        out.append((d, head))
    return out

def main():
    ap = argparse.ArgumentParser(description="list the heads of a moodd model file, or merge files' heads")
    ap.add_argument("--check", help="a model file whose heads to list")
    ap.add_argument("--merge", nargs="+", metavar=("OUT", "IN"), help="OUT IN1 IN2 ...: all heads in one file")
    args = ap.parse_args()
    if args.merge:
        merge(args.merge[0], args.merge[1:])
        args.check = args.merge[0]
    for d, head in read_heads(args.check):
        sizes = [head["mean"].size] + [w.shape[0] for w, _ in head["layers"]]
        print(f"{d['name']}: {d['kind']} {' -> '.join(map(str, sizes))}, labels {d['labels']}, "
              f"cv {json.dumps(d.get('cv', {}))}")

if __name__ == "__main__":
    main()
