"""zeros_like, ones_like, full_like: constants shaped like another tensor."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops


@pytest.mark.parametrize(
    "op, ref",
    [(ops.zeros_like, np.zeros_like), (ops.ones_like, np.ones_like)],
    ids=["zeros_like", "ones_like"],
)
def test_like(op, ref):
    x = dn.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    out = op(x)
    np.testing.assert_array_equal(out.numpy(), ref(x.numpy()))
    assert out.dtype == np.float64 and not out.requires_grad
    assert op(x, dtype="int32").dtype == np.int32
    assert op([1.0, 2.0]).dtype == np.float32


def test_full_like():
    x = dn.tensor(np.zeros((2, 2), dtype=np.float32))
    out = ops.full_like(x, 2.5)
    np.testing.assert_array_equal(out.numpy(), np.full((2, 2), 2.5))
    assert out.dtype == np.float32
    assert ops.full_like(x, 3, dtype="int64").numpy().tolist() == [[3, 3], [3, 3]]


def test_keras_style_constructors_match_numpy():
    import deepnum as dn

    np.testing.assert_array_equal(dn.ops.zeros((2, 3)).numpy(), np.zeros((2, 3), "float32"))
    np.testing.assert_array_equal(dn.ops.ones(4).numpy(), np.ones(4, "float32"))
    np.testing.assert_array_equal(dn.ops.full((2,), 7.0).numpy(), np.full(2, 7.0, "float32"))
    np.testing.assert_array_equal(dn.ops.arange(1, 7, 2).numpy(), np.arange(1, 7, 2))
    np.testing.assert_array_equal(dn.ops.eye(3, k=1).numpy(), np.eye(3, k=1, dtype="float32"))
    t = dn.ops.convert_to_tensor([1, 2], dtype="float64")
    assert t.dtype == np.float64 and isinstance(dn.ops.convert_to_numpy(t), np.ndarray)
