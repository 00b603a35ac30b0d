"""
RAVDESS speech as folder-per-label datasets (symlinks, under the cache): one by emotion, one by gender, with
a metadata CSV giving each file's actor, so that evaluate.py can run actor-disjoint CV on them.

    python training/ravdess.py $MOODD_DATA/ravdess $MOODD_CACHE/ravdess
    -> emotion/{neutral,calm,happy,sad,angry,fearful,disgust,surprised}/*.wav, gender/{female,male}/*.wav,
       actors.csv (id, actor)

File names are 03-01-EMO-INT-STMT-REP-ACTOR.wav (modality 03 audio-only, vocal channel 01 speech);
actors with odd numbers are male, even female.
"""
import argparse
import glob
import os

EMOTIONS = {"01": "neutral", "02": "calm", "03": "happy", "04": "sad", "05": "angry", "06": "fearful",
            "07": "disgust", "08": "surprised"}

def parse_name(name):
    """'03-01-05-02-01-01-12.wav' -> (emotion, actor number, gender)"""
    parts = os.path.splitext(os.path.basename(name))[0].split("-")
    if len(parts) != 7 or parts[0] != "03" or parts[1] != "01" or parts[2] not in EMOTIONS:
        raise ValueError(f"{name}: not a RAVDESS audio-only speech file name")
    actor = int(parts[6])
    return EMOTIONS[parts[2]], actor, ("male" if actor % 2 else "female")

def make_views(src, dst):
    """symlink every speech file of src (Actor_*/...) into dst/emotion/<e>/ and dst/gender/<g>/; -> count"""
    files = sorted(glob.glob(os.path.join(src, "Actor_*", "03-01-*.wav")))
    rows = ["id,actor"]
    for f in files:
        emotion, actor, gender = parse_name(f)
        for view, label in (("emotion", emotion), ("gender", gender)):
            d = os.path.join(dst, view, label)
            os.makedirs(d, exist_ok=True)
            link = os.path.join(d, os.path.basename(f))
            if not os.path.lexists(link):
                os.symlink(os.path.abspath(f), link)
        rows.append(f"{os.path.splitext(os.path.basename(f))[0]},{actor:02d}")
    with open(os.path.join(dst, "actors.csv"), "w") as fh:
        fh.write("\n".join(rows) + "\n")
    return len(files)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    ap.add_argument("src", help="the RAVDESS folder with Actor_01..Actor_24")
    ap.add_argument("dst")
    args = ap.parse_args()
    print(f"{make_views(args.src, args.dst)} files linked under {args.dst}")

if __name__ == "__main__":
    main()
