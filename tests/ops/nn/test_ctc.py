"""ops.ctc_loss against torch.nn.functional.ctc_loss: values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference


def _problem(
    seed: int, blank: int, batch: int = 4, steps: int = 12, classes: int = 6, width: int = 4
):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((batch, steps, classes)) * 2
    labels = rng.integers(0, classes - 1, (batch, width))
    labels = np.where(labels >= blank, labels + 1, labels)  # never the blank
    if width > 1:
        labels[0, 1] = labels[0, 0]  # a repeated label needs a blank in between
    target_length = rng.integers(0, width + 1, batch)
    target_length[0] = width
    output_length = rng.integers(2 * width + 1, steps + 1, batch)
    output_length[-1] = steps
    return logits, labels, target_length, output_length


def _torch_ctc(torch, logits, labels, target_length, output_length, blank, upstream):
    x = torch.tensor(logits, requires_grad=True)
    loss = torch.nn.functional.ctc_loss(
        torch.log_softmax(x, -1).transpose(0, 1),
        torch.tensor(labels),
        torch.tensor(output_length),
        torch.tensor(target_length),
        blank=blank,
        reduction="none",
    )
    loss.backward(torch.tensor(upstream))
    return loss.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("blank", [0, 3, 5])
@pytest.mark.parametrize("dtype, tol", [("float64", 1e-10), ("float32", 2e-5)])
def test_matches_torch(blank, dtype, tol):
    torch = reference("torch")
    for seed in range(3):
        logits, labels, tlen, olen = _problem(seed, blank)
        logits = logits.astype(dtype)
        upstream = np.arange(1, len(tlen) + 1).astype(dtype)
        x = dn.tensor(logits, requires_grad=True)
        loss = dn.ops.ctc_loss(labels, x, tlen, olen, mask_index=blank)
        loss.backward(upstream)
        want, want_grad = _torch_ctc(torch, logits, labels, tlen, olen, blank, upstream)
        assert loss.dtype == dtype
        np.testing.assert_allclose(loss.numpy(), want, rtol=tol, atol=tol)
        np.testing.assert_allclose(x.grad.numpy(), want_grad, rtol=tol, atol=tol)


def test_gradient_matches_numerical():
    logits, labels, tlen, olen = _problem(7, blank=0, batch=2, steps=5, classes=3, width=2)
    assert dn.check_grad(lambda x: dn.ops.ctc_loss(labels, x, tlen, olen), logits) < 1e-6


def test_matches_keras_ops():
    keras = reference("keras")
    logits, labels, tlen, olen = _problem(1, blank=2)
    logits = logits.astype("float32")
    want = keras.ops.convert_to_numpy(keras.ops.ctc_loss(labels, logits, tlen, olen, mask_index=2))
    got = dn.ops.ctc_loss(labels, logits, tlen, olen, mask_index=2)
    np.testing.assert_allclose(got.numpy(), want, rtol=2e-5)


def test_small_example_by_hand():
    # Uniform over {blank, a} for two steps: "a" comes from a·, ·a and aa, so p = 3/4.
    loss = dn.ops.ctc_loss([[1]], np.zeros((1, 2, 2)), [1], [2])
    assert float(loss[0]) == pytest.approx(-np.log(0.75))


def test_infeasible_target_gives_inf_and_zero_gradient():
    # "aa" needs a blank between the two a's: three steps, but only two are given.
    x = dn.tensor(np.zeros((2, 3, 2)), requires_grad=True)
    loss = dn.ops.ctc_loss([[1, 1], [1, 1]], x, [2, 2], [2, 3])
    assert np.isinf(loss.numpy()[0]) and np.isfinite(loss.numpy()[1])
    dn.ops.where(np.isfinite(loss.numpy()), loss, 0.0).sum().backward()
    assert np.all(x.grad.numpy()[0] == 0)


def test_empty_target_and_padding_values():
    torch = reference("torch")
    logits, labels, tlen, olen = _problem(4, blank=0)
    tlen[1] = 0
    padded = labels.copy()
    padded[np.arange(labels.shape[1]) >= tlen[:, None]] = -1  # padding is ignored
    got = dn.ops.ctc_loss(padded, logits, tlen, olen)
    want, _ = _torch_ctc(torch, logits, labels, tlen, olen, 0, np.ones(4))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10)


def test_second_derivative_is_refused():
    logits, labels, tlen, olen = _problem(2, blank=0, batch=1, steps=4, classes=3, width=1)
    with pytest.raises(NotImplementedError, match="second derivatives"):
        dn.hessian(lambda x: dn.ops.ctc_loss(labels, x, tlen, olen).sum())(logits)


def test_errors_name_the_argument():
    logits = np.zeros((2, 5, 3))
    with pytest.raises(ValueError, match="output_length must lie in"):
        dn.ops.ctc_loss([[1], [2]], logits, [1, 1], [5, 6])
    with pytest.raises(ValueError, match="labels must lie in"):
        dn.ops.ctc_loss([[1], [3]], logits, [1, 1], [5, 5])
    with pytest.raises(ValueError, match="`target` must have shape"):
        dn.ops.ctc_loss([1, 2], logits, [1, 1], [5, 5])
    with pytest.raises(ValueError, match="logits of shape"):
        dn.ops.ctc_loss([[1], [2]], np.zeros((2, 5)), [1, 1], [5, 5])
