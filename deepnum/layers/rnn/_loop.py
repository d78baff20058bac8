"""The step-by-step loop of ``RNN`` for any cell (Keras's ``backend.rnn``): the cell is called
once per time step on nested inputs and states, and Keras's masking rules are applied between
steps. Built-in cells skip it for their fused ops (``RNN._run_fused``)."""

from __future__ import annotations

from typing import Any

from deepnum import ops, tree
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.layers.layer import Layer


def time_steps(x: Tensor, go_backwards: bool) -> list[Tensor]:
    """The slices ``x[:, t]`` in processing order, from one Split op (so that the backward
    pass concatenates once instead of scattering into a zero array at every step)."""
    steps = x.shape[1]
    rows = ops.split(ops.moveaxis(x, 1, 0), steps, axis=0)
    shape = (x.shape[0],) + tuple(x.shape[2:])
    rows = [ops.reshape(r, shape) for r in rows]
    return rows[::-1] if go_backwards else rows


def processing_mask(mask: Any, x: Tensor, go_backwards: bool) -> Any:
    """A ``(batch, time)`` mask as booleans in processing order, checked against ``x``."""
    if mask is None:
        return None
    xp = get_array_module(x.data)
    m = xp.asarray(mask.data if isinstance(mask, Tensor) else mask).astype(bool)
    if m.shape != tuple(x.shape[:2]):
        raise ValueError(
            f"mask of shape {shape_str(m.shape)} does not match inputs of shape "
            f"{shape_str(x.shape)}; expected a (batch, time) mask of shape "
            f"{shape_str(x.shape[:2])}."
        )
    return m[:, ::-1] if go_backwards else m


def _where(keep: Any, new: Tensor, old: Tensor) -> Tensor:
    """``new`` for the samples whose step is kept, else ``old`` (keep is ``(batch,)``)."""
    return ops.where(keep.reshape(keep.shape + (1,) * (new.ndim - 1)), new, old)


def run_cell(
    cell: Any,
    inputs: Any,
    states: list,
    *,
    mask: Any,
    go_backwards: bool,
    return_sequences: bool,
    zero_output_for_mask: bool,
    cell_kwargs: dict,
) -> tuple[Any, list]:
    """Run ``cell`` over the time axis of ``inputs`` (a tensor or a nested structure of
    ``(batch, time, ...)`` tensors) from ``states``.

    A masked step keeps every state; its output is the previous step's output (zeros before
    the first unmasked step), or zeros with ``zero_output_for_mask``.

    Returns:
        ``(output, final_states)``: the outputs stacked along axis 1 in processing order (or
        the last step's output), with the cell's output structure.
    """
    flat_inputs = tree.flatten(inputs)
    per_input = [time_steps(x, go_backwards) for x in flat_inputs]
    keep = processing_mask(mask, flat_inputs[0], go_backwards)
    nested = tree.is_nested(inputs)
    step, states = cell, tuple(states)
    outputs: list[list[Tensor]] = []
    structure, previous = None, None
    for t in range(len(per_input[0])):
        x_t = (
            tree.pack_sequence_as(inputs, [s[t] for s in per_input]) if nested else per_input[0][t]
        )
        out, new_states = step(x_t, states, **cell_kwargs)
        if t == 0:
            step = _later_steps(cell, flat_inputs[0])
        new_states = list(new_states) if tree.is_nested(new_states) else [new_states]
        structure, flat_out = out, [out] if isinstance(out, Tensor) else tree.flatten(out)
        if keep is not None:
            if previous is None or zero_output_for_mask:
                previous = [ops.zeros_like(o) for o in flat_out]
            flat_out = [_where(keep[:, t], o, p) for o, p in zip(flat_out, previous)]
            flat_new = [
                _where(keep[:, t], n, s)
                for n, s in zip(tree.flatten(new_states), tree.flatten(list(states)))
            ]
            new_states = tree.pack_sequence_as(new_states, flat_new)
            previous = flat_out
        states = tuple(new_states)
        if return_sequences or not outputs:
            outputs.append(flat_out)
        else:
            outputs[0] = flat_out
    if return_sequences:
        flat = [ops.stack([step[i] for step in outputs], axis=1) for i in range(len(outputs[0]))]
    else:
        flat = outputs[0]
    return tree.pack_sequence_as(structure, flat), list(states)


def _later_steps(cell: Any, x: Tensor) -> Any:
    """What runs the steps after the first: a built Layer's ``call`` itself, which spares the
    per-call work of ``Layer.__call__`` (input checks, building, casting) that the first step
    has done, unless the cell casts inputs to another dtype."""
    if isinstance(cell, Layer) and cell.built and cell.dtype == x.dtype:
        return cell.call
    return cell
