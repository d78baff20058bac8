"""The benchmark compares like with like: PyTorch twins compute the same function from the same
initial weights as deepnum's models (checked here on the forward pass and the loss)."""

import numpy as np
import pytest

from bench import workloads
from tests.conftest import reference


@pytest.mark.parametrize("name", ["mlp", "cnn", "lstm"])
def test_torch_twin_computes_the_same_loss(name):
    torch = reference("torch")
    if name == "mlp":
        x, y = workloads.mnist_batch(8, flat=True)
        model = workloads.deepnum_mlp()
        net, loss_fn = workloads.torch_mlp(model)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    elif name == "cnn":
        x, y = workloads.mnist_batch(8)
        model = workloads.deepnum_cnn()
        net, loss_fn = workloads.torch_cnn(model)
        xt, yt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()), torch.from_numpy(y)
    else:
        x, y = workloads.imdb_batch(4, steps=12)
        model = workloads.deepnum_lstm(12)
        net, loss_fn = workloads.torch_lstm(model)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    ours = model.test_on_batch(x, y)
    with torch.no_grad():
        theirs = float(loss_fn(net(xt), yt))
    np.testing.assert_allclose(ours, theirs, rtol=2e-5)


@pytest.mark.parametrize("attention", ["sdpa", "module"])
def test_transformer_twins_compute_the_same_loss(attention):
    """The Transformer encoder: Keras's EinsumDense q/k/v kernels packed into PyTorch's QKV
    projection (F.scaled_dot_product_attention or nn.MultiheadAttention)."""
    from bench import transformer

    torch = reference("torch")
    x, y = transformer.batch(4, seq=12)
    model = transformer.deepnum_model(seq=12)
    net, loss_fn = transformer.torch_model(model, attention)
    ours = model.test_on_batch(x, y)
    with torch.no_grad():
        theirs = float(loss_fn(net(torch.from_numpy(x)), torch.from_numpy(y)))
    np.testing.assert_allclose(ours, theirs, rtol=2e-5)


@pytest.mark.parametrize("name", ["convlstm", "rnn_cell"])
def test_recurrent_twins_compute_the_same_loss_and_step(name):
    """The ConvLSTM2D and RNN(custom cell) twins: the same loss from the same weights, and
    again after one Adam step on each side (so the gradients agree too)."""
    from bench import recurrent_suite

    reference("torch")
    ours, ref, _, _, _ = recurrent_suite.setup(name, batch=2)
    first = [float(ref().detach()), ours()]
    second = [float(ref().detach()), ours()]
    np.testing.assert_allclose(first[1], first[0], rtol=2e-5)
    np.testing.assert_allclose(second[1], second[0], rtol=1e-4)
