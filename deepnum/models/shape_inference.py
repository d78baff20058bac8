"""What a layer called on symbolic tensors returns: the shapes, dtypes and masks of its outputs,
from ``compute_output_shape`` / ``compute_mask`` when the layer defines them, else by running it
on small zero inputs.

Unknown sizes become 2 (batch) or 8 (others) in the zero inputs; where a non-batch size is
unknown, the layer runs a second time with 3 and 9, and the axes whose size changed are unknown
in the result. A symbolic input with a mask (``x._keras_mask``) gives its zero input a mask of
ones, so that a layer whose ``call`` needs a mask receives one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.mode import no_grad
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.layers._layer_utils import _collect_mask
from deepnum.layers.layer import Layer
from deepnum.models.keras_tensor import KerasTensor, _flatten, map_structure


class _ShapeOnly:
    """Stands for a symbolic input in ``Layer._check_inputs`` (its InputSpec checks)."""

    def __init__(self, shape: tuple, dtype: Any = None) -> None:
        self.shape, self.dtype = shape, dtype


def _is_shape(value: Any) -> bool:
    return isinstance(value, tuple) and all(v is None or isinstance(v, int) for v in value)


def output_specs(layer: Layer, inputs: Any, extra: tuple, kwargs: dict) -> tuple[Any, list]:
    """``(specs, masks)`` of ``layer(inputs, *extra, **kwargs)`` on symbolic tensors: specs are
    ``(shape, dtype)`` pairs in the structure of the outputs, masks one ``(shape, "bool")`` pair
    or None per flat output."""
    shapes = map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, inputs)
    dtypes = map_structure(lambda t: t.dtype if isinstance(t, KerasTensor) else None, inputs)
    masks = map_structure(
        lambda t: (
            t._keras_mask.shape
            if isinstance(t, KerasTensor) and t._keras_mask is not None
            else None
        ),
        inputs,
    )
    # A model runs its graph on zeros instead: its layers give the outputs their masks.
    custom_rule = type(layer).compute_output_shape is not Layer.compute_output_shape
    if custom_rule and getattr(layer, "_graph", None) is None:
        out = layer.compute_output_shape(shapes)
        # preprocessing layers (a lookup gives int64 from strings) name their output's dtype
        specs = _attach_dtype(out, getattr(layer, "output_dtype", None) or layer.dtype)
        count = len(_flatten_specs(specs))
        return specs, _mask_specs(layer, inputs, shapes, dtypes, masks, count)
    return _run_dummy(layer, shapes, dtypes, masks, extra, kwargs)


def _attach_dtype(shape: Any, dtype: str) -> Any:
    if _is_shape(shape):
        return (shape, dtype)
    return [_attach_dtype(s, dtype) for s in shape]


def infer_output_shape(layer: Layer, input_shape: Any) -> Any:
    """Run ``layer`` on dummy inputs to find its output shape (``None`` where it varies)."""
    shapes = _as_shape_structure(input_shape)
    nothing = map_structure(lambda s: None, shapes)
    specs, _ = _run_dummy(layer, shapes, nothing, nothing, (), {})
    return map_structure_specs(lambda spec: spec[0], specs)


def _as_shape_structure(shape: Any) -> Any:
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple, dict)):
        return [_as_shape_structure(s) for s in shape]
    if isinstance(shape, dict):
        return {k: _as_shape_structure(v) for k, v in shape.items()}
    return tuple(shape)


def map_structure_specs(fn: Any, specs: Any) -> Any:
    if isinstance(specs, tuple) and len(specs) == 2 and _is_shape(specs[0]):
        return fn(specs)
    if isinstance(specs, dict):
        return {k: map_structure_specs(fn, v) for k, v in specs.items()}
    return [map_structure_specs(fn, s) for s in specs]


def _flatten_specs(specs: Any) -> list:
    out: list = []
    map_structure_specs(out.append, specs)
    return out


def _flatten_shapes(shapes: Any) -> list[tuple]:
    if _is_shape(shapes):
        return [shapes]
    values = shapes.values() if isinstance(shapes, dict) else shapes
    out = []
    for s in values:
        out.extend(_flatten_shapes(s))
    return out


def _sizes(shapes: Any) -> list[tuple[int, int]]:
    """The (batch, inner) sizes to run with: one run, or two where a non-batch size is
    unknown."""
    has_inner_none = any(None in s[1:] for s in _flatten_shapes(shapes))
    return [(2, 8), (3, 9)] if has_inner_none else [(2, 8)]


def _batch_unknown(shapes: Any) -> bool:
    return any(s and s[0] is None for s in _flatten_shapes(shapes))


def _run_dummy(
    layer: Layer, shapes: Any, dtypes: Any, masks: Any, extra: tuple, kwargs: dict
) -> tuple[Any, list]:
    """Call the layer on zeros (twice where non-batch sizes are unknown, see the module)."""
    runs = [
        _dummy_outputs(layer, shapes, dtypes, masks, extra, kwargs, batch, inner)
        for batch, inner in _sizes(shapes)
    ]
    second = runs[1] if len(runs) > 1 else None
    batch_unknown = _batch_unknown(shapes)
    specs = _specs_from(runs[0], second, batch_unknown)
    # A layer that does not support masking leaves its outputs unmasked; a Functional model's
    # outputs carry the masks its own layers gave them.
    if not (layer.supports_masking or getattr(layer, "_graph", None) is not None):
        return specs, [None] * len(_flatten(runs[0]))
    flat_masks = [[getattr(out, "_keras_mask", None) for out in _flatten(run)] for run in runs]
    return specs, _mask_pairs(flat_masks, batch_unknown)


def _mask_specs(
    layer: Layer, inputs: Any, shapes: Any, dtypes: Any, masks: Any, count: int
) -> list:
    """The output masks of a layer that computes its output shape: ``compute_mask`` on zero
    inputs (the input's mask itself when the layer passes it through unchanged)."""
    has_mask = any(m is not None for m in _flatten_shapes_or_none(masks))
    overrides = type(layer).compute_mask is not Layer.compute_mask
    if not layer.supports_masking or not (has_mask or overrides):
        return [None] * count
    if not overrides:
        previous = _collect_mask(inputs)
        previous = previous if isinstance(previous, list) else [previous] * count
        return [None if m is None else (m.shape, "bool") for m in previous[:count]]
    runs = []
    for batch, inner in _sizes(shapes):
        dummy = _dummy_inputs(layer, shapes, dtypes, masks, batch, inner)
        with no_grad():
            out = layer.compute_mask(dummy, _collect_mask(dummy))
        flat = _flatten(out) if isinstance(out, (list, tuple)) else [out] * count
        runs.append(flat[:count])
    return _mask_pairs(runs, _batch_unknown(shapes))


def _flatten_shapes_or_none(masks: Any) -> list:
    if masks is None or _is_shape(masks):
        return [masks]
    values = masks.values() if isinstance(masks, dict) else masks
    return [m for v in values for m in _flatten_shapes_or_none(v)]


def _mask_pairs(runs: list[list], batch_unknown: bool) -> list:
    """One ``(shape, "bool")`` pair (or None) per flat output, from the masks of each run."""
    out = []
    for i, first in enumerate(runs[0]):
        if first is None:
            out.append(None)
            continue
        second = runs[1][i] if len(runs) > 1 else None
        shape = list(np.shape(first))
        if second is not None:
            shape = [a if a == b else None for a, b in zip(np.shape(first), np.shape(second))]
        if batch_unknown and shape:
            shape[0] = None
        out.append((tuple(shape), "bool"))
    return out


def _dummy_inputs(
    layer: Layer, shapes: Any, dtypes: Any, masks: Any, batch: int, inner: int
) -> Any:
    def make(shape: tuple, dtype: Any, mask_shape: Any) -> Tensor:
        concrete = _concrete(shape, batch, inner)
        dt = dtype or layer.dtype
        try:
            out = Tensor._make(np.zeros(concrete, dtype=dt))
        except MemoryError:
            nbytes = int(np.prod(concrete, dtype=object)) * np.dtype(dt).itemsize
            raise MemoryError(
                f'Layer "{layer.name}": not enough memory to infer its output shape on a zero '
                f"input of shape {shape_str(concrete)} ({nbytes:,} bytes); check the input "
                "shape."
            ) from None
        if mask_shape is not None:
            out._keras_mask = Tensor._make(np.ones(_concrete(mask_shape, batch, inner), bool))
        return out

    return _zip_map(make, shapes, dtypes, masks)


def _concrete(shape: tuple, batch: int, inner: int) -> tuple:
    return tuple((batch if i == 0 else inner) if s is None else s for i, s in enumerate(shape))


def _dummy_outputs(layer, shapes, dtypes, masks, extra, kwargs, batch: int, inner: int) -> Any:
    dummy = _dummy_inputs(layer, shapes, dtypes, masks, batch, inner)

    def stand_in(t: Any) -> Any:
        if not isinstance(t, KerasTensor):
            return t
        return _dummy_inputs(layer, t.shape, t.dtype, None, batch, inner)

    extra = map_structure(stand_in, extra)
    kw = {k: map_structure(stand_in, v) for k, v in kwargs.items() if k not in ("training", "mask")}
    with no_grad():
        return layer(dummy, *extra, training=False, **kw)


def _zip_map(fn: Any, shapes: Any, dtypes: Any, masks: Any) -> Any:
    if _is_shape(shapes):
        return fn(shapes, dtypes, masks)
    if isinstance(shapes, dict):
        return {
            k: _zip_map(fn, shapes[k], dtypes[k], None if masks is None else masks[k])
            for k in shapes
        }
    masks = [None] * len(shapes) if masks is None else masks
    return [_zip_map(fn, s, d, m) for s, d, m in zip(shapes, dtypes, masks)]


def _specs_from(first: Any, second: Any, batch_unknown: bool) -> Any:
    if isinstance(first, Tensor):
        shape = list(first.shape)
        if second is not None:
            shape = [a if a == b else None for a, b in zip(first.shape, second.shape)]
        if batch_unknown and shape:
            shape[0] = None
        return (tuple(shape), first.dtype.name)
    if isinstance(first, dict):
        return {
            k: _specs_from(first[k], second[k] if second else None, batch_unknown) for k in first
        }
    return [
        _specs_from(f, second[i] if second else None, batch_unknown) for i, f in enumerate(first)
    ]


__all__ = ["infer_output_shape", "map_structure_specs", "output_specs"]
