"""Shape ops: reshape, transpose, expand_dims, squeeze, concatenate, stack, split, pad,
repeat, tile, flatten, swapaxes, moveaxis."""

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

torch = reference("torch")


@pytest.mark.parametrize(
    "shape, new",
    [
        ((2, 3), (3, 2)),
        ((2, 3, 4), (6, -1)),
        ((6,), (1, 2, 1, 3)),
        ((), (1, 1)),
        ((1,), ()),
        ((0, 3), (3, 0)),
        ((0, 3), (-1, 3)),
    ],
    ids=str,
)
def test_reshape(shape, new):
    check_op(lambda x: ops.reshape(x, new), lambda x: torch.reshape(x, new), shape)


def test_reshape_method_forms():
    t = dn.tensor(np.arange(6.0))
    assert t.reshape(2, 3).shape == (2, 3)
    assert t.reshape((3, 2)).shape == (3, 2)
    assert t.reshape([-1, 1]).shape == (6, 1)
    assert t.reshape(2, 3).flatten().shape == (6,)


def test_reshape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*into shape \(4, 2\)"):
        ops.reshape(np.ones((2, 3)), (4, 2))


@pytest.mark.parametrize(
    "shape, axes",
    [((2, 3), None), ((2, 3, 4), (1, 2, 0)), ((2, 3, 4), (-1, 0, 1)), ((), None), ((0, 2), None)],
    ids=str,
)
def test_transpose(shape, axes):
    ref_axes = axes if axes is not None else tuple(reversed(range(len(shape))))
    check_op(lambda x: ops.transpose(x, axes), lambda x: x.permute(ref_axes), shape)


def test_transpose_property_and_method():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    t = dn.tensor(x)
    np.testing.assert_array_equal(t.T.numpy(), x.T)
    np.testing.assert_array_equal(t.transpose(2, 0, 1).numpy(), x.transpose(2, 0, 1))
    np.testing.assert_array_equal(t.transpose((1, 0, 2)).numpy(), x.transpose(1, 0, 2))
    np.testing.assert_array_equal(t.transpose().numpy(), x.transpose())


def test_transpose_rejects_a_bad_permutation():
    with pytest.raises(ValueError, match="not a permutation"):
        ops.transpose(np.ones((2, 3)), (0, 0))


@pytest.mark.parametrize("shape, axis", [((2, 3), 0), ((2, 3), -1), ((2, 3), 1), ((), 0)])
def test_expand_dims(shape, axis):
    check_op(lambda x: ops.expand_dims(x, axis), lambda x: torch.unsqueeze(x, axis), shape)


@pytest.mark.parametrize(
    "shape, axis", [((1, 3, 1), None), ((1, 3, 1), 0), ((1, 3, 1), -1), ((1, 3, 1), (0, 2))]
)
def test_squeeze(shape, axis):
    check_op(lambda x: ops.squeeze(x, axis), None, shape, np_fn=lambda x: np.squeeze(x, axis))


def test_squeeze_error():
    with pytest.raises(ValueError, match="axis 1 has size 3"):
        ops.squeeze(np.ones((1, 3)), 1)


@pytest.mark.parametrize(
    "shapes, axis",
    [
        (((2, 3), (4, 3)), 0),
        (((2, 3), (2, 1), (2, 2)), -1),
        (((0, 3), (2, 3)), 0),
        (((3,), (2,)), 0),
    ],
    ids=str,
)
def test_concatenate(shapes, axis):
    check_op(lambda *xs: ops.concatenate(xs, axis=axis), lambda *xs: torch.cat(xs, axis), *shapes)


def test_concatenate_errors():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(2, 4\).*axis 0"):
        ops.concatenate([np.ones((2, 3)), np.ones((2, 4))], axis=0)
    with pytest.raises(ValueError, match="0-d tensors.*use stack"):
        ops.concatenate([dn.tensor(1.0), dn.tensor(2.0)])


@pytest.mark.parametrize("n, shape, axis", [(3, (2, 3), 0), (2, (2, 3), -1), (2, (), 0)])
def test_stack(n, shape, axis):
    shapes = [shape] * n
    check_op(lambda *xs: ops.stack(xs, axis=axis), lambda *xs: torch.stack(xs, axis), *shapes)


@pytest.mark.parametrize(
    "shape, sections, axis",
    [((6, 2), 3, 0), ((2, 6), [1, 4], -1), ((4, 3), [2], 0), ((4, 3), [0, 4], 0)],
    ids=str,
)
def test_split(shape, sections, axis):
    # Weight each piece differently so that a mis-routed gradient shows.
    def fn(x):
        parts = ops.split(x, sections, axis=axis)
        return ops.concatenate([p * (i + 1) for i, p in enumerate(parts)], axis=axis)

    def ref(x):
        parts = torch.tensor_split(x, sections, dim=axis)
        return torch.cat([p * (i + 1) for i, p in enumerate(parts)], axis)

    check_op(fn, ref, shape)
    got = [p.shape for p in ops.split(np.ones(shape), sections, axis=axis)]
    assert got == [p.shape for p in np.split(np.ones(shape), sections, axis=axis)]


def test_split_only_one_piece_used():
    check_op(
        lambda x: ops.split(x, 3, axis=1)[1],
        lambda x: torch.tensor_split(x, 3, dim=1)[1],
        (2, 6),
    )


def test_split_unequal_error():
    with pytest.raises(ValueError, match="size 5 cannot be split into 2"):
        ops.split(np.ones(5), 2)


@pytest.mark.parametrize(
    "shape, width, value",
    [((2, 3), 1, 0.0), ((2, 3), ((1, 0), (2, 1)), 0.5), ((3,), (2, 1), -1.0), ((0, 2), 1, 0.0)],
    ids=str,
)
def test_pad(shape, width, value):
    check_op(
        lambda x: ops.pad(x, width, constant_values=value),
        None,
        shape,
        np_fn=lambda x: np.pad(x, width, constant_values=value),
    )


def test_pad_against_torch():
    # torch's pad lists (left, right) pairs from the last axis backwards.
    check_op(
        lambda x: ops.pad(x, ((1, 2), (0, 3))),
        lambda x: torch.nn.functional.pad(x, (0, 3, 1, 2)),
        (2, 3),
    )


@pytest.mark.parametrize(
    "shape, repeats, axis",
    [((2, 3), 2, 0), ((2, 3), 3, -1), ((2, 3), 2, None), ((3,), [1, 0, 2], 0), ((), 3, None)],
    ids=str,
)
def test_repeat(shape, repeats, axis):
    def ref(x):
        if axis is None:
            x = x.reshape(-1)
        return torch.repeat_interleave(x, torch.tensor(repeats), dim=axis or 0)

    check_op(lambda x: ops.repeat(x, repeats, axis=axis), ref, shape)


@pytest.mark.parametrize(
    "shape, reps", [((2, 3), 2), ((2, 3), (2, 1)), ((3,), (2, 2)), ((2, 1, 2), (1, 3))], ids=str
)
def test_tile(shape, reps):
    check_op(lambda x: ops.tile(x, reps), None, shape, np_fn=lambda x: np.tile(x, reps))
    ref_reps = (reps,) if isinstance(reps, int) else reps
    check_op(lambda x: ops.tile(x, reps), lambda x: torch.tile(x, ref_reps), shape)


def test_flatten_swapaxes_moveaxis():
    check_op(ops.flatten, lambda x: x.reshape(-1), (2, 3, 2))
    check_op(lambda x: ops.swapaxes(x, 0, -1), lambda x: x.transpose(0, -1), (2, 3, 4))
    check_op(lambda x: ops.moveaxis(x, 0, -1), lambda x: torch.movedim(x, 0, -1), (2, 3, 4))


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
