"""
Heads: small classifiers on one 3-s patch's embedding, in the one form the daemon runs
(docs/model-format.md, "Heads"):

    z = (x - mean) / scale                      x [in] the patch's penultimate; dead inputs: weight 0
    h = relu(W_i z + b_i)                       every layer but the last
    p = softmax(W_last h + b_last)              [classes]

Two trainers produce it: multinomial logistic regression (no hidden layer) and a one-hidden-layer MLP
(scikit-learn). A clip's probabilities are the mean of its patches' (what the daemon's EMA converges to).
"""
import numpy as np

import config

# -----------------------------------------------------------------------------
# the head as the daemon runs it

def head_forward(head, x):
    """x [n, in] -> probabilities [n, classes]"""
    z = (np.asarray(x, np.float64) - head["mean"]) / head["scale"]
    for i, (w, b) in enumerate(head["layers"]):
        z = z @ np.asarray(w, np.float64).T + b
        if i < len(head["layers"]) - 1:
            z = np.maximum(z, 0)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)

def head_macs(head):
    """multiply-accumulates per patch (standardisation counted as one per input)"""
    return head["mean"].size + sum(w.size for w, _ in head["layers"])

def context_patches(seconds, hop=config.HOP_SECONDS):
    """how many patches, the current one included, a context of `seconds` spans at `hop` seconds between
    patches (the daemon's rule too: docs/model-format.md, "Heads")"""
    return max(1, int(round(seconds / hop)) + 1)

def with_context(x, seconds, hop=config.HOP_SECONDS):
    """x [n, w] one stream's consecutive patches -> [n, 2w]: each patch's own input, then the mean of its
    input and of those of the patches before it that started at most `seconds` earlier (fewer at the start
    of the stream): what a head with `context_seconds` reads"""
    x = np.asarray(x)
    k = context_patches(seconds, hop)
    c = np.cumsum(np.vstack([np.zeros((1, x.shape[1])), np.asarray(x, np.float64)]), axis=0)
    i = np.arange(len(x))
    lo = np.maximum(i + 1 - k, 0)
    return np.hstack([x, ((c[i + 1] - c[lo]) / (i + 1 - lo)[:, None]).astype(x.dtype)])

def clip_probabilities(head, patches):
    """patches [n, in] of one clip -> mean of the patch probabilities [classes]"""
    return head_forward(head, patches).mean(axis=0)

# -----------------------------------------------------------------------------
# training

def live_inputs(x):
    """inputs that vary over the training patches. musicnn has dead units (batch-norm channels with
    variance ~1e-36): standardising them would blow float round-off up to unit variance. The std is taken
    in float64: numpy sums a float32 column naively, and over 40,000 patches a constant 0.018 comes out
    with a std of 1.2e-6, over the threshold"""
    return x.std(axis=0, dtype=np.float64) > config.DEAD_INPUT_STD

def _two_class(w, b):
    """a binary sklearn layer (one logit z) as a 2-way softmax: softmax([-z/2, z/2])[1] == sigmoid(z)"""
    return np.concatenate([-w / 2, w / 2]), np.concatenate([-b / 2, b / 2])

def fit_head(x, y, n_classes, kind, param, seed=config.SEED, sample_weight=None):
    """x [n, in] patch embeddings, y [n] class indices -> head dict (mean, scale, layers).
    kind 'lr' (param = C) or 'mlp' (param = L2 alpha; hidden sizes config.MLP_HIDDEN).
    sample_weight [n] (optional): e.g. to balance classes."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    x = np.asarray(x, np.float64)
    live = live_inputs(x)
    mean = np.where(live, x.mean(axis=0), 0.0)
    scale = np.where(live, x.std(axis=0), 1.0)
    z = ((x - mean) / scale)[:, live]
    if kind == "lr":
        clf = LogisticRegression(C=param, max_iter=3000)
        clf.fit(z, y, sample_weight=sample_weight)
        dense = [(clf.coef_, clf.intercept_)]
    elif kind == "mlp":
        clf = MLPClassifier(hidden_layer_sizes=config.MLP_HIDDEN, alpha=param, max_iter=config.MLP_MAX_ITER,
                            early_stopping=False, random_state=seed)
        clf.fit(z, y, sample_weight=sample_weight)
        dense = [(w.T, b) for w, b in zip(clf.coefs_, clf.intercepts_)]
    else:
        raise ValueError(f"unknown head kind {kind}")
    if list(clf.classes_) != list(range(n_classes)):
        raise ValueError(f"training data has classes {list(clf.classes_)}, expected 0..{n_classes - 1}")
    if dense[-1][0].shape[0] == 1 and n_classes == 2:
        dense[-1] = _two_class(*dense[-1])
    w0 = np.zeros((dense[0][0].shape[0], x.shape[1]))
    w0[:, live] = dense[0][0]                  # dead inputs get weight 0
    dense[0] = (w0, dense[0][1])
    layers = [(np.asarray(w, np.float32), np.asarray(b, np.float32)) for w, b in dense]
    return {"kind": kind, "param": param, "mean": mean.astype(np.float32), "scale": scale.astype(np.float32),
            "layers": layers, "live_inputs": int(live.sum()), "model": clf}

def candidates():
    """the heads the inner CV chooses among"""
    return [("lr", c) for c in config.LR_C] + [("mlp", a) for a in config.MLP_ALPHA]
