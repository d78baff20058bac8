"""fft, fft2, ifft2, rfft, irfft on (real, imag) pairs and the complex views: against
torch.fft and keras.ops; gradients with respect to both parts against numerical
differentiation and torch.autograd, to second order."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")


def _flat_dn(*ts):
    return ops.concatenate([ops.reshape(t, (-1,)) for t in ts], 0)


def _flat_torch(z):
    return torch.cat([z.real.reshape(-1), z.imag.reshape(-1)])


@pytest.mark.parametrize(
    "name, torch_fn, shape",
    [
        ("fft", torch.fft.fft, (5,)),
        ("fft", torch.fft.fft, (2, 4)),
        ("fft2", torch.fft.fft2, (3, 4)),
        ("fft2", torch.fft.fft2, (2, 3, 2)),
        ("ifft2", torch.fft.ifft2, (2, 3, 4)),
    ],
    ids=str,
)
def test_complex_transforms(name, torch_fn, shape):
    check_op(
        lambda re, im: _flat_dn(*getattr(ops, name)((re, im))),
        lambda re, im: _flat_torch(torch_fn(torch.complex(re, im))),
        shape,
        shape,
    )


@pytest.mark.parametrize("fft_length", [None, 4, 6, 9], ids=str)
def test_rfft(fft_length):
    check_op(
        lambda x: _flat_dn(*ops.rfft(x, fft_length)),
        lambda x: _flat_torch(torch.fft.rfft(x, fft_length)),
        (2, 6),
    )


@pytest.mark.parametrize("fft_length", [None, 3, 7, 12], ids=str)
def test_irfft(fft_length):
    # Bins beyond fft_length // 2 + 1 are dropped, missing ones are zeros; the imaginary
    # parts of the zero (and Nyquist) bins are ignored.
    check_op(
        lambda re, im: ops.irfft((re, im), fft_length),
        lambda re, im: torch.fft.irfft(torch.complex(re, im), fft_length),
        (2, 4),
        (2, 4),
    )


def test_rfft_then_irfft_is_the_identity():
    x = np.random.default_rng(0).normal(size=(3, 7))
    np.testing.assert_allclose(ops.irfft(ops.rfft(x), 7).numpy(), x, atol=1e-12)


def _pair(shape, dtype="float32", seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape).astype(dtype), rng.normal(size=shape).astype(dtype)


@pytest.mark.parametrize(
    "name, args, kwargs",
    [
        ("fft", (_pair((2, 5)),), {}),
        ("fft2", (_pair((2, 3, 4)),), {}),
        ("ifft2", (_pair((2, 3, 4), "float64"),), {}),
        ("rfft", (_pair((2, 6))[0],), {}),
        ("rfft", (_pair((2, 6))[0],), {"fft_length": 9}),
        ("rfft", (np.arange(6),), {}),  # integers: floatx
        ("irfft", (_pair((2, 4)),), {}),
        ("irfft", (_pair((2, 4), "float64"),), {"fft_length": 7}),
        ("view_as_complex", (_pair((3, 2))[0],), {}),
        ("view_as_complex", (_pair((3, 2), "float64")[0],), {}),  # always complex64
        ("view_as_real", (np.array([1 + 2j, 3 - 1j]),), {}),
        ("view_as_real", (np.array([[1 + 2j], [3 - 1j]], "complex64"),), {}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_against_keras(name, args, kwargs):
    check_keras(name, *args, atol=1e-5, rtol=1e-5, **kwargs)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.fft(np.ones(3)), r"fft: `x` must be a tuple of two tensors"),
        (lambda: ops.fft((np.ones(3), np.ones(4))), r"the same shape"),
        (lambda: ops.fft2((np.ones(3), np.ones(3))), r"fft2: the input must have rank >= 2"),
        (lambda: ops.ifft2((np.ones((2, 2), int),) * 2), r"must be floating point"),
        (lambda: ops.rfft(np.ones(4), fft_length=0), r"positive integer"),
        (lambda: ops.irfft((np.ones(1), np.ones(1))), r"output length must be positive"),
        (lambda: ops.view_as_complex(np.ones((2, 3))), r"last axis must have size 2"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
