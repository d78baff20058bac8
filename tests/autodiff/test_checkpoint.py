"""checkpoint: the same gradients as without it (against torch.autograd), fewer tensors kept
by the graph (counted by walking it), layers wrapped in a model, dropout recomputed with the
same mask, second order."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference

torch = reference("torch")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 3))
W1, W2 = RNG.standard_normal((3, 6)), RNG.standard_normal((6, 2))


def saved_tensors(y: dn.Tensor) -> int:
    """Tensors the graph of ``y`` keeps for the backward pass: each recorded operation's
    inputs and saved outputs."""
    seen, stack, count = set(), [y.creator], 0
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        count += len(fn.inputs) + len(getattr(fn, "_saved", None) or ())
        stack += [x.creator for x in fn.inputs]
    return count


def _block(m, w1):
    def block(x):
        return m.tanh(m.tanh(x @ w1) * 2.0) ** 2

    return block


def test_same_gradients_and_fewer_saved_tensors():
    w1 = dn.tensor(W1, requires_grad=True)
    w2 = dn.tensor(W2, requires_grad=True)
    x = dn.tensor(X, requires_grad=True)
    plain = (_block(ops, w1)(x) @ w2).sum()
    checked = (dn.checkpoint(_block(ops, w1))(x) @ w2).sum()
    assert saved_tensors(checked) < saved_tensors(plain)
    checked.backward()
    got = [t.grad.numpy() for t in (x, w1, w2)]
    tx, tw1, tw2 = (torch.tensor(a, requires_grad=True) for a in (X, W1, W2))
    (_block(torch, tw1)(tx) @ tw2).sum().backward()
    for g, t in zip(got, (tx, tw1, tw2)):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-12)


def test_second_order_through_a_checkpoint():
    def f(m, block):
        return lambda x: (block(x) ** 3).sum()

    got = dn.hessian(f(ops, dn.checkpoint(lambda x: ops.sin(x) * x)))(X[0])
    want = torch.func.hessian(f(torch, lambda x: torch.sin(x) * x))(torch.tensor(X[0]))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-12)


def test_checkpointed_layers_in_a_model():
    def build(checkpointed):
        dn.utils.set_random_seed(3)
        hidden = dn.layers.Dense(8, activation="tanh")
        drop = dn.layers.Dropout(0.5)
        block = (
            dn.Sequential([hidden, drop])
            if not checkpointed
            else dn.checkpoint(dn.Sequential([hidden, drop]))
        )
        model = dn.Sequential([dn.Input((3,)), block, dn.layers.Dense(1)])
        model.compile(optimizer=dn.optimizers.SGD(0.1), loss="mse")
        return model

    x, y = X.astype("float32"), np.ones((4, 1), "float32")
    plain, checked = build(False), build(True)
    assert len(checked.trainable_weights) == len(plain.trainable_weights) == 4
    for model in (plain, checked):
        dn.utils.set_random_seed(7)  # the same dropout mask in both, and in the recomputation
        model.train_on_batch(x, y)
    for a, b in zip(plain.get_weights(), checked.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    out = checked.predict(x, verbose=0)
    np.testing.assert_allclose(out, plain.predict(x, verbose=0), rtol=1e-6)


def test_randomness_that_cannot_be_replayed_is_refused():
    drop = dn.layers.Dropout(0.5, seed=1)  # its own generator: not replayed
    w = dn.tensor(np.ones((3, 8)), requires_grad=True)
    block = dn.checkpoint(lambda x: drop(x @ w, training=True))
    loss = block(dn.tensor(X)).sum()
    with pytest.raises(RuntimeError, match="other values when run again"):
        loss.backward()
