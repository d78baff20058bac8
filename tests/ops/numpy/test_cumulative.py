"""Running totals: cumsum, cumprod (exact with zeros, to second order), nancumsum,
nancumprod, trapezoid — against Keras (values, dtypes), torch.autograd and central
differences."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "float16", "float32"]


def _torch_cum(name, axis):
    fn = getattr(torch, name)
    return (lambda t: fn(t.reshape(-1), 0)) if axis is None else (lambda t: fn(t, axis))


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumsum_cumprod(name, axis):
    check_op(lambda x: getattr(ops, name)(x, axis=axis), _torch_cum(name, axis), (3, 4))


ZEROS = {
    "one": [[1.5, 0.0, 2.0, -0.5], [0.5, 3.0, -1.0, 0.0]],
    "several": [[0.0, 0.0, 2.0, 1.5], [0.5, 0.0, -1.0, 0.0]],
    "all": [[0.0, 0.0, 0.0, 0.0], [1.0, 2.0, 0.0, 3.0]],
}


@pytest.mark.parametrize("x", ZEROS.values(), ids=ZEROS.keys())
@pytest.mark.parametrize("axis", [1, 0])
def test_cumprod_with_zeros(x, axis):
    check_op(lambda t: ops.cumprod(t, axis=axis), _torch_cum("cumprod", axis), inputs=[x])
    # second order against central differences of the first derivative too
    check_op(lambda t: ops.cumprod(t, axis=axis), None, inputs=[x], np_fn=lambda a: a.cumprod(axis))


def test_cumprod_array_and_recorded_backward_agree_with_zeros():
    """``backward()`` runs the O(n) first-zero formula; create_graph the O(n²) exact one."""
    x = np.random.default_rng(2).uniform(-1.5, 1.5, (3, 7))
    x[0, 3] = x[1, [1, 4]] = x[2, 0] = 0.0
    r = np.random.default_rng(3).standard_normal(x.shape)
    grads = []
    for create_graph in (False, True):
        t = dn.tensor(x, requires_grad=True)
        (ops.cumprod(t, axis=1) * r).sum().backward(create_graph=create_graph)
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-12)


@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_matches_keras_values_and_dtypes(name, dtype, axis):
    """The input's dtype is kept, bool gives int32."""
    x = np.array([[1, 0, 2], [2, 1, 1]]).astype(dtype)
    check_keras(name, x, axis=axis)


@pytest.mark.parametrize("dtype", ["float32", "int8", "int32"])
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_dtype_argument_matches_keras(name, dtype):
    x = np.array([[1.5, 0.5, 2.0], [2.0, 1.0, -1.0]], dtype="float32")
    check_keras(name, x, axis=1, dtype=dtype)
    check_keras(name, x.astype("int8"), dtype=dtype)


def test_64_bit_inputs_stay_64_bit():
    for dtype in ("float64", "int64"):
        x = np.arange(6).reshape(2, 3).astype(dtype)
        assert ops.cumsum(x, axis=1).dtype == dtype
        assert ops.cumprod(x).dtype == dtype


def test_0d_input_is_its_own_running_total():
    assert ops.cumsum(np.float32(2.5), axis=0).item() == 2.5
    assert ops.cumprod(np.float32(2.5)).shape == (1,)


def test_axis_must_be_one_int():
    with pytest.raises(TypeError, match=r"cumsum: axis must be an int"):
        ops.cumsum(np.ones((2, 2)), axis=(0, 1))
    with pytest.raises(ValueError, match=r"cumprod: axis 2 is out of bounds .* rank 2"):
        ops.cumprod(np.ones((2, 2)), axis=2)


NAN = np.array([[1.5, np.nan, 2.0, -0.5], [np.nan, np.nan, -1.0, 0.75]])


@pytest.mark.parametrize("axis", [None, 1, 0])
def test_nancumsum_nancumprod_match_keras(axis):
    check_keras("nancumsum", NAN.astype("float32"), axis=axis)
    check_keras("nancumprod", NAN.astype("float32"), axis=axis)


@pytest.mark.parametrize(
    "name, fill", [("nancumsum", 0.0), ("nancumprod", 1.0)], ids=["nancumsum", "nancumprod"]
)
def test_nancumulative_gradient_is_zero_at_nan(name, fill):
    base = "cumsum" if name == "nancumsum" else "cumprod"
    check_op(
        lambda t: getattr(ops, name)(t, axis=1),
        lambda t: getattr(torch, base)(torch.nan_to_num(t, nan=fill), 1),
        inputs=[NAN],
    )


# --------------------------------------------------------------------------- trapezoid
@pytest.mark.parametrize("axis, dx", [(-1, 1.0), (0, 0.5)])
def test_trapezoid_with_spacing(axis, dx):
    check_op(
        lambda y: ops.trapezoid(y, dx=dx, axis=axis),
        lambda y: torch.trapezoid(y, dx=dx, dim=axis),
        (3, 4),
    )


@pytest.mark.parametrize("x_shape, axis", [((4,), -1), ((3,), 0), ((3, 4), 0)])
def test_trapezoid_with_sample_points(x_shape, axis):
    check_op(
        lambda y, x: ops.trapezoid(y, x=x, axis=axis),
        lambda y, x: torch.trapezoid(y, x=x, dim=axis),
        (3, 4),
        x_shape,
    )


@pytest.mark.parametrize(
    "y, kwargs",
    [
        (np.array([[1, 2, 3], [4, 5, 6]], "int32"), {"axis": 1}),
        (np.array([[1, 2, 3], [4, 5, 6]], "float16"), {"dx": 2.0, "axis": 0}),
        (np.array([[1, 2, 3], [4, 5, 6]], "float32"), {"x": np.array([0.0, 1.0, 3.0], "float32")}),
        (np.array([[True, False, True]]), {}),
        (np.array([2.5], "float32"), {}),
    ],
    ids=["int", "float16", "points", "bool", "one-sample"],
)
def test_trapezoid_matches_keras(y, kwargs):
    check_keras("trapezoid", y, atol=1e-3, rtol=1e-3, **kwargs)
