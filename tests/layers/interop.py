"""Models built with the same code in Keras 3 and deepnum move both ways as ``.keras`` files:
``assert_moves_both_ways(tmp_path, build, x)`` saves the Keras model and loads it in deepnum,
saves the deepnum model and loads it in Keras, and compares the predictions, the parameter
counts and the summaries' totals."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from typing import Any

import numpy as np

import deepnum as dn
from tests.conftest import reference


def _predict(model: Any, x: Any) -> list[np.ndarray]:
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def _same(a: Any, b: Any, x: Any, tol: float) -> None:
    for pa, pb in zip(_predict(a, x), _predict(b, x), strict=True):
        np.testing.assert_allclose(pa, pb, rtol=tol, atol=tol)


def summary_text(model: Any) -> str:
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        model.summary()
    return buffer.getvalue()


def assert_moves_both_ways(tmp_path: Any, build: Any, x: Any, tol: float = 1e-5) -> None:
    """``build(lib)`` makes the same model with ``lib`` = keras or deepnum."""
    keras = reference("keras")
    k_model, d_model = build(keras), build(dn)
    assert d_model.count_params() == k_model.count_params()
    assert f"{k_model.count_params():,}" in summary_text(d_model)
    k_model.save(tmp_path / "keras.keras")
    d_model.save(tmp_path / "deepnum.keras")
    from_keras = dn.models.load_model(tmp_path / "keras.keras")
    _same(k_model, from_keras, x, tol)
    from_deepnum = keras.saving.load_model(tmp_path / "deepnum.keras")
    _same(d_model, from_deepnum, x, tol)
