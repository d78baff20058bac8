"""``model.summary()``: Keras's table of layers, output shapes and parameter counts."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import shape_str


def _fmt_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"


def _output_shape(layer: Any, node: Any = None) -> str:
    if node is not None:
        shapes = [t.shape for t in node.outputs]
        return shape_str(shapes[0]) if len(shapes) == 1 else str([shape_str(s) for s in shapes])
    return _built_output_shape(layer)


def _built_output_shape(layer: Any) -> str:
    """Keras's rule for a layer outside any graph (a subclassed model's): the output shape
    for the shape it was built with, when the layer defines ``compute_output_shape``."""
    from deepnum.layers.layer import Layer

    build_shapes = getattr(layer, "_build_shapes", None)
    if getattr(layer, "output_shape", None) is not None and hasattr(layer, "_graph"):
        try:
            return _format(layer.output_shape)
        except AttributeError:
            return "?"
    if build_shapes is None or type(layer).compute_output_shape is Layer.compute_output_shape:
        return "?"
    try:
        return _format(layer.compute_output_shape(build_shapes))
    except Exception:  # a shape rule that cannot answer for this input: Keras shows "?"
        return "?"


def _format(shape: Any) -> str:
    if isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape):
        return shape_str(shape)
    return str([_format(s) for s in shape])


def _row_layers(model: Any, connected: bool) -> list[Any]:
    """The layer of each row of ``_rows`` (None for an input row)."""
    graph = getattr(model, "_graph", None)
    if graph is None:
        return list(model.layers)
    out: list[Any] = [None] * len(graph.flat_inputs) if connected else []
    for node in graph.nodes:
        if not connected and node.layer is getattr(model, "_input_layer", None):
            continue
        out.append(node.layer)
    return out


def _rows(model: Any) -> tuple[list[list[str]], bool]:
    graph = getattr(model, "_graph", None)
    from deepnum.models.sequential import Sequential

    connected = graph is not None and not isinstance(model, Sequential)
    rows = []
    if connected:
        for t in graph.flat_inputs:
            rows.append([f"{t.node.layer.name} (InputLayer)", shape_str(t.shape), "0", "-"])
    if graph is not None:
        for node in graph.nodes:
            layer = node.layer
            if isinstance(model, Sequential) and layer is model._input_layer:
                continue
            params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
            row = [f"{layer.name} ({type(layer).__name__})", _output_shape(layer, node), params]
            if connected:
                parents = [f"{p.node.layer.name}[0][{p.index}]" for p in node.parents]
                row.append(", ".join(parents) if parents else "-")
            rows.append(row)
    else:
        for layer in model.layers:
            params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
            rows.append([f"{layer.name} ({type(layer).__name__})", _output_shape(layer), params])
    return rows, connected


def _trainable_flag(layer: Any) -> str:
    if not layer.weights:
        return "-"
    return "Y" if layer.trainable else "N"


def summary_lines(
    model: Any, line_length: int | None = None, show_trainable: bool = False
) -> list[str]:
    """The lines of the summary table (box-drawn like Keras 3)."""
    rows, connected = _rows(model)
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if connected else [])
    if show_trainable:
        headers.append("Trainable")
        for row, layer in zip(rows, _row_layers(model, connected)):
            row.append(_trainable_flag(layer) if layer is not None else "-")
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) + 2 if rows else len(h) + 2
        for i, h in enumerate(headers)
    ]
    if line_length:
        widths[0] = max(widths[0], line_length - sum(widths[1:]) - len(widths) - 1)

    def line(left: str, mid: str, right: str, fill: str) -> str:
        return left + mid.join(fill * w for w in widths) + right

    def cells(values: list[str], sep: str) -> str:
        parts = []
        for i, (v, w) in enumerate(zip(values, widths)):
            parts.append((" " + v).ljust(w) if i != 2 else (v + " ").rjust(w))
        return sep + sep.join(parts) + sep

    out = [
        f'Model: "{model.name}"',
        line("┏", "┳", "┓", "━"),
        cells(headers, "┃"),
        line("┡", "╇", "┩", "━"),
    ]
    for i, row in enumerate(rows):
        out.append(cells(row, "│"))
        out.append(line("├", "┼", "┤", "─") if i < len(rows) - 1 else line("└", "┴", "┘", "─"))
    if not rows:
        out.append(line("└", "┴", "┘", "─"))
    weights = model.weights if model.built else []
    trainable = model.trainable_weights if model.built else []
    total = sum(w.size for w in weights)
    n_train = sum(w.size for w in trainable)
    nbytes = sum(w.data.nbytes for w in weights)
    train_bytes = sum(w.data.nbytes for w in trainable)
    out += [
        f" Total params: {total:,} ({_fmt_bytes(nbytes)})",
        f" Trainable params: {n_train:,} ({_fmt_bytes(train_bytes)})",
        f" Non-trainable params: {total - n_train:,} ({_fmt_bytes(nbytes - train_bytes)})",
    ]
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "variables", None):
        opt_vars = optimizer.variables
        n_opt = sum(v.size for v in opt_vars)
        out.append(
            f" Optimizer params: {n_opt:,} ({_fmt_bytes(sum(v.data.nbytes for v in opt_vars))})"
        )
    return out
