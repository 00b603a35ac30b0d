"""
The numpy port against the committed reference fixtures (Tests/Fixtures/model/, computed by musicnn's
TensorFlow graph; see Tests/Fixtures/make_model_fixtures.py).
"""
import json
import os

import numpy as np
import pytest

import musicnn_numpy

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "Tests", "Fixtures", "model")
MANIFEST = json.load(open(os.path.join(FIXTURES, "manifest.json")))

@pytest.fixture(scope="module")
def net():
    return musicnn_numpy.Musicnn(os.path.join(REPO, "models", "msd_musicnn.safetensors"))

@pytest.mark.parametrize("name", MANIFEST["patches"])
def test_tags_and_penultimate(net, name):
    out = net.forward(np.load(os.path.join(FIXTURES, f"{name}.input.npy")))
    np.testing.assert_allclose(out["tags"], np.load(os.path.join(FIXTURES, f"{name}.tags.npy")), rtol=0, atol=1e-5)
    np.testing.assert_allclose(out["penultimate"], np.load(os.path.join(FIXTURES, f"{name}.penultimate.npy")),
                               rtol=0, atol=1e-4)

def test_intermediates(net):
    name = MANIFEST["front_mid_patch"]
    out = net.forward(np.load(os.path.join(FIXTURES, f"{name}.input.npy")))
    front = np.load(os.path.join(FIXTURES, f"{name}.front.npy"))
    mid = np.load(os.path.join(FIXTURES, f"{name}.mid.npy"))
    assert front.shape == (187, 561) and mid.shape == (187, 753)
    np.testing.assert_allclose(out["front"], front, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(out["mid"], mid, rtol=1e-5, atol=1e-3)
