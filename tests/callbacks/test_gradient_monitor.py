"""GradientMonitor: per-layer gradient and weight norms against torch.autograd on the same
weights and batch, warnings naming the layer whose gradients vanish or explode, TensorBoard
scalars and the matplotlib plot."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum.callbacks import GradientMonitor
from tests.conftest import reference


def _model(depth=2, activation="tanh", units=4):
    layers = [dn.layers.Dense(units, activation=activation) for _ in range(depth)]
    model = dn.Sequential([dn.Input((3,)), *layers, dn.layers.Dense(1)])
    model.compile(optimizer=dn.optimizers.SGD(0.01), loss="mse")
    return model


def test_norms_match_torch_on_the_first_step():
    torch = reference("torch")
    model = _model()
    x = np.random.default_rng(0).standard_normal((6, 3)).astype("float32")
    y = np.random.default_rng(1).standard_normal((6, 1)).astype("float32")
    weights = [w.numpy().copy() for w in model.weights]
    monitor = GradientMonitor()
    model.fit(x, y, batch_size=6, epochs=1, shuffle=False, verbose=0, callbacks=[monitor])

    params = [torch.tensor(w, requires_grad=True) for w in weights]
    h = torch.tensor(x)
    for k in range(0, len(params) - 2, 2):
        h = torch.tanh(h @ params[k] + params[k + 1])
    out = h @ params[-2] + params[-1]
    torch.mean((out - torch.tensor(y)) ** 2).backward()
    names = [layer.name for layer in model.layers]
    assert monitor.steps == [1] and list(monitor.gradient_norms) == names
    for i, name in enumerate(names):
        kernel, bias = params[2 * i], params[2 * i + 1]
        g = np.sqrt(kernel.grad.norm().item() ** 2 + bias.grad.norm().item() ** 2)
        w = np.sqrt(np.sum(weights[2 * i] ** 2) + np.sum(weights[2 * i + 1] ** 2))
        np.testing.assert_allclose(monitor.gradient_norms[name][0], g, rtol=1e-5)
        np.testing.assert_allclose(monitor.weight_norms[name][0], w, rtol=1e-5)
    assert "apply" not in vars(model.optimizer)  # the optimizer is left as it was


def test_vanishing_gradients_are_named():
    model = _model(depth=8, activation="sigmoid")  # sigmoid' <= 1/4 per layer
    first = model.layers[0].name
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    with pytest.warns(UserWarning, match=f"vanishing gradients in layer '{first}'"):
        model.fit(x, y, batch_size=8, verbose=0, callbacks=[GradientMonitor(vanishing=1e-3)])


def test_exploding_gradients_are_named():
    model = _model(depth=2, activation=None, units=64)
    for w in model.trainable_weights:
        w.assign(np.full(w.shape, 3.0))
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 1), "float32")
    with pytest.warns(UserWarning, match="exploding gradients in layer '.*'.*clip"):
        model.fit(x, y, batch_size=4, verbose=0, callbacks=[GradientMonitor(exploding=10.0)])


def test_frequency_tensorboard_and_plot(tmp_path):
    reference("tensorboardX")
    event_accumulator = reference("tensorboard.backend.event_processing.event_accumulator")
    model = _model()
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    monitor = GradientMonitor(freq=2, log_dir=tmp_path)
    model.fit(x, y, batch_size=2, epochs=1, verbose=0, callbacks=[monitor])
    assert monitor.steps == [1, 3]
    events = event_accumulator.EventAccumulator(str(tmp_path))
    events.Reload()
    tag = f"gradient_norm/{model.layers[0].name}"
    assert tag in events.Tags()["scalars"]
    np.testing.assert_allclose(
        [e.value for e in events.Scalars(tag)], monitor.gradient_norms[model.layers[0].name]
    )
    figure = monitor.plot(tmp_path / "norms.png")
    assert (tmp_path / "norms.png").stat().st_size > 1000 and len(figure.axes) == 2


def test_argument_errors():
    with pytest.raises(ValueError, match="freq must be a positive int"):
        GradientMonitor(freq=0)
    with pytest.raises(ValueError, match="vanishing < exploding"):
        GradientMonitor(vanishing=1.0, exploding=0.5)
    with pytest.raises(ValueError, match="nothing recorded"):
        GradientMonitor().plot()
