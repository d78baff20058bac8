"""binary/categorical/sparse categorical cross-entropy and psnr of ops.nn against torch
(values, gradients in output and target, second order) and keras.ops.nn."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum.ops import nn
from tests.conftest import reference
from tests.ops.helpers import check_op, make_inputs
from tests.ops.keras_reference import check_keras

torch = reference("torch")
F = torch.nn.functional
EPS = 1e-7


def _probs(shape, seed=0, axis=-1):
    p = np.random.default_rng(seed).uniform(0.05, 1.0, shape)
    return p / p.sum(axis=axis, keepdims=True)


def _torch_bce(t, o):
    o = torch.clamp(o, EPS, 1 - EPS)
    return -(t * torch.log(o) + (1 - t) * torch.log(1 - o))


def _torch_cce(t, o, axis=-1):
    o = o / o.sum(dim=axis, keepdim=True)
    return -(t * torch.log(torch.clamp(o, EPS, 1 - EPS))).sum(dim=axis)


def test_binary_crossentropy():
    t = np.random.default_rng(1).uniform(0, 1, (3, 4))
    o = np.random.default_rng(2).uniform(0.05, 0.95, (3, 4))
    check_op(nn.binary_crossentropy, _torch_bce, inputs=[t, o])
    check_op(
        lambda t, x: nn.binary_crossentropy(t, x, from_logits=True),
        lambda t, x: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
        inputs=[t, np.random.default_rng(3).normal(0, 3, (3, 4))],
    )


@pytest.mark.parametrize("from_logits", [False, True])
def test_binary_crossentropy_against_keras(from_logits):
    t = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.3]], "float32")
    o = np.array([[0.1, 0.9, 1.0], [0.0, 0.4, 0.5]], "float32")  # 0 and 1: the clipping
    if from_logits:
        o = np.array([[-30.0, 2.0, 40.0], [0.0, -1.5, 3.0]], "float32")
    check_keras("nn.binary_crossentropy", t, o, from_logits, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("shape, axis", [((3, 4), -1), ((2, 3, 4), 1), ((4,), 0)], ids=str)
def test_categorical_crossentropy(shape, axis):
    t, o = _probs(shape, 1, axis), _probs(shape, 2, axis)
    check_op(
        lambda t, o: nn.categorical_crossentropy(t, o, axis=axis),
        lambda t, o: _torch_cce(t, o, axis), inputs=[t, o],
    )  # fmt: skip
    x = make_inputs([shape], seed=4)[0] * 3
    check_op(
        lambda t, x: nn.categorical_crossentropy(t, x, from_logits=True, axis=axis),
        lambda t, x: -(t * torch.log_softmax(x, dim=axis)).sum(dim=axis), inputs=[t, x],
    )  # fmt: skip
    for from_logits, out in ((False, o), (True, x)):
        check_keras("nn.categorical_crossentropy", t.astype("float32"), out.astype("float32"),
                    from_logits, axis, atol=1e-5, rtol=1e-5)  # fmt: skip


@pytest.mark.parametrize("shape, axis", [((3, 4), -1), ((2, 3, 4), 1), ((4,), 0)], ids=str)
def test_sparse_categorical_crossentropy(shape, axis):
    labels_shape = shape[: axis % len(shape)] + shape[axis % len(shape) + 1 :]
    labels = np.random.default_rng(5).integers(0, shape[axis], labels_shape)
    onehot = np.moveaxis(np.eye(shape[axis])[labels], -1, axis)
    o = _probs(shape, 2, axis)
    check_op(
        lambda o: nn.sparse_categorical_crossentropy(labels, o, axis=axis),
        lambda o: _torch_cce(torch.tensor(onehot), o, axis), inputs=[o],
    )  # fmt: skip
    x = make_inputs([shape], seed=4)[0] * 3
    check_op(
        lambda x: nn.sparse_categorical_crossentropy(labels, x, from_logits=True, axis=axis),
        lambda x: -(torch.tensor(onehot) * torch.log_softmax(x, dim=axis)).sum(dim=axis),
        inputs=[x],
    )  # fmt: skip
    for from_logits, out in ((False, o), (True, x)):
        check_keras("nn.sparse_categorical_crossentropy", labels.astype("int32"),
                    out.astype("float32"), from_logits, axis, atol=1e-5, rtol=1e-5)  # fmt: skip


def test_sparse_labels_with_a_class_axis_of_one():
    labels = np.array([[1], [0], [2]])
    o = _probs((3, 3), 2).astype("float32")
    check_keras("nn.sparse_categorical_crossentropy", labels, o, atol=1e-6)


def test_psnr():
    x1, x2 = make_inputs([(2, 4, 4, 3), (2, 4, 4, 3)])
    check_op(
        lambda a, b: nn.psnr(a, b, 2.0),
        lambda a, b: 20 * np.log10(2.0) - 10 * torch.log10(((a - b) ** 2).mean()),
        inputs=[x1, x2],
    )
    check_keras("nn.psnr", x1.astype("float32"), x2.astype("float32"), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    "call, match",
    [(lambda: nn.binary_crossentropy(np.ones(3), np.ones(4)), "same shape"),
     (lambda: nn.categorical_crossentropy(np.ones((2, 3)), np.ones((2, 4))), "same shape"),
     (lambda: nn.sparse_categorical_crossentropy(np.zeros(3, int), np.ones((2, 4))),
      r"\(2,\)"),
     (lambda: nn.sparse_categorical_crossentropy(np.array([0, 4]), np.ones((2, 4))),
      r"\[0, 4\)"),
     (lambda: nn.psnr(np.ones(3), np.ones(2), 1.0), "same shape")],
    ids=["bce", "cce", "sparse-shape", "sparse-range", "psnr"],
)  # fmt: skip
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
