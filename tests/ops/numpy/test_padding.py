"""pad in every mode: forward against NumPy's ``np.pad`` (the semantics Keras documents) and
keras.ops where its PyTorch backend implements the mode; gradients against numerical
differentiation in every differentiable mode, and torch.autograd where PyTorch pads alike."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")
F = torch.nn.functional

X = np.arange(12.0).reshape(3, 4) - 5.0
I32 = np.array([[1, 5, 9], [-3, 2, 8]], dtype=np.int32)
WIDTHS = [1, (2, 1), ((1, 0), (3, 2)), ((2,), (1,)), ((0, 0), (0, 5))]
NUMPY_MODES = ["edge", "reflect", "symmetric", "wrap", "maximum", "minimum", "mean", "median"]
NUMPY_MODES += ["linear_ramp"]


@pytest.mark.parametrize("width", WIDTHS, ids=str)
@pytest.mark.parametrize("mode", NUMPY_MODES + ["constant"])
def test_forward_as_numpy(mode, width):
    for x in (X, I32):
        got = ops.pad(x, width, mode=mode)
        want = np.pad(x, width, mode=mode)
        assert got.dtype == want.dtype, f"{mode}: dtype {got.dtype} != {want.dtype}"
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, err_msg=mode)


def test_circular_is_wrap_and_empty_is_zeros():
    np.testing.assert_array_equal(ops.pad(X, 2, mode="circular").numpy(), np.pad(X, 2, mode="wrap"))
    np.testing.assert_array_equal(ops.pad(X, 1, mode="empty").numpy()[0], np.zeros(6))


KERAS_CASES = [
    (X, ((1, 2), (0, 3)), "constant", None),
    (X, ((1, 1), (1, 1)), "constant", 2.5),
    (I32, ((1, 1), (2, 0)), "constant", 5),
    (X, ((1, 2), (2, 1)), "reflect", None),
    (np.arange(4.0), ((2, 3),), "circular", None),
    (X.astype(np.float32), ((0, 0), (1, 2)), "circular", None),
]


@pytest.mark.parametrize(
    "x, width, mode, value", KERAS_CASES, ids=[f"{c[2]}-{i}" for i, c in enumerate(KERAS_CASES)]
)
def test_against_keras(x, width, mode, value):
    check_keras("pad", x, width, mode=mode, constant_values=value)


def test_a_single_width_pads_every_axis():
    # As Keras documents and NumPy does; Keras's PyTorch backend pads only the last axis then.
    assert ops.pad(X, 1).shape == (5, 6) and ops.pad(X, ((1, 2),)).shape == (6, 7)


def test_symmetric_follows_numpy_not_kerass_torch_backend():
    # Keras's PyTorch backend maps "symmetric" to PyTorch's "replicate" (the edge mode);
    # Keras's NumPy and JAX backends, like NumPy, mirror including the edge.
    got = ops.pad(np.arange(4.0), 2, mode="symmetric").numpy()
    np.testing.assert_array_equal(got, [1.0, 0.0, 0.0, 1.0, 2.0, 3.0, 3.0, 2.0])


@pytest.mark.parametrize("mode", NUMPY_MODES + ["constant"])
def test_grad_numerical(mode):
    # Distinct values so that max/min/median pick one element each.
    inputs = [np.random.default_rng(1).permutation(12).reshape(3, 4) * 0.25 - 1.0]
    check_op(
        lambda x: ops.pad(x, ((1, 2), (2, 1)), mode=mode),
        None,
        inputs=inputs,
        np_fn=lambda x: np.pad(x, ((1, 2), (2, 1)), mode=mode),
    )


@pytest.mark.parametrize(
    "mode, torch_mode, width, shape",
    [
        ("constant", "constant", ((1, 2), (0, 3)), (2, 3)),
        ("reflect", "reflect", ((0, 0), (1, 2), (2, 1)), (1, 3, 4)),
        ("edge", "replicate", ((0, 0), (2, 1), (1, 3)), (1, 3, 4)),
        ("wrap", "circular", ((0, 0), (1, 2), (2, 1)), (1, 3, 4)),
    ],
    ids=["constant", "reflect", "edge", "wrap"],
)
def test_grad_against_torch(mode, torch_mode, width, shape):
    # torch lists (before, after) pairs from the last axis backwards, for the trailing axes.
    flat = tuple(w for pair in reversed(width[-2:]) for w in pair)
    check_op(
        lambda x: ops.pad(x, width, mode=mode),
        lambda x: F.pad(x, flat, mode=torch_mode),
        shape,
    )


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.pad(X, 1, mode="bogus"), "unknown mode 'bogus'"),
        (lambda: ops.pad(X, 1, mode="edge", constant_values=1), "only be given with mode"),
        (lambda: ops.pad(X, ((1, 1),) * 3), "3 pairs for a tensor of rank 2"),
        (lambda: ops.pad(X, -1), "must be >= 0"),
        (lambda: ops.pad(np.ones((0, 2)), 1, mode="reflect"), "empty axis 0"),
    ],
    ids=["mode", "constant_values", "pairs", "negative", "empty"],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
