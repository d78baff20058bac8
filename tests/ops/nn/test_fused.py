"""The fused ops: linear and the softmax cross-entropies (checked against PyTorch and against
their composite formulas, twice differentiable)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op, dn_grads, dn_second

torch = reference("torch")
F = torch.nn.functional


@pytest.mark.parametrize(
    "shapes",
    [((4, 3), (3, 2), (2,)), ((3,), (3, 2), (2,)), ((2, 5, 3), (3, 4), (4,)), ((4, 3), (3, 2))],
    ids=str,
)
def test_linear(shapes):
    check_op(ops.linear, _torch_linear, *shapes)


def _torch_linear(x, w, b=None):
    return F.linear(x, w.T, b)


def test_linear_matches_composite():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    r = rng.standard_normal((2, 5, 4))
    vs = [rng.standard_normal(a.shape) for a in (x, w, b)]

    def composite(x, w, b):
        return ops.matmul(x, w) + b

    np.testing.assert_allclose(ops.linear(x, w, b).numpy(), composite(x, w, b).numpy())
    for g, c in zip(dn_grads(ops.linear, [x, w, b], r), dn_grads(composite, [x, w, b], r)):
        np.testing.assert_allclose(g, c, atol=1e-12)
    second = zip(dn_second(ops.linear, [x, w, b], r, vs), dn_second(composite, [x, w, b], r, vs))
    for h, c in second:
        np.testing.assert_allclose(h, c, atol=1e-12)


def test_linear_shape_error():
    with pytest.raises(ValueError, match=r"input of shape \(2, 3\).*kernel of shape \(4, 5\)"):
        ops.linear(np.ones((2, 3)), np.ones((4, 5)))


def _soft_targets(shape, seed=0):
    t = np.random.default_rng(seed).random(shape)
    return t / t.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 3, 5)], ids=str)
def test_softmax_cross_entropy(shape):
    # Both logits and (soft) targets are differentiated.
    check_op(
        ops.softmax_cross_entropy,
        lambda x, t: F.cross_entropy(
            x.reshape(-1, shape[-1]), t.reshape(-1, shape[-1]), reduction="none"
        ).reshape(shape[:-1]),
        inputs=[np.random.default_rng(1).standard_normal(shape), _soft_targets(shape)],
    )


def test_softmax_cross_entropy_matches_composite():
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((4, 5)), _soft_targets((4, 5))
    r = rng.standard_normal(4)
    vs = [rng.standard_normal((4, 5)), rng.standard_normal((4, 5))]

    def composite(x, t):
        return -(t * ops.log_softmax(x, axis=-1)).sum(axis=-1)

    np.testing.assert_allclose(ops.softmax_cross_entropy(x, t).numpy(), composite(x, t).numpy())
    for g, c in zip(dn_grads(ops.softmax_cross_entropy, [x, t], r), dn_grads(composite, [x, t], r)):
        np.testing.assert_allclose(g, c, atol=1e-12)
    fused = dn_second(ops.softmax_cross_entropy, [x, t], r, vs)
    for h, c in zip(fused, dn_second(composite, [x, t], r, vs)):
        np.testing.assert_allclose(h, c, atol=1e-12)


def test_softmax_cross_entropy_axis():
    x, t = np.random.default_rng(0).standard_normal((3, 4)), _soft_targets((4, 3)).T
    check_op(
        lambda a, b: ops.softmax_cross_entropy(a, b, axis=0),
        lambda a, b: F.cross_entropy(a.T, b.T, reduction="none"),
        inputs=[x, t],
    )


def test_softmax_cross_entropy_one_hot_and_extreme_logits():
    x = np.array([[1000.0, -1000.0, 0.0]])
    t = np.array([[1.0, 0.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = ops.softmax_cross_entropy(x, t)
    np.testing.assert_allclose(loss.numpy(), [0.0], atol=1e-12)
    ref = F.cross_entropy(torch.tensor(x), torch.tensor(t), reduction="none").numpy()
    np.testing.assert_allclose(loss.numpy(), ref, atol=1e-12)


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5), (3,)], ids=str)
def test_sparse_softmax_cross_entropy(shape):
    labels = np.random.default_rng(2).integers(0, shape[-1], shape[:-1])

    def ref(x):
        flat = F.cross_entropy(
            x.reshape(-1, shape[-1]), torch.tensor(labels).reshape(-1), reduction="none"
        )
        return flat.reshape(shape[:-1])

    check_op(lambda x: ops.sparse_softmax_cross_entropy(x, labels), ref, shape)


def test_sparse_softmax_cross_entropy_class_axis_1_like_torch():
    # torch's layout for sequences: logits (N, C, T), labels (N, T).
    labels = np.random.default_rng(2).integers(0, 3, (2, 4))
    check_op(
        lambda x: ops.sparse_softmax_cross_entropy(x, labels, axis=1),
        lambda x: F.cross_entropy(x, torch.tensor(labels), reduction="none"),
        (2, 3, 4),
    )


def test_sparse_matches_dense_with_one_hot():
    x = np.random.default_rng(0).standard_normal((4, 3))
    labels = np.array([0, 2, 1, 2])
    dense = ops.softmax_cross_entropy(x, np.eye(3)[labels])
    np.testing.assert_allclose(ops.sparse_softmax_cross_entropy(x, labels).numpy(), dense.numpy())
    g_sparse = dn.grad(lambda t: ops.sparse_softmax_cross_entropy(t, labels).sum())(x)
    p = np.exp(x) / np.exp(x).sum(-1, keepdims=True)
    np.testing.assert_allclose(g_sparse.numpy(), p - np.eye(3)[labels], atol=1e-12)


def test_cross_entropy_shape_errors():
    with pytest.raises(ValueError, match=r"logits of shape \(4, 3\) and targets of shape \(4, 2\)"):
        ops.softmax_cross_entropy(np.ones((4, 3)), np.ones((4, 2)))
    with pytest.raises(
        ValueError, match=r"labels of shape \(3,\).*expected labels of shape \(4,\)"
    ):
        ops.sparse_softmax_cross_entropy(np.ones((4, 3)), np.zeros(3, dtype=int))
