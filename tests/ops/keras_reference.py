"""Compare a deepnum op with the same op of ``keras.ops`` (Keras 3 on PyTorch) on the same inputs.

``check_keras("cumsum", x, axis=1)`` runs ``deepnum.ops.cumsum`` and ``keras.ops.cumsum`` on the
same arguments and checks that the results have the same shape, the same dtype (Keras's dtype
rules) and the same values. Tuples and lists of outputs are compared element by element.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import deepnum as dn
from tests.conftest import reference


def resolve(root: Any, name: str) -> Any:
    """``root.<name>`` for a dotted name such as ``"image.resize"`` or ``"cumsum"``."""
    obj = root
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def to_host(value: Any) -> Any:
    """Outputs of either framework as NumPy arrays (recursively through tuples and lists)."""
    if isinstance(value, (tuple, list)):
        return type(value)(to_host(v) for v in value)
    if isinstance(value, dn.Tensor):
        return value.numpy()
    if hasattr(value, "detach"):  # torch
        return value.detach().cpu().numpy()
    return np.asarray(value)


def keras_call(name: str, *args: Any, **kwargs: Any) -> Any:
    """``keras.ops.<name>(*args, **kwargs)`` with its outputs as NumPy arrays."""
    keras = reference("keras")
    return to_host(resolve(keras.ops, name)(*args, **kwargs))


def check_keras(
    name: str,
    *args: Any,
    atol: float = 1e-6,
    rtol: float = 1e-6,
    check_dtype: bool = True,
    **kwargs: Any,
) -> Any:
    """Check ``deepnum.ops.<name>`` against ``keras.ops.<name>``; return Keras's result.

    Args:
        name: the op's name in ``keras.ops`` (dotted for sub-namespaces: ``"image.resize"``).
        *args, **kwargs: the same arguments for both (NumPy arrays, Python values).
        atol, rtol: value tolerances.
        check_dtype: compare the result dtypes too (Keras's dtype rules).
    """
    want = keras_call(name, *args, **kwargs)
    got = to_host(resolve(dn.ops, name)(*args, **kwargs))
    _compare(got, want, name, atol, rtol, check_dtype)
    return want


def _compare(got: Any, want: Any, what: str, atol: float, rtol: float, check_dtype: bool) -> None:
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), (
            f"{what}: {len(want)} outputs expected, got {type(got).__name__}"
        )
        for i, (g, w) in enumerate(zip(got, want)):
            _compare(g, w, f"{what}[{i}]", atol, rtol, check_dtype)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != Keras's {want.shape}"
    if check_dtype:
        assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != Keras's {want.dtype}"
    if want.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, atol=atol, rtol=rtol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)
