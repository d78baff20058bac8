"""The computational graph of a two-layer network's loss, with the gradient flowing back.

    h = tanh(x W1 + b1),   ŷ = h W2 + b2,   L = mean((ŷ − y)²)

``dn.utils.plot_graph`` draws what ``loss.backward()`` walks: the tensors (blue: weights that
require grad; grey: inputs and intermediates; green: the output) and the Functions between
them, each tensor with its shape and dtype; ``show_grads=True`` runs the backward pass first
and writes ‖∂L/∂t‖ at every tensor and on every edge. Without Graphviz's ``dot`` program the
DOT source is written instead, with a warning saying how to render it.

Run: python examples/plot_graph_two_layer.py [--out PATH]   (writes two_layer_graph.png)
"""

import argparse

import numpy as np

import deepnum as dn
from deepnum import ops


def two_layer_loss(seed: int = 0) -> dn.Tensor:
    rng = np.random.default_rng(seed)
    x = dn.Tensor(rng.standard_normal((8, 3)).astype("float32"), name="x")
    y = dn.Tensor(rng.standard_normal((8, 1)).astype("float32"), name="y")
    w1 = dn.Tensor(
        0.5 * rng.standard_normal((3, 4)).astype("float32"), requires_grad=True, name="W1"
    )
    b1 = dn.Tensor(np.zeros(4, "float32"), requires_grad=True, name="b1")
    w2 = dn.Tensor(
        0.5 * rng.standard_normal((4, 1)).astype("float32"), requires_grad=True, name="W2"
    )
    b2 = dn.Tensor(np.zeros(1, "float32"), requires_grad=True, name="b2")
    h = ops.tanh(x @ w1 + b1)
    return ops.mean((h @ w2 + b2 - y) ** 2)


def main(out: str = "two_layer_graph.png") -> None:
    loss = two_layer_loss()
    print(f"loss = {float(loss):.4f}")
    path = dn.utils.plot_graph(loss, out, show_grads=True, dpi=72)
    print(f"wrote {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="two_layer_graph.png")
    main(parser.parse_args().out)
