"""Order statistics: quantile, percentile, median and their nan* forms — every method, scalar
and sequence q, axes and keepdims, NaN handling — against Keras (values, dtypes) and
torch.quantile / torch.nanquantile with torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")

METHODS = ["linear", "lower", "higher", "midpoint", "nearest"]
X = np.random.default_rng(0).standard_normal((3, 4, 5)).astype("float32")
# (q, axis, keepdims)
CASES = [
    (0.5, None, False),
    ([0.1, 0.5, 0.9], 1, False),
    (0.3, -1, True),
    ([0.0, 1.0], (0, 2), True),
    (0.75, (), False),
]


@pytest.mark.parametrize("q, axis, keepdims", CASES)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_matches_keras(name, method, q, axis, keepdims):
    check_keras(name, X, q, axis=axis, method=method, keepdims=keepdims)


@pytest.mark.parametrize("q, axis, keepdims", [(50, None, False), ([10, 95], 1, True)])
@pytest.mark.parametrize("method", ["linear", "nearest"])
@pytest.mark.parametrize("name", ["percentile", "nanpercentile"])
def test_percentile_matches_keras(name, method, q, axis, keepdims):
    check_keras(name, X, q, axis=axis, method=method, keepdims=keepdims)


@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), ((1, 2), True), ((), False)])
@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_median_matches_keras(name, axis, keepdims):
    """An even count averages the two middle values (not torch.median's lower one)."""
    check_keras(name, X, axis=axis, keepdims=keepdims)


@pytest.mark.parametrize("dtype", ["int32", "uint8", "bool", "float16"])
@pytest.mark.parametrize("name", ["median", "nanmedian", "quantile", "nanpercentile"])
def test_integer_and_float16_dtypes_match_keras(name, dtype):
    x = np.array([[1, 0, 2, 5], [3, 1, 1, 0]]).astype(dtype)
    q = {"quantile": (0.4,), "nanpercentile": (40,)}.get(name, ())
    check_keras(name, x, *q, axis=1, atol=2e-3, rtol=2e-3)


NAN = np.array(
    [[1.5, np.nan, -2.0, 0.5, 3.0], [np.nan] * 5, [0.25, 3.0, 1.0, -1.0, 2.0]], dtype="float32"
)


@pytest.mark.parametrize("axis", [None, 1, 0])
@pytest.mark.parametrize(
    "name, q",
    [("quantile", 0.3), ("nanquantile", [0.3, 0.6]), ("median", None), ("nanmedian", None)],
)
def test_nan_handling_matches_keras(name, q, axis):
    """quantile is NaN where a slice holds NaN; nanquantile skips NaN (NaN if all are)."""
    args = () if q is None else (q,)
    check_keras(name, NAN, *args, axis=axis)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("q, axis", [(0.35, 1), ([0.2, 0.5, 0.95], 0), (0.6, None)])
def test_quantile_gradient(method, q, axis):
    tq = q if isinstance(q, float) else None

    def ref(t):
        qs = tq if tq is not None else torch.tensor(q, dtype=t.dtype)
        return torch.quantile(t, qs, dim=axis, interpolation=method)

    check_op(lambda x: ops.quantile(x, q, axis=axis, method=method), ref, (5, 4))


@pytest.mark.parametrize("method", ["linear", "midpoint"])
def test_nanquantile_gradient(method):
    x = NAN.astype("float64")[[0, 2]]
    check_op(
        lambda t: ops.nanquantile(t, 0.4, axis=1, method=method),
        lambda t: torch.nanquantile(t, 0.4, dim=1, interpolation=method),
        inputs=[x],
    )


@pytest.mark.parametrize("shape, axis", [((4, 6), 1), ((5, 3), 0), ((7,), None)])
def test_median_gradient(shape, axis):
    check_op(
        lambda x: ops.median(x, axis=axis),
        lambda t: torch.quantile(t, 0.5, dim=axis),
        shape,
    )


def test_64_bit_inputs_stay_64_bit():
    x = X.astype("float64")
    assert ops.quantile(x, 0.5).dtype == ops.nanmedian(x, axis=1).dtype == "float64"


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.quantile(X, 1.5), r"quantile: q values must lie in \[0, 1\]"),
        (lambda: ops.percentile(X, -5), r"percentile: q values must lie in \[0, 100\]"),
        (lambda: ops.quantile(X, [[0.5]]), r"quantile: q must be a number or a 1-d sequence"),
        (lambda: ops.quantile(X, 0.5, method="cubic"), r"quantile: method must be one of"),
        (lambda: ops.median(np.zeros((0, 3)), axis=0), r"median: cannot take quantiles"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
