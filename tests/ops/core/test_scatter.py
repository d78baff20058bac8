"""scatter, scatter_update, slice, slice_update, unstack: forward against keras.ops on the same
inputs; gradients against torch.autograd and numerical differentiation (float64), and second
order where the op is nonlinear."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

keras = reference("keras")
torch = reference("torch")
rng = np.random.default_rng(0)

SCATTER_CASES = [  # indices, values shape, output shape
    ([[0, 1], [1, 1]], (2,), (2, 2)),
    ([[0, 1], [0, 1], [2, 0]], (3,), (3, 2)),  # a repeated index accumulates
    ([[1], [3]], (2, 4), (5, 4)),  # whole rows
    ([[[0, 0], [1, 2]], [[2, 1], [0, 0]]], (2, 2), (3, 3)),  # batched indices
]


@pytest.mark.parametrize("indices, vshape, shape", SCATTER_CASES, ids=str)
def test_scatter_matches_keras_and_its_gradient_reads_the_indices(indices, vshape, shape):
    values = rng.standard_normal(vshape).astype("float32")
    check_keras("scatter", indices, values, shape)
    idx = np.asarray(indices).reshape(-1, len(indices[0]) if np.ndim(indices) == 2 else 2)
    flat_index = tuple(torch.tensor(idx.T))

    def torch_scatter(v):
        out = torch.zeros(shape, dtype=v.dtype)
        return out.index_put(flat_index, v.reshape((idx.shape[0],) + shape[idx.shape[1] :]), True)

    check_op(lambda v: ops.scatter(indices, v, shape), torch_scatter, vshape, float32=False)


UPDATE_CASES = [  # inputs shape, indices, updates shape
    ((4, 4, 4), [[1, 2, 3], [0, 1, 3]], (2,)),
    ((4, 4, 4), [[1, 2], [2, 3]], (2, 4)),
    ((5,), [[0], [0], [1]], (3,)),  # a repeated index
    ((3, 2), [[-1], [0]], (2, 2)),  # a negative index
]


@pytest.mark.parametrize("reduction", [None, "add", "max", "min", "mul"])
@pytest.mark.parametrize("shape, indices, ushape", UPDATE_CASES, ids=str)
def test_scatter_update_matches_keras(shape, indices, ushape, reduction):
    x = rng.standard_normal(shape).astype("float32")
    u = rng.standard_normal(ushape).astype("float32")
    check_keras("scatter_update", x, indices, u, reduction=reduction)


def _torch_update(shape, indices, reduction):
    index = tuple(torch.tensor(np.asarray(indices)).T)

    def fn(x, u):
        if reduction in (None, "add"):
            return x.index_put(index, u, accumulate=reduction == "add")
        out = x
        combine = {"max": torch.maximum, "min": torch.minimum, "mul": torch.mul}[reduction]
        for i, row in enumerate(np.asarray(indices)):  # in row order, as Keras's PyTorch loop
            out = out.index_put(tuple(torch.tensor(row)[:, None]), combine(out[tuple(row)], u[i]))
        return out

    return fn


@pytest.mark.parametrize("reduction", [None, "add", "max", "min", "mul"])
@pytest.mark.parametrize(
    "shape, indices, ushape",
    [((4, 3), [[1], [3]], (2, 3)), ((5,), [[0], [2], [0], [4], [0]], (5,))],
    ids=str,
)
def test_scatter_update_gradients_reach_inputs_and_updates(shape, indices, ushape, reduction):
    if reduction is None and len(indices) == 5:
        # Repeated indices without a reduction: PyTorch leaves the winner undefined; deepnum
        # keeps the last update (as NumPy and Keras's docs do) and gives the others no gradient.
        x = dn.tensor(np.zeros(5), requires_grad=True)
        u = dn.tensor([1.0, 2.0, 3.0, 4.0, 5.0], requires_grad=True)
        out = ops.scatter_update(x, indices, u)
        assert out.numpy().tolist() == [5.0, 0.0, 2.0, 0.0, 4.0]
        (out * dn.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
        assert u.grad.numpy().tolist() == [0.0, 3.0, 0.0, 5.0, 1.0]
        assert x.grad.numpy().tolist() == [0.0, 2.0, 0.0, 4.0, 0.0]
        return
    check_op(
        lambda x, u: ops.scatter_update(x, indices, u, reduction=reduction),
        _torch_update(shape, indices, reduction),
        shape,
        ushape,
        float32=False,
    )


@pytest.mark.parametrize(
    "shape, start, size", [((5, 5), (3, 3), (2, 2)), ((4, 6), (0, 2), (4, 3)), ((3,), (1,), (2,))]
)
def test_slice_matches_keras_and_is_differentiable(shape, start, size):
    x = rng.standard_normal(shape).astype("float32")
    check_keras("slice", x, start, size)
    check_keras("slice", x, np.array(start), np.array(size))
    index = tuple(slice(a, a + n) for a, n in zip(start, size))
    check_op(lambda t: ops.slice(t, start, size), lambda t: t[index], shape, float32=False)


def test_slice_size_minus_one_takes_the_rest_and_bad_blocks_are_refused():
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(ops.slice(x, (1, 1), (-1, 2)).numpy(), x[1:, 1:3])
    with pytest.raises(ValueError, match="does not fit"):
        ops.slice(x, (2, 0), (2, 4))
    with pytest.raises(ValueError, match="one entry per axis"):
        ops.slice(x, (0,), (1, 1))


@pytest.mark.parametrize(
    "shape, start, ushape", [((5, 5), (3, 3), (2, 2)), ((4, 6), (1, 0), (2, 6)), ((3,), (0,), (2,))]
)
def test_slice_update_matches_keras_and_is_differentiable(shape, start, ushape):
    x = rng.standard_normal(shape).astype("float32")
    u = rng.standard_normal(ushape).astype("float32")
    check_keras("slice_update", x, list(start), u)
    index = tuple(slice(a, a + n) for a, n in zip(start, ushape))

    def torch_fn(t, v):
        out = t.clone()
        out[index] = v
        return out

    check_op(lambda t, v: ops.slice_update(t, start, v), torch_fn, shape, ushape, float32=False)


def test_slice_update_casts_updates_and_refuses_what_does_not_fit():
    out = ops.slice_update(np.zeros((2, 3), "int32"), (0, 1), np.array([[1.7, 2.2]]))
    assert out.dtype == np.int32 and out.numpy().tolist() == [[0, 1, 2], [0, 0, 0]]
    with pytest.raises(ValueError, match="do not fit"):
        ops.slice_update(np.zeros((2, 3)), (1, 2), np.ones((1, 2)))
    with pytest.raises(ValueError, match="rank"):
        ops.slice_update(np.zeros((2, 3)), (0, 0), np.ones(2))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unstack_matches_keras_and_stacks_the_gradient_back(axis):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    want = keras.ops.unstack(keras.ops.convert_to_tensor(x), axis=axis)  # needs a torch tensor
    got = ops.unstack(x, axis=axis)
    assert isinstance(got, list) and len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == np.float32
        np.testing.assert_array_equal(g.numpy(), w.numpy())
    t = dn.tensor(x.astype("float64"), requires_grad=True)
    parts = ops.unstack(t, axis=axis)
    weights = [float(i + 1) for i in range(len(parts))]
    sum((p * w).sum() for p, w in zip(parts[:-1], weights)).backward()  # the last one unused
    tt = torch.tensor(x.astype("float64"), requires_grad=True)
    tparts = torch.unbind(tt, dim=axis)
    sum((p * w).sum() for p, w in zip(tparts[:-1], weights)).backward()
    np.testing.assert_array_equal(t.grad.numpy(), tt.grad.numpy())
    with pytest.raises(ValueError, match="num=5"):
        ops.unstack(x, num=5, axis=axis)


def test_scatter_errors_name_the_argument():
    with pytest.raises(ValueError, match="Invalid reduction"):
        ops.scatter_update(np.zeros(3), [[0]], [1.0], reduction="sum")
    with pytest.raises(TypeError, match="integers"):
        ops.scatter(np.array([[0.5]]), [1.0], (2,))
    with pytest.raises(ValueError, match="axes"):
        ops.scatter([[0, 1, 2]], [1.0], (2, 2))
