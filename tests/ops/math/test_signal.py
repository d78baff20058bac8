"""extract_sequences, stft, istft: against keras.ops and (for gradients) the functions of
Keras's PyTorch backend, which torch.autograd differentiates; to second order."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")
reference("keras")
from keras.src.backend.torch import math as keras_torch_math  # noqa: E402

RNG = np.random.default_rng(0)


def _flat_dn(*ts):
    return ops.concatenate([ops.reshape(t, (-1,)) for t in ts], 0)


def _flat_torch(*ts):
    return torch.cat([t.reshape(-1) for t in ts])


@pytest.mark.parametrize("length, stride", [(3, 2), (4, 1), (2, 3)], ids=str)
def test_extract_sequences(length, stride):
    check_op(
        lambda x: ops.extract_sequences(x, length, stride),
        lambda x: x.unfold(-1, length, stride),
        (2, 8),
    )


# (sequence_length, sequence_stride, fft_length, window, center)
STFT_CASES = [
    (4, 2, 4, "hann", True),
    (4, 2, 8, "hann", True),
    (5, 3, 8, "hamming", False),
    (3, 1, 4, None, True),
]


@pytest.mark.parametrize("length, stride, n, window, center", STFT_CASES, ids=str)
def test_stft(length, stride, n, window, center):
    kwargs = {"window": window, "center": center}
    check_op(
        lambda x: _flat_dn(*ops.stft(x, length, stride, n, **kwargs)),
        lambda x: _flat_torch(*keras_torch_math.stft(x, length, stride, n, **kwargs)),
        (2, 16),
    )


def test_stft_with_a_tensor_window_differentiates_the_window():
    check_op(
        lambda x, w: _flat_dn(*ops.stft(x, 4, 2, 4, window=w)),
        lambda x, w: _flat_torch(*keras_torch_math.stft(x, 4, 2, 4, window=w)),
        inputs=[RNG.normal(size=(2, 12)), RNG.uniform(0.5, 1.0, size=4)],
    )


# PyTorch's path (sequence_length == fft_length, center, a window) and Keras's own.
ISTFT_CASES = [
    (4, 2, 4, "hann", True, None),
    (4, 1, 4, "hamming", True, 20),  # zero-padded past the frames
    (4, 2, 8, "hann", False, None),
    (4, 2, 8, None, True, 10),
    (5, 3, 8, "hamming", True, None),
]


@pytest.mark.parametrize("length, stride, n, window, center, out_length", ISTFT_CASES, ids=str)
def test_istft(length, stride, n, window, center, out_length):
    kwargs = {"window": window, "center": center, "length": out_length}
    bins = (2, 9, n // 2 + 1)
    check_op(
        lambda re, im: ops.istft((re, im), length, stride, n, **kwargs),
        lambda re, im: keras_torch_math.istft((re, im), length, stride, n, **kwargs),
        bins,
        bins,
    )


def test_istft_inverts_stft():
    x = RNG.normal(size=(3, 32))
    y = ops.istft(ops.stft(x, 8, 2, 8), 8, 2, 8, length=32)
    np.testing.assert_allclose(y.numpy(), x, atol=1e-12)


@pytest.mark.parametrize("length, stride, n, window, center", STFT_CASES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stft_against_keras(length, stride, n, window, center, dtype):
    x = RNG.normal(size=(2, 3, 16)).astype(dtype)
    check_keras("stft", x, length, stride, n, window=window, center=center, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("length, stride, n, window, center, out_length", ISTFT_CASES, ids=str)
def test_istft_against_keras(length, stride, n, window, center, out_length):
    bins = (2, 3, 9, n // 2 + 1)
    x = tuple(RNG.normal(size=bins).astype("float32") for _ in range(2))
    kwargs = {"window": window, "center": center, "length": out_length}
    check_keras("istft", x, length, stride, n, atol=1e-5, rtol=1e-5, **kwargs)


def test_extract_sequences_against_keras():
    check_keras("extract_sequences", np.arange(10), 3, 2)
    check_keras("extract_sequences", RNG.normal(size=(2, 7)).astype("float32"), 4, 1)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: ops.extract_sequences(np.ones(3), 4, 1), ValueError, "at least sequence_length"),
        (lambda: ops.extract_sequences(np.ones(3), 2, 0), ValueError, "positive integer"),
        (lambda: ops.stft(np.ones(8), 4, 2, 2), ValueError, "`fft_length` must be >="),
        (lambda: ops.stft(np.ones(8, int), 4, 2, 4), TypeError, "float32 or float64"),
        (lambda: ops.stft(np.ones(8), 4, 2, 4, window="kaiser"), ValueError, "'hann'"),
        (lambda: ops.stft(np.ones(8), 4, 2, 4, window=np.ones(3)), ValueError, r"shape \(4,\)"),
        (lambda: ops.stft(np.ones(4), 4, 2, 8), ValueError, "longer than that"),
        (lambda: ops.istft((np.zeros((3, 3)),) * 2, 4, 4, 4), ValueError, "vanishes"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
