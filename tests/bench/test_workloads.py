"""The benchmark compares like with like: PyTorch twins compute the same function from the same
initial weights as deepnum's models (checked here on the forward pass and the loss)."""

import numpy as np
import pytest

from bench import workloads
from tests.conftest import reference


@pytest.mark.parametrize("numba", ["1", "0"])
@pytest.mark.parametrize("name", ["mlp", "cnn", "lstm"])
def test_torch_twin_computes_the_same_loss(monkeypatch, name, numba):
    """On the compiled kernels and on the NumPy fallback (DEEPNUM_NUMBA=0) alike."""
    torch = reference("torch")
    monkeypatch.setenv("DEEPNUM_NUMBA", numba)
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


@pytest.mark.parametrize("numba", ["1", "0"])
@pytest.mark.parametrize("name", ["conv1d", "autoencoder", "antirectifier"])
def test_keras_io_twins_compute_the_same_loss_and_step(monkeypatch, name, numba):
    """The Conv1D classifier, the autoencoder and the Antirectifier MLP: the same loss from the
    same weights, and again after one Adam step on each side, with the compiled kernels and
    with the NumPy fallback. Adam's ε is tiny on both sides (Keras adds it to √v, PyTorch to
    √v̂) and dropout off, so that the step is the same function on both."""
    from bench import keras_io_suite

    reference("torch")
    monkeypatch.setenv("DEEPNUM_NUMBA", numba)
    ours, ref, _, _, _ = keras_io_suite.setup(name, batch=4, dropout=0.0, epsilon=1e-12)
    first = [float(ref().detach()), ours()]
    second = [float(ref().detach()), ours()]
    np.testing.assert_allclose(first[1], first[0], rtol=2e-5)
    np.testing.assert_allclose(second[1], second[0], rtol=1e-4)


def test_antirectifier_layer_equals_keras_running_the_same_source():
    """keras.io's Antirectifier source, run by deepnum and by Keras with the same kernel."""
    import deepnum as dn
    from bench import keras_io_workloads as kw

    keras = reference("keras")
    x = np.random.default_rng(0).standard_normal((5, 16)).astype(np.float32)
    ours, theirs = kw.antirectifier_class(dn)(), kw.antirectifier_class(keras)()
    ours.build((None, 16))
    theirs.build((None, 16))
    theirs.set_weights(ours.get_weights())
    expected = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_allclose(ours(x).numpy(), expected, rtol=1e-5, atol=1e-6)
