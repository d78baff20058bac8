"""What a file may make deepnum allocate: no more than it can hold.

A 1 KB config can ask for ``Dense(units=10**12)``; its weights would have to be in the file,
which stores a known number of bytes. While a model is rebuilt from a file, a
:class:`WeightBudget` is active: every ``add_weight`` claims its elements first, and a claim
beyond the bytes of the file's weights (each stored element takes at least one byte) is refused
with a :class:`~deepnum.saving.errors.FileLoadError` naming the file, the layer, the weight and
the size, before anything is allocated.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import shape_str
from deepnum.layers.layer import WEIGHT_BUDGET
from deepnum.saving.errors import FileLoadError


def format_bytes(n: int) -> str:
    """``n`` bytes in words: ``format_bytes(3 * 2**40)`` is ``'3.0 TiB'``.

    Example:
        >>> format_bytes(1536), format_bytes(12)
        ('1.5 KiB', '12 bytes')
    """
    if n < 1024:
        return f"{n} bytes"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB"):
        value /= 1024
        if value < 1024 or unit == "PiB":
            break
    return f"{value:.1f} {unit}"


class WeightBudget:
    """Refuse weights that a file of ``stored_bytes`` bytes of weights cannot fill.

    Args:
        source: the file, named in the error.
        stored_bytes: bytes of the file's weights (its HDF5 member or file).
        where: the part of the file that asked (``"member 'config.json'"``).

    Example:
        >>> import deepnum as dn
        >>> try:
        ...     with allocation_budget(WeightBudget("m.keras", 1000)):
        ...         dn.layers.Dense(10**6, name="big").build((None, 10))
        ... except FileLoadError as e:
        ...     print(e.reason[:59])
        layer 'big' asks for weight 'kernel' of shape (10, 1000000)
    """

    def __init__(self, source: str, stored_bytes: int, where: str | None = None) -> None:
        self.source, self.stored, self.where = source, int(stored_bytes), where
        self.claimed = 0

    def claim(self, layer: Any, name: str, shape: tuple, dtype: Any) -> None:
        """Count ``shape``'s elements against the file; raise when the file cannot hold them."""
        elements = int(np.prod(shape, dtype=object))
        self.claimed += elements
        if self.claimed <= self.stored:
            return
        try:
            itemsize = np.dtype(dtype).itemsize
        except TypeError:
            itemsize = 4
        raise FileLoadError(
            self.source,
            f"layer '{layer.name}' asks for weight '{name}' of shape {shape_str(shape)} "
            f"({format_bytes(elements * itemsize)}), but the file stores only "
            f"{format_bytes(self.stored)} of weights: its config does not match its weights "
            "(damaged or hostile?).",
            self.where,
        )


@contextlib.contextmanager
def allocation_budget(budget: WeightBudget | None) -> Iterator[None]:
    """Make ``budget`` refuse the weights created in the body (``None``: no limit)."""
    token = WEIGHT_BUDGET.set(budget)
    try:
        yield
    finally:
        WEIGHT_BUDGET.reset(token)


__all__ = ["WeightBudget", "allocation_budget", "format_bytes"]
