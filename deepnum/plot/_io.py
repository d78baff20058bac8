"""Lazy matplotlib import (an optional extra) and atomic figure writes."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from deepnum.autodiff import Tensor
from deepnum.backend import to_numpy


def new_figure(figsize: tuple[float, float]) -> Any:
    """Return a matplotlib ``Figure`` drawn by the Agg canvas, without touching pyplot's
    global state (so it works headless and never switches the user's backend)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(
            "deepnum.plot needs matplotlib, an optional dependency. Install it with "
            "`pip install deepnum[plot]` (or `pip install matplotlib`)."
        ) from e
    figure = Figure(figsize=figsize)
    FigureCanvasAgg(figure)
    return figure


def save_figure(figure: Any, path: str | os.PathLike) -> None:
    """Write ``figure`` to ``path`` atomically: a temporary file in the same directory,
    then ``os.replace``, so a reader never sees a half-written image.

    The format comes from the extension (``.png`` when there is none).
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"Cannot write the plot to {path!r}: directory {directory!r} does not exist."
        )
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or "png"
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=f".{fmt}", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            figure.savefig(f, format=fmt, bbox_inches="tight")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; use the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def host_array(x: Any) -> Any:
    """A NumPy copy of an array-like, CuPy array or deepnum Tensor."""
    if isinstance(x, Tensor):
        x = x.data
    return to_numpy(x)
