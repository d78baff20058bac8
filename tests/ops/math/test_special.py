"""erf, erfc, erfinv, rsqrt: accuracy against SciPy over the whole range (tails included),
against torch and keras.ops, derivatives to second order against torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")
special = reference("scipy.special")

RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    "name, torch_fn, inputs",
    [
        ("erf", torch.erf, RNG.normal(size=(2, 5)) * 2),
        ("erfc", torch.erfc, RNG.normal(size=(2, 5)) * 2),
        ("erfinv", torch.erfinv, RNG.uniform(-0.95, 0.95, size=(2, 5))),
        ("rsqrt", torch.rsqrt, RNG.uniform(0.5, 3.0, size=(2, 5))),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_against_torch_to_second_order(name, torch_fn, inputs):
    check_op(getattr(ops, name), torch_fn, inputs=[inputs])


def test_erf_and_erfc_accuracy():
    x = np.linspace(-9.0, 9.0, 4001)
    np.testing.assert_allclose(ops.erf(x).numpy(), special.erf(x), rtol=0, atol=2e-15)
    # erfc keeps its relative accuracy where it is tiny (1 − erf would lose it all).
    np.testing.assert_allclose(ops.erfc(x).numpy(), special.erfc(x), rtol=5e-14)


def test_erf_fallback_without_scipy_keeps_its_accuracy(monkeypatch):
    from deepnum.ops.math import _special

    monkeypatch.setattr(_special, "_compiled_special", lambda x: None)
    x = np.linspace(-9.0, 9.0, 401)
    np.testing.assert_allclose(ops.erf(x).numpy(), special.erf(x), rtol=0, atol=2e-15)
    np.testing.assert_allclose(ops.erfc(x).numpy(), special.erfc(x), rtol=5e-14)


def test_erfinv_accuracy_and_edges():
    y = np.concatenate(
        [np.linspace(-0.999, 0.999, 2001), 1 - np.logspace(-16, -1, 30), [0.0, 1e-300]]
    )
    np.testing.assert_allclose(ops.erfinv(y).numpy(), special.erfinv(y), rtol=1e-14, atol=0)
    edges = ops.erfinv(np.array([1.0, -1.0, 1.5, -2.0])).numpy()
    np.testing.assert_array_equal(edges[:2], [np.inf, -np.inf])
    assert np.isnan(edges[2:]).all()


@pytest.mark.parametrize(
    "name, x",
    [
        ("erf", np.array([-3, -1, 0, 1, 2])),  # integers: floatx
        ("erfc", np.array([-3, 0, 2])),
        ("erfinv", np.array([0, 1])),
        ("rsqrt", np.array([1, 4, 9])),
        ("erf", RNG.normal(size=6).astype("float32")),
        ("erfc", (RNG.normal(size=6) * 3).astype("float32")),
        ("erfinv", np.tanh(RNG.normal(size=6)).astype("float32")),
        ("rsqrt", RNG.uniform(0.1, 5, size=6).astype("float32")),
        ("erfc", RNG.normal(size=6)),
    ],
    ids=lambda v: v if isinstance(v, str) else str(v.dtype),
)
def test_against_keras(name, x):
    check_keras(name, x, atol=1e-6, rtol=1e-6)
