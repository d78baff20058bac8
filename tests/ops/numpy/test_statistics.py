"""Moments, range and correlation: var, std, ptp, average, corrcoef, correlate — against Keras
(values, dtypes, edge cases), NumPy, torch.autograd and central differences (second order)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")

# (shape, axis, keepdims)
CASES = [
    ((2, 3, 4), None, False),
    ((2, 3, 4), 1, False),
    ((2, 3, 4), -1, True),
    ((2, 3, 4), (0, 2), False),
    ((5,), 0, False),
]
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "float16", "float32"]
KERAS_AXES = [(None, False), (1, False), (-1, True), ((0, 1), False)]


def _dim(axis, shape):
    return tuple(range(len(shape))) if axis is None else axis


def _data(dtype, seed=0):
    values = np.random.default_rng(seed).integers(0, 4, size=(3, 4))
    return values.astype(dtype) if dtype != "bool" else values > 1


@pytest.mark.parametrize("shape, axis, keepdims", CASES)
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std(name, shape, axis, keepdims):
    check_op(
        lambda x: getattr(ops, name)(x, axis=axis, keepdims=keepdims),
        lambda x: getattr(torch, name)(x, dim=_dim(axis, shape), keepdim=keepdims, correction=0),
        shape,
    )


def test_std_gradient_is_zero_where_the_deviation_is_zero_like_torch():
    x = np.array([[1.0, 1.0, 1.0], [0.5, 2.0, -1.0]])
    check_op(
        lambda t: ops.std(t, axis=1),
        lambda t: torch.std(t, dim=1, correction=0),
        inputs=[x],
        second_order=False,
    )


@pytest.mark.parametrize("axis, keepdims", KERAS_AXES)
@pytest.mark.parametrize(
    "name, dtype",
    [(n, d) for n in ("var", "std", "ptp") for d in DTYPES if (n, d) != ("ptp", "bool")],
)
def test_matches_keras_values_and_dtypes(name, dtype, axis, keepdims):
    """var/std of integers are float (floatx / float32); ptp keeps the dtype (bool raises:
    test_ptp_of_bool_raises)."""
    check_keras(name, _data(dtype), axis=axis, keepdims=keepdims, atol=2e-3, rtol=2e-3)


@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_empty_axis_gives_zeros(dtype):
    """Keras's var and ptp give zeros for axis=(); std does too (NumPy's answer: Keras's
    PyTorch backend would reduce every axis there)."""
    x = _data(dtype)
    check_keras("var", x, axis=())
    check_keras("ptp", x, axis=())
    got = ops.std(x, axis=())
    np.testing.assert_array_equal(got.numpy(), np.std(x.astype("float32"), axis=()))
    assert got.dtype == "float32"


def test_64_bit_inputs_stay_64_bit():
    x = np.arange(6.0).reshape(2, 3)
    assert ops.var(x).dtype == ops.std(x, axis=0).dtype == "float64"
    assert ops.var(x.astype("int64")).dtype == "float32"


def test_ptp_gradient():
    check_op(
        lambda x: ops.ptp(x, axis=1),
        lambda t: torch.amax(t, dim=1) - torch.amin(t, dim=1),
        (3, 4),
    )


def test_ptp_of_bool_raises():
    with pytest.raises(TypeError, match="ptp: boolean tensors"):
        ops.ptp(np.array([True, False]))


# --------------------------------------------------------------------------- average
@pytest.mark.parametrize(
    "x_shape, w_shape, axis",
    [((3, 4), (4,), 1), ((3, 4), (3,), 0), ((3, 4), (3, 4), 0), ((3, 4), (3, 4), None)],
)
def test_average_gradient_in_x_and_weights(x_shape, w_shape, axis):
    def ref(x, w):
        if w.shape != x.shape:
            w = w.reshape((-1,) + (1,) * (x.ndim - 1 - axis))
            return (x * w).sum(axis) / w.sum()
        dim = tuple(range(x.ndim)) if axis is None else axis
        return (x * w).sum(dim) / w.sum(dim)

    check_op(
        lambda x, w: ops.average(x, axis=axis, weights=w), ref, x_shape, w_shape, low=0.5, high=2
    )


@pytest.mark.parametrize(
    "x, kwargs",
    [
        (np.arange(6.0, dtype="float32").reshape(3, 2), {}),
        (np.arange(6.0, dtype="float32").reshape(3, 2), {"axis": 0}),
        (np.arange(6, dtype="int32").reshape(3, 2), {"axis": 1}),
        (np.arange(6.0, dtype="float16").reshape(3, 2), {"axis": ()}),
        (
            np.arange(6.0, dtype="float32").reshape(3, 2),
            {"axis": 1, "weights": np.array([0.25, 0.75], "float32")},
        ),
        (
            np.arange(6.0, dtype="float16").reshape(3, 2),
            {"axis": 1, "weights": np.array([0.25, 0.75], "float32")},
        ),
        (np.arange(6, dtype="int32"), {"weights": np.array([1, 2, 3, 1, 2, 3], "int32")}),
        (np.arange(6, dtype="int32"), {"weights": np.linspace(1, 2, 6).astype("float16")}),
    ],
)
def test_average_matches_keras(x, kwargs):
    check_keras("average", x, atol=1e-3, rtol=1e-3, **kwargs)


@pytest.mark.parametrize(
    "w, axis",
    [(np.array([1.0, 2.0, 3.0]), 0), (np.arange(1.0, 7.0).reshape(3, 2), 0)],
)
def test_average_with_weights_along_any_axis_matches_numpy(w, axis):
    """NumPy's semantics, which Keras's PyTorch backend only follows along the last axis."""
    x = np.arange(6.0).reshape(3, 2)
    got = ops.average(x, axis=axis, weights=w)
    np.testing.assert_allclose(got.numpy(), np.average(x, axis=axis, weights=w))


def test_average_rejects_weights_that_do_not_fit():
    with pytest.raises(ValueError, match=r"average: weights of shape \(2,\) do not fit x"):
        ops.average(np.ones((3, 2)), weights=np.ones(2))


# --------------------------------------------------------------------------- correlation
@pytest.mark.parametrize("shape", [(3, 6), (5,), (2, 4)])
def test_corrcoef(shape):
    check_op(ops.corrcoef, torch.corrcoef, shape)


@pytest.mark.parametrize("dtype", ["float32", "float16", "int32", "int64", "bool"])
def test_corrcoef_matches_keras(dtype):
    """Integers give floatx, int64 float64 (Keras's rule)."""
    x = np.array([[1, 0, 4, 0], [1, 0, 3, 3], [0, 1, 1, 0]]).astype(dtype)
    check_keras("corrcoef", x, atol=2e-3, rtol=2e-3)


def test_corrcoef_rejects_3d():
    with pytest.raises(ValueError, match=r"corrcoef: x must be 1-d or 2-d"):
        ops.corrcoef(np.ones((2, 2, 2)))


def _torch_correlate(mode):
    def ref(a, v):
        full = torch.nn.functional.conv1d(a[None, None], v[None, None], padding=v.shape[0] - 1)
        full, n, m = full[0, 0], a.shape[0], v.shape[0]
        if mode == "full":
            return full
        if mode == "valid":
            start, length = min(n, m) - 1, abs(n - m) + 1
        else:
            start, length = (min(n, m) - 1) // 2, max(n, m)
        return full[start : start + length]

    return ref


@pytest.mark.parametrize("shapes", [((6,), (3,)), ((3,), (5,)), ((4,), (4,)), ((1,), (2,))])
@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_correlate_gradient(mode, shapes):
    check_op(lambda a, v: ops.correlate(a, v, mode=mode), _torch_correlate(mode), *shapes)


@pytest.mark.parametrize("lengths", [(6, 3), (3, 5), (4, 4), (5, 2)])
@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_correlate_matches_numpy(mode, lengths):
    a, v = _pair(*lengths)
    np.testing.assert_allclose(
        ops.correlate(a, v, mode=mode).numpy(), np.correlate(a, v, mode), rtol=1e-5, atol=1e-6
    )
    # Keras's PyTorch backend gives "same" x1's length and squeezes a length-1 result.
    if (mode != "same" or lengths[0] >= lengths[1]) and np.correlate(a, v, mode).size > 1:
        check_keras("correlate", a, v, mode=mode, atol=1e-5, rtol=1e-5)


def _pair(n, m):
    values = np.random.default_rng(n * 10 + m).standard_normal(n + m).astype("float32")
    return values[:n], values[n:]


@pytest.mark.parametrize(
    "dtypes", [("float16",) * 2, ("int32",) * 2, ("int8",) * 2, ("bool",) * 2, ("float16", "int8")]
)
def test_correlate_dtypes_match_keras(dtypes):
    a = np.array([1, 0, 2, 1]).astype(dtypes[0])
    v = np.array([1, 1]).astype(dtypes[1])
    check_keras("correlate", a, v, mode="full", atol=1e-3)


def test_correlate_errors():
    with pytest.raises(ValueError, match=r"correlate: x1 must be a non-empty 1-d tensor"):
        ops.correlate(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match=r"correlate: mode must be"):
        ops.correlate(np.ones(2), np.ones(2), mode="circular")


def test_tensor_std_ddof_matches_numpy():
    x = np.random.default_rng(0).standard_normal((3, 5))
    got = dn.tensor(x).std(axis=1, ddof=1).numpy()
    np.testing.assert_allclose(got, np.std(x, axis=1, ddof=1))
