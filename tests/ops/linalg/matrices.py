"""Test inputs for linear algebra: well-conditioned and symmetric positive-definite matrices,
and helpers that make decompositions comparable (flattened outputs, a fixed sign gauge)."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum import ops
from tests.conftest import reference

torch = reference("torch")


def well_conditioned(*shape: int, seed: int = 0) -> np.ndarray:
    """Random float64 matrices whose diagonal dominates: invertible, condition number ~3."""
    n = shape[-1]
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, size=shape) + n * np.eye(n)


def normal(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def spd_dn(a: Any) -> Any:
    """A Aᵀ + 3I for a deepnum Tensor: symmetric positive definite, differentiable in A."""
    return ops.matmul(a, ops.swapaxes(a, -1, -2)) + 3 * np.eye(a.shape[-1], dtype=a.dtype)


def spd_torch(a: Any) -> Any:
    """A Aᵀ + 3I for a torch tensor."""
    return a @ a.transpose(-1, -2) + 3 * torch.eye(a.shape[-1], dtype=a.dtype)


def cat_dn(*ts: Any) -> Any:
    """Several outputs as one flat Tensor, so that one check covers all of them."""
    return ops.concatenate([ops.reshape(t, (-1,)) for t in ts], 0)


def cat_torch(*ts: Any) -> Any:
    return torch.cat([t.reshape(-1) for t in ts])


def gauge_dn(u: Any, vh: Any | None = None) -> tuple[Any, Any]:
    """Fix the sign of each singular/eigen vector (the first row of U non-negative); the
    result is a smooth function of the matrix where the vectors are."""
    s = ops.sign(u[..., :1, :])
    return u * s, None if vh is None else vh * ops.swapaxes(s, -1, -2)


def gauge_torch(u: Any, vh: Any | None = None) -> tuple[Any, Any]:
    s = torch.sign(u[..., :1, :]).detach()
    return u * s, None if vh is None else vh * s.transpose(-1, -2)
