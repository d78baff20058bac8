"""plot_graph: draw the computational graph that ``y.backward()`` walks — tensors and the
Functions between them, with names, shapes and dtypes, and, on request, the norm of the
gradient that flows back along every edge — as Graphviz DOT, and as an image when
Graphviz's ``dot`` program is installed.

Reading the picture: data flows from the leaves (inputs and weights, blue when they require
grad) down through the operations (yellow boxes) to the output. With ``show_grads=True`` the
backward pass is run on the graph (which is kept) and each edge is labelled with ‖∂L/∂t‖ for
what flows back along it: into an operation, the gradient of its output; out of it, the part
of each input's gradient that comes from that operation (they add up at a tensor used twice).
"""

from __future__ import annotations

import html
import os
import shutil
import warnings
from typing import Any

import numpy as np

from deepnum.autodiff.engine import _topological_order, run_backward
from deepnum.autodiff.mode import no_grad
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import to_numpy
from deepnum.utils.model_plot import DotGraph

_LEAF, _CONST, _FN, _OUT = "#cfe2f3", "#eeeeee", "#fff2cc", "#d9ead3"


class _Graph:
    """The graph of ``y`` in forward order: Functions, and tensors keyed by identity."""

    def __init__(self, y: Tensor) -> None:
        try:
            self.functions = list(reversed(_topological_order([y])))
        except RuntimeError as e:
            raise RuntimeError(
                "plot_graph: the graph of this tensor was freed by a backward pass. Plot it "
                "before calling backward(), or call backward(retain_graph=True)."
            ) from e
        self.y = y
        self.tensors: dict[Any, str] = {}  # key -> node id
        self.info: dict[Any, tuple] = {}  # key -> (label, shape, dtype, kind)
        for fn in self.functions:
            for x in fn.inputs:
                if x.creator is None:
                    label = _leaf_label(x, sum(k[0] is None for k in self.tensors))
                    self._add((None, id(x)), label, x.shape, x.dtype, _leaf_kind(x))
            for i, (shape, dtype) in enumerate(fn._out_meta):
                self._add((fn, i), None, shape, dtype, "const")
        self._add(_key(y), "output", y.shape, y.dtype, "out")
        self.fn_ids = {fn: f"f{k}" for k, fn in enumerate(self.functions)}

    def _add(self, key: Any, label: str | None, shape: Any, dtype: Any, kind: str) -> None:
        if key not in self.tensors:
            self.tensors[key] = f"t{len(self.tensors)}"
            self.info[key] = (label, shape, dtype, kind)
        elif kind == "out":
            old = self.info[key]
            self.info[key] = ("output", old[1], old[2], "out")


def _key(t: Tensor) -> Any:
    return (None, id(t)) if t.creator is None else (t.creator, t._index)


def _leaf_label(t: Tensor, number: int) -> str:
    """A variable's path, a tensor's name, else "leaf k" (requires grad) or "constant k"."""
    return (
        getattr(t, "path", None)
        or t.name
        or (f"leaf {number}" if t.requires_grad else f"constant {number}")
    )


def _leaf_kind(t: Tensor) -> str:
    return "leaf" if t.requires_grad else "const"


def _norm(g: Any) -> float:
    return float(np.sqrt(np.sum(np.square(to_numpy(g.data).astype(np.float64)))))


def _gradients(graph: _Graph) -> tuple[dict, dict]:
    """‖gradient‖ of every tensor, and of what each Function sends back to each input."""
    y = graph.y
    keys = list(graph.tensors)
    stand_ins = []
    for creator, index in keys:
        if creator is None:
            stand_ins.append(next(x for fn in graph.functions for x in fn.inputs
                                  if x.creator is None and id(x) == index))  # fmt: skip
        else:
            stand_ins.append(Tensor._make(None, creator, index))
    seed = Tensor._make(y.xp.ones(y.shape, dtype=y.dtype))
    grads = run_backward([y], [seed], retain_graph=True, inputs=stand_ins)
    total = {k: g for k, g in zip(keys, grads)}
    flows: dict[tuple, float] = {}
    with no_grad():
        for fn in graph.functions:
            gys = [total.get((fn, i)) for i in range(len(fn._out_meta))]
            if all(g is None for g in gys):
                continue
            gys = [
                Tensor._make(y.xp.zeros(shape, dtype=dtype)) if g is None else g
                for g, (shape, dtype) in zip(gys, fn._out_meta)
            ]
            gxs = fn.backward(*gys)
            gxs = gxs if isinstance(gxs, tuple) else (gxs,)
            for k, gx in enumerate(gxs):
                if gx is not None and fn.needs_input_grad[k]:
                    flows[(fn, k)] = _norm(gx if isinstance(gx, Tensor) else Tensor._make(gx))
    return {k: _norm(g) for k, g in total.items() if g is not None}, flows


def _tensor_label(info: tuple, show_shapes: bool, show_dtype: bool, grad: float | None) -> str:
    label, shape, dtype, _ = info
    rows = [html.escape(label)] if label else []
    if show_shapes:
        rows.append(html.escape(shape_str(shape)))
    if show_dtype:
        rows.append(html.escape(str(dtype)))
    if grad is not None:
        rows.append(f'<font color="#cc0000">‖∇‖ = {grad:.3g}</font>')
    return "<br/>".join(rows) or " "


def graph_to_dot(
    y: Tensor,
    show_shapes: bool = True,
    show_dtype: bool = True,
    show_grads: bool = False,
    rankdir: str = "TB",
    dpi: int = 96,
) -> DotGraph:
    """The computational graph of ``y`` as Graphviz DOT source (see :func:`plot_graph`).

    Nodes are numbered in forward order: tensors ``t0, t1, …`` (ellipses: leaves first met,
    then each operation's outputs), operations ``f0, f1, …`` (boxes).

    Example:
        >>> import deepnum as dn
        >>> x = dn.tensor([1.0, 2.0], requires_grad=True)
        >>> dot = graph_to_dot((x * x).sum(), show_dtype=False)
        >>> [line.strip(" ;").split(" [")[0] for line in dot.splitlines() if " -> " in line]
        ['t0 -> f0', 't0 -> f0', 'f0 -> t1', 't1 -> f1', 'f1 -> t2']
    """
    if not isinstance(y, Tensor):
        raise TypeError(f"plot_graph: expected a Tensor (or a Model), received {type(y).__name__}.")
    if y.creator is None:
        raise ValueError(
            "plot_graph: this tensor was not computed from tensors that require grad, so it "
            "has no graph (create the inputs with requires_grad=True, and not under no_grad)."
        )
    graph = _Graph(y)
    grads, flows = _gradients(graph) if show_grads else ({}, {})
    lines = [
        'digraph "graph" {',
        f'  graph [rankdir={rankdir}, dpi={dpi}, fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9, fontcolor="#cc0000"];',
    ]
    colors = {"leaf": _LEAF, "const": _CONST, "out": _OUT}
    for key, node in graph.tensors.items():
        info = graph.info[key]
        label = _tensor_label(info, show_shapes, show_dtype, grads.get(key))
        lines.append(
            f"  {node} [label=<{label}>, shape=ellipse, style=filled, "
            f'fillcolor="{colors[info[3]]}"];'
        )
    for fn, node in graph.fn_ids.items():
        name = html.escape(type(fn).__name__)
        lines.append(f'  {node} [label=<<b>{name}</b>>, shape=box, style="rounded,filled", '
                     f'fillcolor="{_FN}"];')  # fmt: skip
    for fn, node in graph.fn_ids.items():
        for k, x in enumerate(fn.inputs):
            edge = f"  {graph.tensors[_key(x)]} -> {node}"
            if (fn, k) in flows:
                edge += f' [label="{flows[(fn, k)]:.3g}"]'
            lines.append(edge + ";")
        for i in range(len(fn._out_meta)):
            edge = f"  {node} -> {graph.tensors[(fn, i)]}"
            if (fn, i) in grads:
                edge += f' [label="{grads[(fn, i)]:.3g}"]'
            lines.append(edge + ";")
    lines.append("}")
    return DotGraph("\n".join(lines) + "\n")


def _train_step_loss(model: Any, data: Any) -> Tensor:
    if data is None or len(data) not in (2, 3):
        raise ValueError(
            "plot_graph: to draw a model's training step pass data=(x, y) (or (x, y, "
            "sample_weight)): one batch, as train_on_batch takes it."
        )
    if getattr(model, "_compile_loss", None) is None:
        raise ValueError(
            "plot_graph: compile the model with a loss first (model.compile(loss=...)): the "
            "training step ends in the loss."
        )
    x, y = data[0], data[1]
    weight = data[2] if len(data) == 3 else None
    y_pred = model(x, training=True)
    return model.compute_loss(x, y, y_pred, weight)


def plot_graph(
    y: Any,
    to_file: str = "graph.png",
    show_shapes: bool = True,
    show_grads: bool = False,
    show_dtype: bool = True,
    rankdir: str = "TB",
    dpi: int = 96,
    data: Any = None,
) -> str:
    """Draw the computational graph of ``y`` (what ``y.backward()`` walks) into ``to_file``.

    Args:
        y: a Tensor computed from tensors that require grad, or a compiled Model: then its
            training step on ``data`` is drawn (forward pass, loss, weights by their paths).
        to_file: ``.png``, ``.svg``, ``.pdf`` (rendered by Graphviz's ``dot``) or ``.dot``.
        show_shapes, show_dtype: write each tensor's shape and dtype.
        show_grads: run the backward pass (the graph is kept) and write the norm of the
            gradient on every edge and at every tensor; for a ``y`` of several elements, the
            gradient of ``y.sum()``.
        rankdir: ``"TB"`` (top to bottom) or ``"LR"``.
        dpi: the image resolution.
        data: ``(x, y)`` or ``(x, y, sample_weight)`` when ``y`` is a Model.

    Returns:
        The path written: the image, or, when ``dot`` is not installed, a ``.dot`` file beside
        it (a warning then says how to render it).

    Example:
        >>> import os, tempfile, deepnum as dn
        >>> w = dn.tensor([0.5, -1.0], requires_grad=True)
        >>> loss = (dn.ops.tanh(w * 3.0) ** 2).sum()
        >>> path = plot_graph(loss, os.path.join(tempfile.mkdtemp(), "g.dot"))
        >>> open(path).read().startswith("digraph")
        True
    """
    from deepnum.layers import Layer  # a model: draw its training step

    if isinstance(y, Layer):
        y = _train_step_loss(y, data)
    source = graph_to_dot(y, show_shapes, show_dtype, show_grads, rankdir, dpi)
    to_file = os.fspath(to_file)
    base, ext = os.path.splitext(to_file)
    if ext == ".dot":
        source.write(to_file)
        return to_file
    if shutil.which("dot") is None:
        path = base + ".dot"
        source.write(path)
        warnings.warn(
            f"plot_graph: Graphviz's `dot` program is not installed, so the graph was written "
            f"as DOT source to {path}. Render it with `dot -T{ext.lstrip('.') or 'png'} {path} "
            f"-o {to_file}` once Graphviz is installed (Debian/Ubuntu: apt-get install "
            "graphviz; macOS: brew install graphviz), or paste it into any Graphviz viewer.",
            stacklevel=2,
        )
        return path
    source.write(to_file, format=ext.lstrip(".") or "png")
    return to_file
