"""Window functions: bartlett, blackman, hamming, hanning, kaiser against keras.ops
(PyTorch's torch.signal.windows) and NumPy, in floatx on the default device."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.ops.keras_reference import check_keras

CASES = [
    ("bartlett", (5,)),
    ("bartlett", (1,)),
    ("blackman", (6,)),
    ("hamming", (7,)),
    ("hamming", (0,)),
    ("hanning", (4,)),
    ("kaiser", (5, 3.0)),
    ("kaiser", (6, 0.0)),
]


@pytest.mark.parametrize("name, args", CASES, ids=[f"{c[0]}-{c[1][0]}" for c in CASES])
def test_against_keras_and_numpy(name, args):
    check_keras(name, *args, atol=1e-6)
    got = getattr(ops, name)(*args)
    np.testing.assert_allclose(got.numpy(), getattr(np, name)(*args), atol=1e-6)


def test_floatx_and_errors():
    dn.config.set_floatx("float64")
    assert ops.hanning(3).dtype == np.float64
    assert ops.hamming(dn.tensor(np.int64(4))).shape == (4,)
    with pytest.raises(ValueError, match="must be an integer"):
        ops.bartlett(2.5)
