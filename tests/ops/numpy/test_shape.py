"""Shape ops: reshape, transpose, swapaxes, moveaxis, expand_dims, squeeze, ravel, flatten,
ndim, size, view — forward and dtype against keras.ops, gradients against torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")

X = np.arange(24.0).reshape(2, 3, 4)
I32 = np.arange(6, dtype=np.int32).reshape(2, 3)

# (name, args, kwargs) run through both deepnum.ops and keras.ops on the same inputs.
KERAS_CASES = [
    ("reshape", (X, (4, -1)), {}),
    ("reshape", (X, 24), {}),
    ("reshape", (X, [6, 4]), {}),
    ("reshape", (I32, (3, 2)), {}),
    ("transpose", (X[0],), {}),
    ("transpose", (X, (1, 0, 2)), {}),
    ("transpose", (X, (-1, 0, 1)), {}),
    ("swapaxes", (X, 0, -1), {}),
    ("moveaxis", (X, 0, -1), {}),
    ("moveaxis", (X, (0, 1), (2, 0)), {}),
    ("expand_dims", (X, 1), {}),
    ("expand_dims", (X, -1), {}),
    ("expand_dims", (X, (0, 4)), {}),
    ("squeeze", (np.ones((1, 3, 1)),), {}),
    ("squeeze", (np.ones((1, 3, 1)), 2), {}),
    ("squeeze", (np.ones((1, 3, 1)), (0, -1)), {}),
    ("ravel", (I32,), {}),
    ("ndim", (X,), {}),
    ("size", (X,), {}),
    ("view", (I32, "float32"), {}),
    ("view", (I32, "int16"), {}),
    ("view", (np.ones((2, 4), np.int8), "int32"), {}),
]


@pytest.mark.parametrize(
    "name, args, kwargs", KERAS_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_CASES)]
)
def test_against_keras(name, args, kwargs):
    check_keras(name, *args, **kwargs)


@pytest.mark.parametrize(
    "shape, new",
    [((2, 3), (3, 2)), ((2, 3, 4), (6, -1)), ((), (1, 1)), ((1,), ()), ((0, 3), (-1, 3))],
    ids=str,
)
def test_reshape_grad(shape, new):
    check_op(lambda x: ops.reshape(x, new), lambda x: torch.reshape(x, new), shape)


def test_reshape_accepts_tensor_and_array_shapes():
    x = np.arange(6.0)
    assert ops.reshape(x, dn.tensor(np.array([2, 3]))).shape == (2, 3)
    assert ops.reshape(x, (np.int64(3), -1)).shape == (3, 2)
    assert ops.reshape(x, np.array([3, 2])).shape == (3, 2)


def test_reshape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*into shape \(4, 2\)"):
        ops.reshape(np.ones((2, 3)), (4, 2))


def test_tensor_shape_methods():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    t = dn.tensor(x)
    np.testing.assert_array_equal(t.T.numpy(), x.T)
    np.testing.assert_array_equal(t.transpose(2, 0, 1).numpy(), x.transpose(2, 0, 1))
    np.testing.assert_array_equal(t.transpose((1, 0, 2)).numpy(), x.transpose(1, 0, 2))
    np.testing.assert_array_equal(t.transpose().numpy(), x.transpose())
    assert t.reshape(4, 6).shape == (4, 6) and t.reshape((24,)).shape == (24,)
    assert t.reshape([-1, 2]).shape == (12, 2) and t.flatten().shape == (24,)
    assert t.expand_dims(0).shape == (1, 2, 3, 4) and t[None].squeeze(0).shape == (2, 3, 4)


@pytest.mark.parametrize(
    "shape, axes",
    [((2, 3), None), ((2, 3, 4), (1, 2, 0)), ((2, 3, 4), (-1, 0, 1)), ((), None), ((0, 2), None)],
    ids=str,
)
def test_transpose_grad(shape, axes):
    ref_axes = axes if axes is not None else tuple(reversed(range(len(shape))))
    check_op(lambda x: ops.transpose(x, axes), lambda x: x.permute(ref_axes), shape)


@pytest.mark.parametrize(
    "fn, torch_fn",
    [
        (lambda x: ops.swapaxes(x, 0, -1), lambda x: x.transpose(0, -1)),
        (lambda x: ops.moveaxis(x, 0, -1), lambda x: torch.movedim(x, 0, -1)),
        (lambda x: ops.moveaxis(x, (0, 2), (1, 0)), lambda x: torch.movedim(x, (0, 2), (1, 0))),
        (lambda x: ops.expand_dims(x, (0, 2)), lambda x: x[None, :, None]),
        (lambda x: ops.squeeze(x[:1], 0), lambda x: x[:1].squeeze(0)),
        (ops.ravel, lambda x: x.reshape(-1)),
        (ops.flatten, lambda x: x.reshape(-1)),
    ],
    ids=["swapaxes", "moveaxis", "moveaxis-seq", "expand_dims", "squeeze", "ravel", "flatten"],
)
def test_axis_ops_grad(fn, torch_fn):
    check_op(fn, torch_fn, (2, 3, 4))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: ops.transpose(np.ones((2, 3)), (0, 0)), ValueError, "not a permutation"),
        (lambda: ops.squeeze(np.ones((1, 3)), 1), ValueError, "axis 1 .* has size 3"),
        (lambda: ops.swapaxes(np.ones((2, 3)), 0, 2), ValueError, "axis 2 is out of bounds"),
        (lambda: ops.expand_dims(np.ones(2), 3), ValueError, "expand_dims: axis 3"),
        (lambda: ops.moveaxis(np.ones((2, 3)), (0, 1), 0), ValueError, "same number"),
        (lambda: ops.view(np.ones((), np.int32), "int16"), ValueError, "0-d tensor"),
        (lambda: ops.view(np.ones(3, np.int8), "int16"), ValueError, "not a multiple"),
    ],
    ids=["perm", "squeeze", "swapaxes", "expand_dims", "moveaxis", "view-0d", "view-bytes"],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_view_is_a_constant_and_keeps_the_dtype_by_default():
    x = dn.tensor(np.ones(2, np.float32), requires_grad=True)
    y = ops.view(x, "int32")
    assert not y.requires_grad and y.numpy().tolist() == [1065353216, 1065353216]
    # NumPy's and Keras's symbolic rule; Keras's torch backend reads dtype=None as floatx.
    assert ops.view(I32).dtype == np.int32


# --------------------------------------------------------------------------- properties
@settings(max_examples=30, deadline=None)
@given(
    hnp.arrays(np.float64, hnp.array_shapes(max_dims=4, max_side=3), elements=st.floats(-2, 2)),
    st.randoms(use_true_random=False),
)
def test_transpose_reshape_round_trip(x, random):
    axes = list(range(x.ndim))
    random.shuffle(axes)
    t = dn.tensor(x, requires_grad=True)
    y = ops.reshape(ops.transpose(t, axes), (-1,))
    np.testing.assert_array_equal(y.numpy(), x.transpose(axes).reshape(-1))
    w = np.arange(y.size, dtype=np.float64)
    (y * w).sum().backward()
    # The gradient of Σ wᵢ yᵢ puts wᵢ back at the position element i came from.
    np.testing.assert_array_equal(
        t.grad.numpy(), w.reshape(x.transpose(axes).shape).transpose(np.argsort(axes))
    )
