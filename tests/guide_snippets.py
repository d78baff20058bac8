"""Run a keras.io guide snippet twice: with ``import deepnum as keras`` and with Keras 3
(torch backend), and compare what it prints, returns and computes.

A snippet is a function of ``(keras, layers, ops)``, its body copied from the guide, so that
the same code runs on both libraries. ``to_np`` turns either library's tensors into NumPy
arrays.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from typing import Any

import numpy as np

import deepnum
from tests.conftest import reference


def libraries() -> dict[str, tuple[Any, Any, Any]]:
    """``{"deepnum": (keras, layers, ops), "keras": (...)}`` for a snippet's arguments."""
    keras = reference("keras")
    return {
        "deepnum": (deepnum, deepnum.layers, deepnum.ops),
        "keras": (keras, keras.layers, keras.ops),
    }


def run_both(snippet: Callable[..., Any]) -> tuple[Any, Any]:
    """The snippet's result on deepnum, then on Keras."""
    libs = libraries()
    return snippet(*libs["deepnum"]), snippet(*libs["keras"])


def printed(snippet: Callable[..., Any], *args: Any) -> str:
    """What ``snippet(*args)`` prints, with the automatic names' counters masked
    (``keras_tensor_12`` → ``keras_tensor_#``), which differ between libraries."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        snippet(*args)
    return re.sub(r"(_\d+)+\b", "_#", out.getvalue())


def to_np(value: Any) -> Any:
    """A tensor of either library (or a nested list of them) as NumPy arrays."""
    if isinstance(value, (list, tuple)):
        return [to_np(v) for v in value]
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def copy_weights(source: Any, target: Any) -> None:
    """Keras's weights into the deepnum object (same order and layouts)."""
    target.set_weights([to_np(w) for w in source.get_weights()])


def assert_close(ours: Any, theirs: Any, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    ours, theirs = to_np(ours), to_np(theirs)
    if isinstance(ours, list):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_close(a, b, rtol, atol)
        return
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, equal_nan=True)
