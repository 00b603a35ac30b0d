"""training/transfer.py's pieces on made-up ratings (the dataset itself is never in CI)."""
import numpy as np
import pytest

import transfer

def write_csv(path, header, rows):
    path.write_text("\ufeff" + ",".join(header) + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n",
                    encoding="utf-8")

def test_ratings_are_read_with_their_artist(tmp_path):
    p = tmp_path / "r.csv"
    write_csv(p, ["", "CLIP_NAME", "ARTIST", "valence_M", "arousal_M", "GENRE"],
              [[1, "a_01", " Nick Drake ", 2.5, 3.25, "Folk"], [2, "b_02", "Erasure", 4, 1.5, "Pop"]])
    r = transfer.read_ratings(str(p))
    assert r[0] == {"id": "a_01", "artist": "Nick Drake", "valence": 2.5, "arousal": 3.25, "genre": "Folk"}
    assert r[1]["valence"] == 4.0 and r[1]["arousal"] == 1.5

def test_a_file_without_the_rating_columns_is_refused_by_name(tmp_path):
    p = tmp_path / "r.csv"
    write_csv(p, ["CLIP_NAME", "ARTIST", "valence"], [["a", "b", 1]])
    with pytest.raises(ValueError, match=r"no column \['arousal_M', 'valence_M'\]"):
        transfer.read_ratings(str(p))

def test_spearman_with_its_interval():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    rho, lo, hi = transfer.spearman_ci(x, x ** 3, rng, n=200)          # monotone: exactly 1
    assert rho == pytest.approx(1.0) and lo == pytest.approx(1.0)
    rho, lo, hi = transfer.spearman_ci(x, x + rng.normal(size=200), rng, n=200)
    assert lo < rho < hi and 0.5 < rho < 0.85
    rho, lo, hi = transfer.spearman_ci(x, rng.normal(size=200), rng, n=200)   # unrelated: the interval holds 0
    assert lo < 0 < hi
