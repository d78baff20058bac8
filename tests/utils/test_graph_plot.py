"""plot_graph / graph_to_dot: the DOT text of a known expression node by node, gradient norms
on the edges against torch.autograd, the PNG rendered by Graphviz's dot, the fallback without
dot, and a model's training step."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum.utils import graph_plot
from tests.conftest import reference, require_program


def _body(dot: str) -> list[str]:
    return [line.strip() for line in dot.splitlines()[4:-1]]


def test_dot_of_a_known_expression_node_by_node():
    x = dn.Tensor(np.array([1.0, 2.0]), name="x")
    w = dn.Tensor(np.array([0.5, -1.0]), requires_grad=True, name="w")
    b = dn.Tensor(np.array(0.25), requires_grad=True, name="b")
    y = (x * w + b).sum()
    leaf, const, fn, out = "#cfe2f3", "#eeeeee", "#fff2cc", "#d9ead3"

    def tensor(node, label, color):
        return f'{node} [label=<{label}>, shape=ellipse, style=filled, fillcolor="{color}"];'

    def op(node, name):
        return (
            f'{node} [label=<<b>{name}</b>>, shape=box, style="rounded,filled", fillcolor="{fn}"];'
        )

    want = [
        tensor("t0", "x<br/>(2,)<br/>float64", const),
        tensor("t1", "w<br/>(2,)<br/>float64", leaf),
        tensor("t2", "(2,)<br/>float64", const),
        tensor("t3", "b<br/>()<br/>float64", leaf),
        tensor("t4", "(2,)<br/>float64", const),
        tensor("t5", "output<br/>()<br/>float64", out),
        op("f0", "Multiply"),
        op("f1", "Add"),
        op("f2", "Sum"),
        "t0 -> f0;",
        "t1 -> f0;",
        "f0 -> t2;",
        "t2 -> f1;",
        "t3 -> f1;",
        "f1 -> t4;",
        "t4 -> f2;",
        "f2 -> t5;",
    ]
    assert _body(graph_plot.graph_to_dot(y)) == want
    no_shapes = _body(graph_plot.graph_to_dot(y, show_shapes=False, show_dtype=False))
    assert no_shapes[0] == tensor("t0", "x", const)


def _nodes(dot: str) -> dict[str, str]:
    """node id -> its label line."""
    return {
        line.split(" [")[0].strip(): line
        for line in dot.splitlines()
        if "[label=" in line and "->" not in line
    }


def _grad_of(line: str) -> float:
    return float(line.split("‖∇‖ = ")[1].split("<")[0])


def test_edge_gradients_match_torch():
    torch = reference("torch")
    xv, wv = np.array([1.0, 2.0, -0.5]), np.array([0.5, -1.0, 2.0])
    x = dn.Tensor(xv, requires_grad=True, name="x")
    w = dn.Tensor(wv, requires_grad=True, name="w")
    h = dn.ops.tanh(x * w)
    y = (h * h).sum() + (x * 3.0).sum()  # x feeds two operations: its gradient is a sum
    dot = graph_plot.graph_to_dot(y, show_grads=True)
    tx = torch.tensor(xv, requires_grad=True)
    tw = torch.tensor(wv, requires_grad=True)
    tp = tx * tw
    th = torch.tanh(tp)
    tp.retain_grad()
    th.retain_grad()
    ((th * th).sum() + (tx * 3.0).sum()).backward()

    nodes = _nodes(dot)
    by_label = {line.split("label=<")[1].split("<br/>")[0]: node for node, line in nodes.items()}
    edges = [line.strip(" ;") for line in dot.splitlines() if " -> " in line]
    tanh = next(node for node, line in nodes.items() if "<b>Tanh</b>" in line)
    h_node = next(e.split(" -> ")[1].split(" [")[0] for e in edges if e.startswith(tanh + " "))
    digits = 6e-3  # the norms are written with 3 significant digits
    np.testing.assert_allclose(_grad_of(nodes[by_label["x"]]), tx.grad.norm().item(), digits)
    np.testing.assert_allclose(_grad_of(nodes[by_label["w"]]), tw.grad.norm().item(), digits)
    np.testing.assert_allclose(_grad_of(nodes[h_node]), th.grad.norm().item(), digits)
    # What flows back from the product x·w into x alone: ‖∂L/∂(xw) · w‖ (the rest of x's
    # gradient, 3 per element, comes along the other edge).
    into_x = [e for e in edges if e.startswith(by_label["x"] + " -> ")]
    parts = sorted(float(e.split('"')[1]) for e in into_x)
    want = sorted([(tp.grad * tw).norm().item(), 3.0 * np.sqrt(3.0)])
    np.testing.assert_allclose(parts, want, digits)
    # The graph is kept: a backward pass still works after the plot.
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_png_is_rendered(tmp_path):
    require_program("dot", "Debian's graphviz package")
    w = dn.tensor([0.5, -1.0], requires_grad=True)
    path = dn.utils.plot_graph((dn.ops.sigmoid(w) * w).sum(), tmp_path / "g.png", show_grads=True)
    data = open(path, "rb").read()
    assert path.endswith("g.png") and data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 50 and height > 100  # a drawing, not an empty image
    svg = dn.utils.plot_graph((w * w).sum(), tmp_path / "g.svg")
    assert "<svg" in open(svg).read()


def test_without_dot_the_dot_file_is_written_with_a_hint(tmp_path, monkeypatch):
    monkeypatch.setattr(graph_plot.shutil, "which", lambda name: None)
    w = dn.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match=r"dot -Tpng .*g\.dot -o .*g\.png"):
        path = dn.utils.plot_graph((w * 2).sum(), tmp_path / "g.png")
    assert path.endswith("g.dot") and open(path).read().startswith('digraph "graph"')


def test_training_step_of_a_model(tmp_path):
    model = dn.Sequential(
        [dn.Input((3,)), dn.layers.Dense(4, activation="relu", name="hidden"), dn.layers.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((2, 3), "float32"), np.zeros((2, 1), "float32")
    dot = graph_plot.graph_to_dot(graph_plot._train_step_loss(model, (x, y)))
    assert "hidden/kernel<br/>(3, 4)" in dot and "<b>Linear</b>" in dot and "<b>ReLU</b>" in dot
    path = dn.utils.plot_graph(model, tmp_path / "step.dot", data=(x, y), show_grads=True)
    assert "hidden/bias" in open(path).read()
    with pytest.raises(ValueError, match=r"data=\(x, y\)"):
        dn.utils.plot_graph(model, tmp_path / "g.dot")
    fresh = dn.Sequential([dn.Input((3,)), dn.layers.Dense(1)])
    with pytest.raises(ValueError, match="compile the model"):
        dn.utils.plot_graph(fresh, tmp_path / "g.dot", data=(x, y))


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="no graph"):
        graph_plot.graph_to_dot(dn.tensor([1.0]) * 2)
    w = dn.tensor([1.0], requires_grad=True)
    y = (w * w).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        graph_plot.graph_to_dot(y)
    with pytest.raises(TypeError, match="expected a Tensor"):
        graph_plot.graph_to_dot([1.0])
