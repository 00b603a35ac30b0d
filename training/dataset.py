"""
A labelled dataset: one folder per label, audio files inside, and an optional metadata CSV that gives each
file's group (artist, speaker) so that cross-validation never puts one group on both sides.

    Q1/MT0000004637.mp3  Q2/...  Q3/...  Q4/...      + panda_dataset_taffc_metadata.csv (Song, Artist)

    python training/dataset.py --dataset $MOODD_DATA/MER_audio_taffc_dataset --preset 4q

--preset 4q stands for --metadata DIR/panda_dataset_taffc_metadata.csv --id-column Song --group-column Artist
--labels Q1=happy,Q2=angry,Q3=sad,Q4=relaxed (config.PRESETS).
"""
import argparse
import collections
import csv
import os
from dataclasses import dataclass

import numpy as np

import config

@dataclass(frozen=True)
class Clip:
    path: str       # the audio file
    label: str      # the label's name (after --labels renaming)
    group: str      # artist / speaker; the clip's own id when there is no metadata
    id: str         # file name without extension

def parse_label_map(text):
    """'Q1=happy,Q2=angry' -> {'Q1': 'happy', 'Q2': 'angry'}; '' -> {}"""
    out = {}
    for item in filter(None, (text or "").split(",")):
        folder, _, name = item.partition("=")
        if not name:
            raise ValueError(f"--labels: '{item}' is not FOLDER=NAME")
        out[folder.strip()] = name.strip()
    return out

def read_groups(metadata, id_column, group_column):
    """metadata CSV -> {id: group}"""
    with open(metadata, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if rows and (id_column not in rows[0] or group_column not in rows[0]):
        raise ValueError(f"{metadata}: needs columns '{id_column}' and '{group_column}', has {list(rows[0])}")
    return {r[id_column].strip(): r[group_column].strip() for r in rows}

def load_dataset(root, metadata=None, id_column="id", group_column="group", label_map=None):
    """-> (clips sorted by label then id, label names in class-index order).
    Label folders are the sub-folders of root holding audio, in sorted order (renamed by label_map, whose
    order wins when given). A clip missing from the metadata is an error: silently making it its own
    group would leak its artist across folds."""
    label_map = label_map or {}
    folders = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))
                     and any(f.lower().endswith(config.AUDIO_EXTENSIONS) for f in os.listdir(os.path.join(root, d))))
    if label_map:
        unknown = set(label_map) - set(folders)
        if unknown:
            raise ValueError(f"{root}: no folder {sorted(unknown)}")
        folders = list(label_map)
    if len(folders) < 2:
        raise ValueError(f"{root}: needs at least two label folders with audio, found {folders}")
    groups = read_groups(metadata, id_column, group_column) if metadata else None
    clips = []
    for folder in folders:
        label = label_map.get(folder, folder)
        for name in sorted(os.listdir(os.path.join(root, folder))):
            if not name.lower().endswith(config.AUDIO_EXTENSIONS):
                continue
            cid = os.path.splitext(name)[0]
            if groups is None:
                group = cid
            elif cid in groups:
                group = groups[cid]
            else:
                raise ValueError(f"{folder}/{name}: id '{cid}' not in {metadata}")
            clips.append(Clip(os.path.join(root, folder, name), label, group, cid))
    labels = [label_map.get(f, f) for f in folders]
    return clips, labels

def grouped_folds(y, groups, n_folds, seed):
    """Stratified folds that never split a group: [(train_idx, test_idx), ...]. Every index is in exactly
    one test fold."""
    from sklearn.model_selection import StratifiedGroupKFold
    cv = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    folds = list(cv.split(np.zeros(len(y)), y, groups))
    groups = np.asarray(groups)
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test]), "a group on both sides of a fold"
    return folds

def add_arguments(ap):
    """The options every script that reads a dataset takes (--dataset, --metadata, ...)."""
    ap.add_argument("--dataset", required=True, help="a folder per label")
    ap.add_argument("--metadata", help="CSV with an id and a group column")
    ap.add_argument("--id-column", default="id")
    ap.add_argument("--group-column", default="group")
    ap.add_argument("--labels", default="", help="FOLDER=NAME,... (order = class order)")
    ap.add_argument("--preset", choices=sorted(config.PRESETS),
                    help="a known dataset's metadata file (in --dataset), columns and labels")

def apply_preset(args):
    """fills the options --preset stands for (those given explicitly win)"""
    preset = config.PRESETS.get(getattr(args, "preset", None) or "", {})
    for k, v in preset.items():
        if not getattr(args, k, None) or getattr(args, k) == {"id_column": "id", "group_column": "group"}.get(k):
            setattr(args, k, os.path.join(args.dataset, v) if k == "metadata" else v)
    return args

def load_from_args(args):
    """-> (clips, labels, y): the dataset the add_arguments options name, and each clip's class index."""
    apply_preset(args)
    clips, labels = load_dataset(args.dataset, args.metadata, args.id_column, args.group_column,
                                 parse_label_map(args.labels))
    return clips, labels, np.array([labels.index(c.label) for c in clips])

def main():
    ap = argparse.ArgumentParser(description="summarise a folder-per-label dataset")
    add_arguments(ap)
    args = ap.parse_args()
    clips, labels, _ = load_from_args(args)
    per_label = collections.Counter(c.label for c in clips)
    per_group = collections.Counter(c.group for c in clips)
    print(f"{len(clips)} clips, {len(labels)} labels: " + ", ".join(f"{l} {per_label[l]}" for l in labels))
    print(f"{len(per_group)} groups, {sum(1 for n in per_group.values() if n == 1)} with a single clip, "
          f"largest {max(per_group.values())}")

if __name__ == "__main__":
    main()
