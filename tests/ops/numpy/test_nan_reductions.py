"""Reductions that skip NaN: nansum, nanprod, nanmax, nanmin, nanmean, nanvar, nanstd,
nanargmax, nanargmin — against Keras (values with all-NaN slices, dtypes, empty axes) and
torch.autograd / central differences (NaN positions get a zero gradient)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")

# One NaN in row 0, row 2 all NaN, an infinity in row 1.
X = np.array(
    [[1.5, np.nan, -2.0, 0.5], [0.25, 3.0, np.inf, -1.0], [np.nan, np.nan, np.nan, np.nan]],
    dtype="float32",
)
# NaN but no all-NaN slice along axis 1, for the gradients.
G = np.array([[1.5, np.nan, -2.0, 0.5], [0.25, 3.0, -0.75, -1.0], [np.nan, 0.5, np.nan, 1.25]])
NAMES = ["nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar", "nanstd"]
AXES = [(None, False), (1, False), (0, True), ((0, 1), False)]


@pytest.mark.parametrize("axis, keepdims", AXES)
@pytest.mark.parametrize("name", NAMES + ["nanargmax", "nanargmin"])
def test_matches_keras(name, axis, keepdims):
    """All-NaN slices give NaN (−1 for the arg forms) without a warning."""
    if name.startswith("nanarg") and isinstance(axis, tuple):
        axis = -1
    x = X if name not in ("nanvar", "nanstd", "nanmean") else np.where(np.isinf(X), 2.0, X)
    check_keras(name, x.astype("float32"), axis=axis, keepdims=keepdims, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("dtype", ["bool", "int8", "int32", "float16"])
@pytest.mark.parametrize("name", NAMES + ["nanargmax", "nanargmin"])
def test_integer_inputs_reduce_like_the_plain_ops_with_keras_dtypes(name, dtype):
    x = np.array([[1, 0, 2], [3, 1, 1]]).astype(dtype)
    check_keras(name, x, axis=1, atol=2e-3, rtol=2e-3)


@pytest.mark.parametrize("name", ["nansum", "nanprod", "nanvar", "nanstd", "nanmean", "nanmax"])
def test_empty_axis_matches_keras_up_to_infinity(name):
    """axis=() replaces NaN elementwise (nansum → 0, nanprod → 1, nanvar/nanstd → 0 with NaN
    kept, the others return x). Infinities stay infinite here, as in NumPy, where Keras's
    PyTorch backend would clamp them through ``nan_to_num``."""
    x = np.where(np.isinf(X), 2.0, X).astype("float32")
    check_keras(name, x, axis=())


TORCH_REFS = {
    "nansum": lambda t: torch.nansum(t, dim=1),
    "nanprod": lambda t: torch.prod(torch.where(torch.isnan(t), 1.0, t), dim=1),
    "nanmax": lambda t: torch.amax(torch.where(torch.isnan(t), -torch.inf, t), dim=1),
    "nanmin": lambda t: torch.amin(torch.where(torch.isnan(t), torch.inf, t), dim=1),
    "nanmean": lambda t: torch.nanmean(t, dim=1),
    "nanvar": lambda t: _torch_nanvar(t, 1),
    "nanstd": lambda t: torch.sqrt(_torch_nanvar(t, 1)),
}


def _torch_nanvar(t, dim):
    """Keras's PyTorch nanvar: squared deviations from the nanmean over the non-NaN count."""
    valid = ~torch.isnan(t)
    centred = torch.where(valid, t - torch.nanmean(t, dim=dim, keepdim=True), 0.0)
    return (centred * centred).sum(dim) / valid.sum(dim)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_is_zero_at_nan(name):
    check_op(lambda t: getattr(ops, name)(t, axis=1), TORCH_REFS[name], inputs=[G])


@pytest.mark.parametrize("name", ["nansum", "nanmax", "nanmean", "nanvar"])
def test_all_nan_slices_are_nan_with_zero_gradient(name):
    x = dn.tensor(X.astype("float64")[[0, 2]], requires_grad=True)
    y = getattr(ops, name)(x, axis=1)
    if name != "nansum":
        assert np.isnan(y.numpy()[1])
    (y * np.array([1.0, 0.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[1], np.zeros(4))


def test_nanstd_gradient_is_zero_where_the_deviation_is_zero():
    x = dn.tensor(np.array([[2.0, np.nan, 2.0], [1.0, 3.0, np.nan]]), requires_grad=True)
    ops.nanstd(x, axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 0.0, 0.0], [-0.5, 0.5, 0.0]])


def test_64_bit_inputs_stay_64_bit():
    x = G.astype("float64")
    for name in NAMES:
        assert getattr(ops, name)(x, axis=1).dtype == "float64", name


def test_index_outputs_carry_no_gradient():
    t = dn.tensor(G, requires_grad=True)
    for name in ("nanargmax", "nanargmin"):
        out = getattr(ops, name)(t, axis=1)
        assert out.dtype == "int32" and not out.requires_grad
        np.testing.assert_array_equal(out.numpy(), getattr(np, name)(G, axis=1))
