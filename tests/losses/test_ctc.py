"""losses.CTC and losses.ctc against Keras 3."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
import deepnum.losses as losses
from tests.losses.conftest import to_numpy


def _problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(1, 5, (3, 4))
    labels[0, 2:] = 0  # padded with 0, the blank
    labels[1, 3] = 0
    logits = rng.standard_normal((3, 10, 5)).astype("float32")
    return labels, logits


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_ctc_class_matches_keras(keras, reduction):
    labels, logits = _problem()
    got = losses.CTC(reduction=reduction)(labels, logits)
    want = to_numpy(keras, keras.losses.CTC(reduction=reduction)(labels, logits))
    np.testing.assert_allclose(got.numpy(), want, rtol=2e-5)


def test_ctc_function_matches_keras(keras):
    labels, logits = _problem(1)
    want = to_numpy(keras, keras.losses.ctc(labels, logits))
    np.testing.assert_allclose(losses.ctc(labels, logits).numpy(), want, rtol=2e-5)


def test_ctc_is_differentiable():
    labels, logits = _problem(2)
    x = dn.tensor(logits.astype("float64"), requires_grad=True)
    losses.CTC()(labels, x).backward()
    assert x.grad.shape == logits.shape and np.isfinite(x.grad.numpy()).all()
    # Each frame's gradient is softmax − posterior: it sums to zero over the classes.
    np.testing.assert_allclose(x.grad.numpy().sum(-1), 0.0, atol=1e-12)


def test_ctc_shape_errors():
    with pytest.raises(ValueError, match=r"y_true.shape=\(3,\)"):
        losses.ctc(np.ones(3), np.zeros((3, 4, 5)))
    with pytest.raises(ValueError, match=r"y_pred.shape=\(3, 4\)"):
        losses.ctc(np.ones((3, 2)), np.zeros((3, 4)))
