"""The call context: which layers are running (for error paths) and the ``training`` flag.

Keras propagates ``training`` from an outer call to the layers called inside it; the stack
below does the same, and also gives each error the layer's path in the model
(``sequential/dense_1``).
"""

from __future__ import annotations

import re
from typing import Any

# Automatic names and their reset are the backend's (keras.backend.get_uid shares them).
from deepnum.backend.global_state import clear_session, unique_name  # noqa: F401

_stack: list[tuple[Any, bool | None]] = []


def push(layer: Any, training: bool | None) -> None:
    _stack.append((layer, training))


def pop() -> None:
    _stack.pop()


def depth() -> int:
    """How many layer calls are running (0 outside any call)."""
    return len(_stack)


def current_training() -> bool | None:
    """The ``training`` value of the innermost enclosing call that set one."""
    for _, training in reversed(_stack):
        if training is not None:
            return training
    return None


def current_path() -> str:
    """The names of the layers being called, outermost first, joined by ``/``."""
    return "/".join(layer.name for layer, _ in _stack)


def snake_case(name: str) -> str:
    """``Conv2DTranspose`` → ``conv2d_transpose``, ``LSTM`` → ``lstm``."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
