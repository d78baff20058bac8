"""The Transformer encoder benchmark compares like with like: its PyTorch twins (packed QKV with
F.scaled_dot_product_attention, and nn.MultiheadAttention) give deepnum's loss from the same
weights, and again after one Adam step on each side, so the gradients agree too."""

import numpy as np
import pytest

from bench import transformer, workloads
from tests.conftest import reference


def _twins(attention: str, size: int = 4, seq: int = 12):
    torch = reference("torch")
    x, y = transformer.batch(size, seq)
    model = transformer.deepnum_model(seq)
    net, loss_fn = transformer.torch_model(model, attention)
    # Keras adds ε to √v, PyTorch to √v̂ = √v / √(1-β₂ᵗ): at the first step PyTorch's ε is
    # Keras's over √(1-β₂), else near-zero gradients (a key bias's) take different steps.
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7 / np.sqrt(1 - 0.999))
    ref = workloads.torch_step(net, loss_fn, opt, torch.from_numpy(x), torch.from_numpy(y))
    return (lambda: model.train_on_batch(x, y)), (lambda: float(ref().detach())), model


@pytest.mark.parametrize("attention", ["sdpa", "module"])
def test_twins_give_the_same_loss_before_and_after_one_adam_step(attention):
    ours, ref, _ = _twins(attention)
    first = ours(), ref()
    second = ours(), ref()
    np.testing.assert_allclose(first[0], first[1], rtol=2e-5)
    # One step moves the loss by far more than the tolerance, so the check sees the update.
    assert abs(second[1] - first[1]) > 1e-3
    np.testing.assert_allclose(second[0], second[1], rtol=1e-4)


def test_workload_has_the_issue_shape():
    """Token + position embedding, 2 blocks of MultiHeadAttention(4 heads, key_dim 32) +
    LayerNormalization + a feed-forward of 256, sequence 128, trained with Adam."""
    model = transformer.deepnum_model()
    heads = [layer for layer in model.layers if type(layer).__name__ == "MultiHeadAttention"]
    assert [(h.num_heads, h.key_dim) for h in heads] == [(4, 32), (4, 32)]
    dense = [layer.units for layer in model.layers if type(layer).__name__ == "Dense"]
    assert dense == [256, 128, 256, 128, 2]
    assert model.inputs[0].shape == (None, 128)
    assert type(model.optimizer).__name__ == "Adam"
