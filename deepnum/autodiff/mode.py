"""Whether operations are being recorded for differentiation."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

_state = {"enabled": True}


def is_grad_enabled() -> bool:
    """True when new operations on tensors that require grad are recorded."""
    return _state["enabled"]


class _GradMode:
    """Context manager and decorator that sets whether operations are recorded."""

    enabled: bool

    def __enter__(self) -> None:
        self._prev = _state["enabled"]
        _state["enabled"] = self.enabled

    def __exit__(self, *exc: Any) -> None:
        _state["enabled"] = self._prev

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Disable graph recording (inference, weight updates).

    Example:
        >>> import deepnum as dn
        >>> x = dn.tensor([1.0, 2.0], requires_grad=True)
        >>> with dn.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    enabled = False


class enable_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Re-enable graph recording inside a ``no_grad`` block."""

    enabled = True


def set_grad_enabled(mode: bool) -> None:
    """Turn graph recording on or off globally."""
    _state["enabled"] = bool(mode)
