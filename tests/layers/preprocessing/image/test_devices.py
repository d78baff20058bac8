"""The image layers on each device: the output stays on the images' device and, for the same
seed, equals the CPU result (CUDA cases run only where CuPy sees a GPU)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum.backend import cupy_available, device
from tests.layers.preprocessing.image.test_protocol import ALL, RANDOM, X

DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(
            not cupy_available(),
            reason="no CUDA device (CuPy missing or no GPU): GPU cases skipped",
        ),
    ),
]


@pytest.mark.parametrize("name", DEVICES)
@pytest.mark.parametrize("layer, kwargs", ALL, ids=[n for n, _ in ALL])
def test_layers_run_on_the_images_device(name, layer, kwargs):
    seed = {"seed": 3} if layer in dict(RANDOM) else {}
    expected = getattr(dn.layers, layer)(**kwargs, **seed)(X, training=True).numpy()
    y = getattr(dn.layers, layer)(**kwargs, **seed)(dn.tensor(X).to(name), training=True)
    assert y.device == device(name)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("name", DEVICES)
def test_augmented_model_fits_on_the_device(name):
    x = np.random.default_rng(0).uniform(0, 1, (16, 8, 8, 3)).astype("float32")
    model = dn.Sequential(
        [
            dn.Input((8, 8, 3)),
            dn.layers.RandomFlip(seed=0),
            dn.layers.RandomRotation(0.1, seed=1),
            dn.layers.RandomZoom(0.1, seed=2),
            dn.layers.Flatten(),
            dn.layers.Dense(1),
        ]
    ).to(name)
    model.compile("adam", "mse")
    history = model.fit(x, x.mean(axis=(1, 2, 3))[:, None], batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
