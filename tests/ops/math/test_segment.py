"""segment_sum / max / min / prod: against keras.ops and torch's scatter_reduce; gradients
against numerical differentiation and torch.autograd, to second order (segment_prod with
zeros included)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")

IDENTITY = {"sum": 0.0, "amax": -np.inf, "amin": np.inf, "prod": 1.0}
OPS = {"sum": "segment_sum", "amax": "segment_max", "amin": "segment_min", "prod": "segment_prod"}
IDS = np.array([0, 0, 2, -1, 2, 1, 5, 3])  # -1 and 5 fall outside 4 segments: dropped


def _torch_segment(reduce, ids, num_segments):
    """torch.scatter_reduce onto the identity, with an extra row for the dropped ids."""

    def fn(data):
        ids_t = torch.tensor(ids)
        index = torch.where((ids_t >= 0) & (ids_t < num_segments), ids_t, num_segments)
        index = index.reshape((-1,) + (1,) * (data.ndim - 1)).expand(data.shape)
        out = torch.full((num_segments + 1,) + tuple(data.shape[1:]), IDENTITY[reduce])
        return out.to(data.dtype).scatter_reduce(0, index, data, reduce)[:-1]

    return fn


def _data(zeros=()):
    data = np.random.default_rng(0).normal(size=(8, 2))
    for i in zeros:
        data[i] = 0.0
    return data


@pytest.mark.parametrize("reduce", ["sum", "amax", "amin", "prod"])
def test_against_torch_to_second_order(reduce):
    check_op(
        lambda d: getattr(ops, OPS[reduce])(d, IDS, num_segments=4),
        _torch_segment(reduce, IDS, 4),
        inputs=[_data()],
    )


@pytest.mark.parametrize("zeros", [[(0, 1)], [(2, 0), (0, 1)]], ids=str)
def test_segment_prod_with_one_zero_per_segment_to_second_order(zeros):
    data = _data(zeros)
    fn = lambda d: ops.segment_prod(d, IDS, num_segments=4)  # noqa: E731
    check_op(fn, _torch_segment("prod", IDS, 4), inputs=[data])
    reference_fn = _torch_segment("prod", IDS, 4)
    check_op(fn, None, inputs=[data], np_fn=lambda d: reference_fn(torch.tensor(d)).numpy())


def test_segment_prod_with_two_zeros_in_a_segment():
    data = _data([(0, 1), (1, 1)])  # both in segment 0
    fn = lambda d: ops.segment_prod(d, IDS, num_segments=4)  # noqa: E731
    check_op(fn, _torch_segment("prod", IDS, 4), inputs=[data], second_order=False)
    with pytest.raises(ValueError, match="two or more zeros"):
        dn.hessian(lambda d: fn(d).sum())(data)


def test_extremes_share_the_gradient_of_ties():
    data = np.array([3.0, 3.0, 1.0])
    g = dn.grad(lambda d: ops.segment_max(d, np.array([0, 0, 0])).sum())(data).numpy()
    np.testing.assert_allclose(g, [0.5, 0.5, 0.0])


@pytest.mark.parametrize("name", list(OPS.values()))
@pytest.mark.parametrize(
    "data, ids, kwargs",
    [
        (np.random.default_rng(1).normal(size=(6, 2)).astype("float32"), [0, 0, 1, 3, 3, 1], {}),
        (np.random.default_rng(2).normal(size=6), [0, 0, -1, 1, 5, 2], {"num_segments": 4}),
        (np.arange(1, 7), [0, 0, 1, 1, 2, 2], {"sorted": True}),
    ],
    ids=["float32", "float64-dropped-and-empty", "int"],
)
def test_against_keras(name, data, ids, kwargs):
    check_keras(name, data, np.array(ids), atol=1e-6, rtol=1e-6, **kwargs)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: ops.segment_sum(np.ones(4), np.zeros((2, 2), int)), ValueError, "1-d vector"),
        (lambda: ops.segment_sum(np.ones(4), np.zeros(3, int)), ValueError, "leading dimension"),
        (lambda: ops.segment_max(np.ones(2), np.zeros(2)), TypeError, "must be integers"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
