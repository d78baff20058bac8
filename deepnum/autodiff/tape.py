"""GradientTape: TensorFlow-2 style gradients for custom training loops."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.engine import run_backward
from deepnum.autodiff.mode import _state
from deepnum.autodiff.tensor import Tensor

_active: list[GradientTape] = []


class GradientTape:
    """Record operations inside a ``with`` block, then ask for gradients.

    Args:
        persistent: allow several ``gradient`` calls (else the graph is freed after one).
        watch_accessed_variables: accepted for compatibility; deepnum records every tensor that
            requires grad (model weights always do).

    Example:
        >>> import deepnum as dn
        >>> x = dn.tensor(3.0)
        >>> with dn.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = x * x
        >>> tape.gradient(y, x).item()
        6.0
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self.persistent = persistent
        self._watched: list[tuple[Tensor, bool]] = []
        self._used = False

    def __enter__(self) -> GradientTape:
        self._prev = _state["enabled"]
        _state["enabled"] = True
        _active.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _active.remove(self)
        _state["enabled"] = self._prev
        for t, flag in self._watched:
            t.requires_grad = flag

    def watch(self, tensor: Any) -> None:
        """Record operations on ``tensor`` (or a list of tensors) even if it is not a weight."""
        for t in tensor if isinstance(tensor, (list, tuple)) else [tensor]:
            if not isinstance(t, Tensor):
                raise TypeError(f"GradientTape.watch expects Tensors, received {type(t).__name__}.")
            self._watched.append((t, t.requires_grad))
            t.requires_grad_(True)

    def gradient(self, target: Tensor, sources: Any, output_gradients: Any = None) -> Any:
        """Return d(target)/d(sources) with the structure of ``sources`` (``None`` if unconnected).

        Args:
            target: the tensor to differentiate (a non-scalar is summed, as in TensorFlow).
            sources: a Tensor, or a list/tuple/dict of Tensors.
            output_gradients: optional gradient of ``target`` (same shape).
        """
        if self._used and not self.persistent:
            raise RuntimeError(
                "GradientTape.gradient can only be called once on a non-persistent tape; "
                "create it with GradientTape(persistent=True) to call it several times."
            )
        self._used = True
        if isinstance(sources, dict):
            keys, flat = list(sources), list(sources.values())
        elif isinstance(sources, (list, tuple)):
            keys, flat = None, list(sources)
        else:
            keys, flat = None, [sources]
        if not target.requires_grad:
            grads = [None] * len(flat)
        else:
            if output_gradients is None and target.size != 1:
                output_gradients = Tensor._make(target.xp.ones_like(target.data))
            # Record the backward pass when an outer tape is still recording (2nd derivatives).
            nested = any(t is not self for t in _active)
            grads = run_backward(
                [target],
                [output_gradients],
                retain_graph=self.persistent or nested,
                create_graph=nested,
                inputs=flat,
            )
        if keys is not None:
            return dict(zip(keys, grads))
        if isinstance(sources, (list, tuple)):
            return type(sources)(grads)
        return grads[0]
