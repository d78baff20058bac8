"""Complex numbers: real and imaginary parts, conjugate, angle, and the test for real values.

On real data these are the identity (``real``, ``conj``) or constants (``imag`` is 0, ``angle``
is 0 or π), as in NumPy. Complex tensors do not carry gradients in deepnum.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.ops.numpy._promotion import constant, float_tensor, tensor

__all__ = ["angle", "conj", "conjugate", "imag", "isreal", "real"]


def _is_complex(x: Tensor) -> bool:
    return x.data.dtype.kind == "c"


def real(x: Any) -> Tensor:
    """The real part; real input is returned as it is.

    Example:
        >>> import numpy as np
        >>> real(np.array([1 + 2j])).tolist()
        [1.0]
    """
    x = tensor(x)
    return constant(get_array_module(x.data).real(x.data)) if _is_complex(x) else x


def imag(x: Any) -> Tensor:
    """The imaginary part; zeros of the same dtype for real input.

    Example:
        >>> import numpy as np
        >>> imag(np.array([1 + 2j])).tolist()
        [2.0]
    """
    x = tensor(x)
    xp = get_array_module(x.data)
    return constant(xp.imag(x.data) if _is_complex(x) else xp.zeros_like(x.data))


def conjugate(x: Any) -> Tensor:
    """The complex conjugate (a − bi for a + bi); real input is returned as it is.

    Example:
        >>> import numpy as np
        >>> conjugate(np.array([1 + 2j])).tolist()
        [(1-2j)]
    """
    x = tensor(x)
    return constant(get_array_module(x.data).conjugate(x.data)) if _is_complex(x) else x


def conj(x: Any) -> Tensor:
    """Alias of :func:`conjugate`.

    Example:
        >>> conj([1.5]).tolist()
        [1.5]
    """
    return conjugate(x)


def angle(x: Any) -> Tensor:
    """The argument atan2(imag, real) in radians: 0 or π for real data (π where x < 0).

    Integer and boolean inputs give ``floatx()``; the result carries no gradient.

    Example:
        >>> angle([-1.0, 2.0]).tolist()[1]
        0.0
    """
    x = tensor(x)
    if not _is_complex(x):
        x = float_tensor(x)
    return constant(get_array_module(x.data).angle(x.data))


def isreal(x: Any) -> Tensor:
    """True where the imaginary part is zero (everywhere for real data).

    Example:
        >>> import numpy as np
        >>> isreal(np.array([1 + 2j, 3 + 0j])).tolist()
        [False, True]
    """
    x = tensor(x)
    xp = get_array_module(x.data)
    if _is_complex(x):
        return constant(xp.imag(x.data) == 0)
    return constant(xp.ones(x.shape, dtype=bool))
