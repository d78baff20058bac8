"""``plot_model``: the model's graph as a Graphviz DOT file, and a PNG when ``dot`` exists."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

from deepnum.autodiff.tensor import shape_str
from deepnum.utils.io import atomic_write


def model_to_dot(
    model: Any, show_shapes: bool = True, show_layer_names: bool = True, rankdir: str = "TB"
) -> str:
    """Return the DOT source of the model's layer graph."""
    from deepnum.models.functional import InputLayer

    lines = [
        f'digraph "{model.name}" {{',
        f"  rankdir={rankdir};",
        '  node [shape=record, fontname="Helvetica", fontsize=10];',
    ]
    graph = getattr(model, "_graph", None)
    if graph is None:
        layers = model.layers
        for i, layer in enumerate(layers):
            lines.append(
                f'  "{layer.name}" [label="{_label(layer, None, show_shapes, show_layer_names)}"];'
            )
            if i:
                lines.append(f'  "{layers[i - 1].name}" -> "{layer.name}";')
    else:
        for t in graph.flat_inputs:
            layer = t.node.layer
            label = _label(layer, [t.shape], show_shapes, show_layer_names)
            lines.append(f'  "{layer.name}" [label="{label}"];')
        for node in graph.nodes:
            if isinstance(node.layer, InputLayer):
                continue
            shapes = [t.shape for t in node.outputs]
            label = _label(node.layer, shapes, show_shapes, show_layer_names)
            lines.append(f'  "{node.layer.name}" [label="{label}"];')
            for parent in node.parents:
                lines.append(f'  "{parent.node.layer.name}" -> "{node.layer.name}";')
    lines.append("}")
    return "\n".join(dict.fromkeys(lines)) + "\n"


def _label(layer: Any, shapes: Any, show_shapes: bool, show_names: bool) -> str:
    title = f"{layer.name} ({type(layer).__name__})" if show_names else type(layer).__name__
    if not show_shapes:
        return title
    if shapes is None:
        shape = getattr(layer, "_last_output_shape", None)
        shapes = [shape] if shape is not None else []
    text = ", ".join(shape_str(s) for s in shapes) or "?"
    return f"{{{title}|output: {text}}}".replace('"', "'")


def plot_model(
    model: Any,
    to_file: str = "model.png",
    show_shapes: bool = True,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    **kwargs: Any,
) -> str:
    """Write the model's graph (with output shapes).

    A ``.dot`` file name gets the DOT source; another extension (``.png``, ``.svg``, ``.pdf``)
    also gets the DOT file beside it and, when Graphviz's ``dot`` program is installed, the
    rendered image.

    Returns:
        The path of the file written (the image, or the DOT file when ``dot`` is missing).
    """
    source = model_to_dot(model, show_shapes, show_layer_names, rankdir)
    base, ext = os.path.splitext(os.fspath(to_file))
    dot_path = to_file if ext == ".dot" else base + ".dot"
    with atomic_write(dot_path, "w") as f:
        f.write(source)
    if ext == ".dot":
        return dot_path
    dot = shutil.which("dot")
    if dot is None:
        return dot_path
    subprocess.run([dot, f"-T{ext.lstrip('.') or 'png'}", dot_path, "-o", to_file], check=True)
    return to_file
