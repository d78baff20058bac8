"""Flat buffers: many same-dtype arrays stored back to back in one contiguous 1-D array.

Each variable (or optimizer slot) is then a reshaped *view* of its segment of the buffer, so an
elementwise update can run once over the whole buffer — a handful of ufunc calls per step,
whatever the number of variables — and give bit-for-bit the same numbers as running it on
every variable separately (elementwise IEEE operations do not depend on how the array is cut).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.autodiff.variable import Variable
from deepnum.backend import get_array_module


class FlatLayout:
    """Where each of a list of same-dtype arrays sits inside one flat buffer.

    Args:
        arrays: arrays (or Variables) of one float dtype, on one device.

    Example:
        >>> import numpy as np
        >>> layout = FlatLayout([np.zeros((2, 3)), np.zeros(4)])
        >>> buf = layout.full(1.0)
        >>> [v.shape for v in layout.views(buf)], buf.shape
        ([(2, 3), (4,)], (10,))
    """

    def __init__(self, arrays: Sequence[Any]) -> None:
        arrays = [a.data if isinstance(a, Tensor) else a for a in arrays]
        self.xp = get_array_module(*arrays)
        self.dtype = arrays[0].dtype
        self.shapes = [a.shape for a in arrays]
        self.offsets = [0]
        for a in arrays:
            self.offsets.append(self.offsets[-1] + a.size)
        self.size = self.offsets[-1]

    @staticmethod
    def fits(arrays: Sequence[Any]) -> bool:
        """True when the arrays can share one buffer: one float dtype, one array type, device."""
        arrays = [a.data if isinstance(a, Tensor) else a for a in arrays]
        if not arrays:
            return False
        first = arrays[0]
        return first.dtype.kind == "f" and all(
            a.dtype == first.dtype
            and type(a) is type(first)
            and getattr(a, "device", None) == getattr(first, "device", None)
            for a in arrays
        )

    def full(self, value: float) -> Any:
        """A new flat buffer filled with ``value``."""
        return self.xp.full(self.size, value, dtype=self.dtype)

    def views(self, buffer: Any) -> list[Any]:
        """The per-array views of ``buffer``, in the layout's order and shapes."""
        return [
            buffer[lo:hi].reshape(shape)
            for lo, hi, shape in zip(self.offsets[:-1], self.offsets[1:], self.shapes)
        ]


class FlatParameters:
    """Trainable variables moved into one flat buffer, with a flat gradient buffer beside it.

    Building one copies every variable's value into the buffer and rebinds ``variable.data``
    to its view (``assign`` keeps writing in place, so the view stays the variable's storage).
    Gradients are gathered into ``grad`` once per step; a backward pass that writes straight
    into ``grad_views`` skips that copy.

    Args:
        layout: the variables' :class:`FlatLayout`.
        variables: the variables, in the layout's order.
    """

    def __init__(self, layout: FlatLayout, variables: Sequence[Variable]) -> None:
        self.layout = layout
        self.param = layout.full(0.0)
        self.param_views = layout.views(self.param)
        for variable, view in zip(variables, self.param_views):
            view[...] = variable.data
            variable.data = view
        self.grad = layout.full(0.0)
        self.grad_views = layout.views(self.grad)
        # Stands for "all parameters at once" in update_step and in the slot lookup.
        self.variable = Variable(self.param, trainable=False, name="flat_parameters")

    @staticmethod
    def can_adopt(variables: Sequence[Variable]) -> bool:
        """True when every variable owns a C-contiguous array (so none is already a view)."""
        return FlatLayout.fits(variables) and all(
            v.data.base is None and v.data.flags.c_contiguous for v in variables
        )

    def holds(self, variables: Sequence[Variable]) -> bool:
        """True while every variable's storage is still its view of the flat buffer."""
        return all(v.data is view for v, view in zip(variables, self.param_views))

    def gather(self, grads: Sequence[Any]) -> Any:
        """Copy per-variable gradients (in layout order) into ``grad`` and return it."""
        if any(g is not view for g, view in zip(grads, self.grad_views)):
            self.layout.xp.concatenate([g.reshape(-1) for g in grads], out=self.grad)
        return self.grad
