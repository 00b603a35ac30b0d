"""training/heads.py: the exported form of a head computes what scikit-learn computes."""
import numpy as np
import pytest

pytest.importorskip("sklearn")
import heads

def blobs(n_classes, n=300, dim=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    centres = rng.normal(0, 1, (n_classes, dim))
    x = centres[y] + rng.normal(0, 3, (n, dim))
    x[:, 5] = 0.25 + rng.normal(0, 1e-30, n)             # a dead unit: constant up to round-off
    x[:, 7] = -3.0
    return x.astype(np.float32), y

@pytest.mark.parametrize("kind,param", [("lr", 0.1), ("mlp", 1.0)])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_head_matches_sklearn(kind, param, n_classes):
    x, y = blobs(n_classes)
    head = heads.fit_head(x, y, n_classes, kind, param)
    p = heads.head_forward(head, x)
    assert p.shape == (len(x), n_classes)
    np.testing.assert_allclose(p.sum(axis=1), 1, atol=1e-6)
    live = heads.live_inputs(x.astype(np.float64))
    z = ((x - head["mean"]) / head["scale"])[:, live]
    np.testing.assert_allclose(p, head["model"].predict_proba(z), atol=2e-4)   # float32 weights
    assert (p.argmax(axis=1) == y).mean() > 0.9
    w0 = head["layers"][0][0]
    assert not live[5] and not live[7] and np.all(w0[:, [5, 7]] == 0) and np.all(head["scale"][[5, 7]] == 1)
    assert head["live_inputs"] == 198
    assert heads.head_macs(head) == 200 + sum(w.size for w, _ in head["layers"])

def test_a_constant_float32_input_is_dead_over_many_patches():
    # a dead unit's value over the content corpus's 41,066 patches: numpy's float32 std of it is 1.2e-6
    x = np.full((41066, 3), 0.01806771, np.float32)
    x[:, 1] = np.random.default_rng(0).standard_normal(len(x))
    x[:, 2] += np.float32(1e-4) * np.random.default_rng(1).standard_normal(len(x)).astype(np.float32)
    assert heads.live_inputs(x).tolist() == [False, True, True]

def test_random_labels_give_chance():
    x, _ = blobs(4, n=400)
    y = np.random.default_rng(1).integers(0, 4, 400)
    head = heads.fit_head(x[:200], y[:200], 4, "lr", 0.01)
    acc = (heads.head_forward(head, x[200:]).argmax(axis=1) == y[200:]).mean()
    assert acc < 0.4

def test_missing_class_is_an_error():
    x, y = blobs(3)
    with pytest.raises(ValueError, match="classes"):
        heads.fit_head(x[y < 2], y[y < 2], 3, "lr", 1.0)

def test_clip_probability_is_the_mean_of_patches():
    x, y = blobs(4)
    head = heads.fit_head(x, y, 4, "lr", 1.0)
    np.testing.assert_allclose(heads.clip_probabilities(head, x[:7]), heads.head_forward(head, x[:7]).mean(axis=0))

@pytest.mark.parametrize("seconds, hop, patches", [(3, 1.5, 3), (3, 93 * 256 / 16000, 3), (3, 3, 2), (0, 1.5, 1),
                                                   (0.75, 1.5, 1), (2.25, 1.5, 3)])
def test_context_patches_span_the_seconds_at_the_hop(seconds, hop, patches):
    # the same cases as the daemon's HeadContextTests (half to even: Python's round, Swift's .toNearestOrEven)
    assert heads.context_patches(seconds, hop) == patches

def test_with_context_appends_the_mean_of_the_last_patches_of_the_stream():
    x = np.arange(12, dtype=np.float32).reshape(6, 2) ** 2
    out = heads.with_context(x, 3, hop=1.5)               # this patch and the two before it
    assert out.shape == (6, 4) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:, :2], x)
    expected = [x[max(0, i - 2):i + 1].mean(axis=0) for i in range(6)]
    np.testing.assert_allclose(out[:, 2:], expected, rtol=1e-6)
    np.testing.assert_array_equal(heads.with_context(x, 0.5, hop=1.5)[:, 2:], x)    # one patch: its own
