"""Devices: the CPU path everywhere; CUDA cases run only where CuPy sees a GPU."""

import numpy as np
import pytest

import deepnum as dn
from deepnum.backend import cupy_available, device, device_of, to_device

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
def test_tensor_to_device_round_trip_keeps_gradients(name):
    x = dn.tensor(np.arange(4.0), requires_grad=True)
    y = (x.to(name) * 3).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full(4, 3.0))
    assert device_of(x.to(name).data) == device(name)


@pytest.mark.parametrize("name", DEVICES)
def test_model_to_device_trains_and_predicts(name):
    model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(2), dn.layers.Dense(1)]).to(name)
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).standard_normal((16, 3)).astype("float32")
    history = model.fit(x, x.sum(axis=1, keepdims=True), epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    assert model.layers[0].kernel.device == device(name)
    assert isinstance(model.predict(x, verbose=0), np.ndarray)


def test_unknown_or_unavailable_device_errors():
    with pytest.raises(ValueError, match="expected 'cpu', 'cuda'"):
        device("tpu")
    if not cupy_available():
        with pytest.raises(RuntimeError, match="CuPy"):
            device("cuda")
    assert to_device(np.ones(2), "cpu") is not None
