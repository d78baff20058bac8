"""``model_to_dot`` and ``plot_model``: a model's layer graph in Graphviz's DOT language, with
Keras's arguments, and an image when Graphviz's ``dot`` program is installed."""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from typing import Any

from deepnum.autodiff.tensor import shape_str
from deepnum.utils.io import atomic_write


class DotGraph(str):
    """DOT source (a ``str``) with the methods of pydot's ``Dot`` that Keras code calls.

    Example:
        >>> graph = DotGraph('digraph "g" {\\n}\\n')
        >>> graph.to_string().startswith("digraph")
        True
    """

    def to_string(self) -> str:
        """The DOT source."""
        return str(self)

    def create(self, prog: str = "dot", format: str = "png") -> bytes:  # noqa: A002 - pydot's
        """Render with Graphviz (``prog``) to ``format`` (``"png"``, ``"svg"``, ``"pdf"``, ...)
        and return the bytes; ``format="raw"``/``"dot"`` gives the source."""
        if format in ("raw", "dot"):
            return str(self).encode("utf-8")
        program = shutil.which(prog)
        if program is None:
            raise ImportError(
                f"Rendering a model graph needs Graphviz's `{prog}` program on the PATH "
                "(https://graphviz.org/download/); the DOT source itself needs nothing."
            )
        done = subprocess.run(
            [program, f"-T{format}"], input=str(self).encode("utf-8"), capture_output=True
        )
        if done.returncode:
            raise RuntimeError(f"{prog} failed: {done.stderr.decode(errors='replace')}")
        return done.stdout

    def write(self, path: str, prog: str = "dot", format: str = "raw") -> bool:  # noqa: A002
        """Write the rendered graph (default: the DOT source) to ``path``, atomically."""
        data = self.create(prog, format)
        with atomic_write(os.fspath(path), "wb") as f:
            f.write(data)
        return True

    def write_png(self, path: str) -> bool:
        return self.write(path, format="png")

    def write_svg(self, path: str) -> bool:
        return self.write(path, format="svg")

    def write_pdf(self, path: str) -> bool:
        return self.write(path, format="pdf")


def model_to_dot(
    model: Any,
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    subgraph: bool = False,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> DotGraph:
    """The model's layer graph as DOT source — Keras's ``keras.utils.model_to_dot``.

    Keras returns a ``pydot.Dot``; deepnum returns a :class:`DotGraph`, the DOT text with
    pydot's ``create``/``write`` methods, so no pydot is needed.

    Args:
        model: a Sequential or Functional model (a subclassed model lists its layers in order).
        show_shapes: show each layer's input and output shapes.
        show_dtype: show each layer's output dtype.
        show_layer_names: title each node "name (Class)" instead of "Class".
        rankdir: ``"TB"`` (top to bottom) or ``"LR"`` (left to right).
        expand_nested: accepted; a nested model is drawn as one node.
        dpi: the image resolution.
        subgraph: return a ``subgraph cluster_<name>`` block instead of a ``digraph``.
        show_layer_activations: show the activation of layers that have one.
        show_trainable: show whether each layer is trainable.
        splines: Graphviz's edge style (``"ortho"``, ``"curved"``, ``"line"``, ...).
        **kwargs: Keras accepts none either; any is a TypeError.

    Returns:
        The DOT source.

    Example:
        >>> import deepnum as dn
        >>> model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(2, name="out")])
        >>> dot = model_to_dot(model, show_shapes=True)
        >>> print(next(line for line in dot.splitlines() if line.startswith('  "out" [')))
          "out" [label=<out (Dense)<br/>Input shape: (None, 3)<br/>Output shape: (None, 2)>];
    """
    if kwargs:
        raise TypeError(f"model_to_dot: unexpected arguments {sorted(kwargs)}.")
    show = {
        "shapes": show_shapes,
        "dtype": show_dtype,
        "names": show_layer_names,
        "activations": show_layer_activations,
        "trainable": show_trainable,
    }
    name = model.name
    header = f'subgraph "cluster_{name}" {{' if subgraph else f'digraph "{name}" {{'
    lines = [
        header,
        f'  graph [rankdir={rankdir}, concentrate=true, dpi={dpi}, splines="{splines}"];',
        '  node [shape=box, fontname="Helvetica"];',
    ]
    for layer, inputs, outputs, parents in _layer_nodes(model):
        label = _label(layer, inputs, outputs, show)
        lines.append(f'  "{layer.name}" [label=<{label}>];')
        lines.extend(f'  "{parent}" -> "{layer.name}";' for parent in parents)
    lines.append("}")
    return DotGraph("\n".join(dict.fromkeys(lines)) + "\n")


def _layer_nodes(model: Any) -> list[tuple[Any, Any, Any, list[str]]]:
    """(layer, input shapes, output shapes, parent layer names) in drawing order."""
    from deepnum.models.functional import InputLayer

    graph = getattr(model, "_graph", None)
    if graph is None:
        out, previous = [], None
        for layer in model.layers:
            shape = getattr(layer, "_last_output_shape", None)
            out.append((layer, None, shape, [previous.name] if previous is not None else []))
            previous = layer
        return out
    out = [(t.node.layer, None, t.shape, []) for t in graph.flat_inputs]
    for node in graph.nodes:
        if isinstance(node.layer, InputLayer):
            continue
        inputs = [t.shape for t in node.parents]
        outputs = [t.shape for t in node.outputs]
        parents = [t.node.layer.name for t in node.parents]
        out.append((node.layer, _single(inputs), _single(outputs), parents))
    return out


def _single(shapes: list) -> Any:
    return shapes[0] if len(shapes) == 1 else shapes


def _shape_text(shape: Any) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return shape_str(shape)


def _label(layer: Any, inputs: Any, outputs: Any, show: dict[str, bool]) -> str:
    """An HTML-like Graphviz label: title, then the optional rows, as in Keras's plots."""
    from deepnum.models.functional import InputLayer

    cls = type(layer).__name__
    rows = [f"{layer.name} ({cls})" if show["names"] else cls]
    activation = getattr(layer, "activation", None)
    if show["activations"] and activation is not None:
        name = getattr(activation, "__name__", None) or type(activation).__name__
        rows.append(f"Activation: {name}")
    if show["shapes"]:
        if not isinstance(layer, InputLayer):
            rows.append(f"Input shape: {_shape_text(inputs)}")
        rows.append(f"Output shape: {_shape_text(outputs)}")
    if show["dtype"]:
        rows.append(f"Output dtype: {getattr(layer, 'dtype', None) or '?'}")
    if show["trainable"]:
        rows.append(f"Trainable: {'True' if getattr(layer, 'trainable', True) else 'False'}")
    return "<br/>".join(html.escape(row) for row in rows)


def plot_model(
    model: Any,
    to_file: str = "model.png",
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = False,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> str:
    """Draw the model's graph into ``to_file`` — Keras's ``keras.utils.plot_model``.

    A ``.dot`` file gets the DOT source. Another extension (``.png``, ``.svg``, ``.pdf``) gets
    the rendered image when Graphviz's ``dot`` program is installed; without it, the DOT source
    is written beside it (``model.dot``) instead of raising as Keras does.

    Args:
        model, show_shapes, show_dtype, show_layer_names, rankdir, expand_nested, dpi,
            show_layer_activations, show_trainable, splines: as in :func:`model_to_dot`
            (``show_layer_names`` defaults to False here, as in Keras).
        to_file: the file to write.
        **kwargs: none accepted (a TypeError), as in Keras.

    Returns:
        The path written: the image, or the DOT file when ``dot`` is missing.
    """
    source = model_to_dot(
        model,
        show_shapes=show_shapes,
        show_dtype=show_dtype,
        show_layer_names=show_layer_names,
        rankdir=rankdir,
        expand_nested=expand_nested,
        dpi=dpi,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable,
        splines=splines,
        **kwargs,
    )
    to_file = os.fspath(to_file)
    base, ext = os.path.splitext(to_file)
    if ext == ".dot" or shutil.which("dot") is None:
        path = to_file if ext == ".dot" else base + ".dot"
        source.write(path)
        return path
    source.write(to_file, format=ext.lstrip(".") or "png")
    return to_file
