"""one_hot and multi_hot against keras.ops.nn (shape, dtype, values)."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum.ops import nn
from tests.ops.keras_reference import check_keras

LABELS = np.array([[0, 3, 1], [2, -1, 3]], dtype="int32")


@pytest.mark.parametrize(
    "x, kwargs",
    [(LABELS, {}), (LABELS, {"axis": 0}), (LABELS, {"axis": 1}), (LABELS[0], {"dtype": "int32"}),
     (np.array([1, 2]), {"dtype": "float64"}), (np.array([1.0, 3.0]), {})],
    ids=["last", "axis0", "axis1", "int32", "float64", "float-labels"],
)  # fmt: skip
def test_one_hot(x, kwargs):
    check_keras("nn.one_hot", x, 4, **kwargs)


@pytest.mark.parametrize(
    "x, kwargs",
    [(LABELS, {}), (np.array([0, 3, 3]), {}), (LABELS, {"dtype": "int32"}),
     (np.array([[[0, 1], [2, 2]], [[1, 1], [0, 3]]]), {})],
    ids=["batch", "1d", "int32", "3d"],
)  # fmt: skip
def test_multi_hot(x, kwargs):
    check_keras("nn.multi_hot", x, 4, **kwargs)
    check_keras("nn.multi_hot", x, num_tokens=4, **kwargs)


def test_encodings_are_constants():
    y = nn.one_hot([1, 2], 3)
    assert not y.requires_grad


@pytest.mark.parametrize(
    "call, match",
    [(lambda: nn.one_hot([1], 3, sparse=True), "sparse"),
     (lambda: nn.one_hot([1], -2), "num_classes"),
     (lambda: nn.one_hot([1], 3, axis=3), "axis"),
     (lambda: nn.multi_hot([1]), "num_classes")],
    ids=["sparse", "classes", "axis", "missing"],
)  # fmt: skip
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
