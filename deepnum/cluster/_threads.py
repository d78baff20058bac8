"""BLAS threading for the skinny matrix products of clustering."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from deepnum.backend import get_array_module

_CONTROLLER: Any = None


@contextlib.contextmanager
def single_threaded_blas(X: Any) -> Iterator[None]:
    """Run the block in single-threaded BLAS when ``X`` is a NumPy array and threadpoolctl
    (an optional extra) is installed.

    The GEMMs of clustering are skinny (``n_clusters`` columns in k-means, ``n_features``
    inner dimension in pairwise distances): they are bound by memory traffic, and a
    multi-threaded BLAS spends more time waking and syncing threads than computing, much
    more so on a busy machine. scikit-learn limits BLAS the same way inside its k-means.
    """
    global _CONTROLLER
    if get_array_module(X) is not np:
        yield
        return
    if _CONTROLLER is None:
        try:
            from threadpoolctl import ThreadpoolController

            _CONTROLLER = ThreadpoolController()
        except Exception:  # not installed: keep the BLAS defaults
            _CONTROLLER = False
    if _CONTROLLER is False:
        yield
        return
    with _CONTROLLER.limit(limits=1, user_api="blas"):
        yield
