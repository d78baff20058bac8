"""top_k and in_top_k: against keras.ops and torch.topk; the values' gradient against numerical
differentiation and torch.autograd; ties and ``sorted=False`` as documented."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import keras_call

torch = reference("torch")


@pytest.mark.parametrize("shape, k", [((6,), 3), ((3, 5), 2), ((2, 2, 4), 4), ((3,), 0)], ids=str)
def test_values_to_second_order(shape, k):
    check_op(lambda x: ops.top_k(x, k)[0], lambda x: torch.topk(x, k)[0], shape)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_against_keras(dtype):
    # Keras's PyTorch backend returns int64 indices; its declared dtype (and deepnum's) is int32.
    x = (np.random.default_rng(0).permutation(24).reshape(4, 6) - 12).astype(dtype)
    values, indices = keras_call("top_k", x, 3)
    got_values, got_indices = ops.top_k(x, 3)
    assert got_values.dtype == values.dtype and got_indices.dtype == np.int32
    np.testing.assert_array_equal(got_values.numpy(), values)
    np.testing.assert_array_equal(got_indices.numpy(), indices)


def test_ties_take_the_lower_index_first_and_unsorted_keeps_positions():
    values, indices = ops.top_k(np.array([1.0, 3.0, 3.0, 2.0, 3.0]), 2)
    assert values.tolist() == [3.0, 3.0] and indices.tolist() == [1, 2]
    values, indices = ops.top_k(np.array([1.0, 5.0, 3.0, 2.0, 4.0, 6.0]), 3, sorted=False)
    assert indices.tolist() == [1, 4, 5] and values.tolist() == [5.0, 4.0, 6.0]


@pytest.mark.parametrize(
    "targets, predictions, k",
    [
        ([1, 0, 2], np.random.default_rng(0).normal(size=(3, 4)), 2),
        ([1, 0, 2], [[1.0, 2.0, 2.0], [3.0, 3.0, 3.0], [0.0, 1.0, 0.5]], 1),  # ties count
        ([3, 1], np.random.default_rng(1).normal(size=(2, 4)).astype("float32"), 4),
    ],
    ids=["random", "ties", "k-all"],
)
def test_in_top_k_against_keras(targets, predictions, k):
    want = keras_call("in_top_k", np.array(targets), np.array(predictions), k)
    got = ops.in_top_k(np.array(targets), np.array(predictions), k)
    assert got.dtype == bool
    np.testing.assert_array_equal(got.numpy(), want)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.top_k(np.ones(3), 4), r"`k` must be an integer in \[0, 3\]"),
        (lambda: ops.top_k(np.float64(1.0), 1), r"rank >= 1"),
        (lambda: ops.in_top_k(np.zeros(2, int), np.ones(3), 1), r"\(batch, classes\)"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
