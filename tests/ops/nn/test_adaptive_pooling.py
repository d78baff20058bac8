"""adaptive_average_pool and adaptive_max_pool (1-D to 3-D) against torch's (to second order)
and keras.ops.nn."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum.ops import nn
from tests.conftest import reference
from tests.ops.helpers import check_op, make_inputs
from tests.ops.keras_reference import check_keras

torch = reference("torch")
F = torch.nn.functional

# (channels_last input shape, output_size): divisible, uneven and overlapping bins
CASES = [((2, 7, 3), 3), ((2, 6, 5, 2), (4, 2)), ((1, 5, 7, 1), 3), ((1, 4, 5, 3, 2), (2, 3, 2))]
TORCH = {1: (F.adaptive_avg_pool1d, F.adaptive_max_pool1d),
         2: (F.adaptive_avg_pool2d, F.adaptive_max_pool2d),
         3: (F.adaptive_avg_pool3d, F.adaptive_max_pool3d)}  # fmt: skip


def _torch_ref(nd, size, which):
    fn = TORCH[nd][which]

    def ref(x):  # channels_last in and out, through torch's channels_first
        y = fn(torch.movedim(x, -1, 1), size)
        return torch.movedim(y, 1, -1)

    return ref


@pytest.mark.parametrize("shape, size", CASES, ids=str)
@pytest.mark.parametrize("which, name", [(0, "adaptive_average_pool"), (1, "adaptive_max_pool")])
def test_against_torch_and_keras(shape, size, which, name):
    nd = len(shape) - 2
    op = getattr(nn, name)
    check_op(lambda x: op(x, size), _torch_ref(nd, size, which), shape,
             second_order=which == 0)  # fmt: skip
    x = make_inputs([shape], seed=2)[0].astype("float32")
    check_keras(f"nn.{name}", x, size, atol=1e-6)
    xf = np.moveaxis(x, -1, 1).copy()
    check_keras(f"nn.{name}", xf, size, data_format="channels_first", atol=1e-6)


@pytest.mark.parametrize("op", [nn.adaptive_average_pool, nn.adaptive_max_pool])
def test_argument_errors(op):
    with pytest.raises(ValueError, match="output_size"):
        op(np.ones((1, 4, 4, 1)), (2, 2, 2))
    with pytest.raises(ValueError, match="rank 3, 4 or 5"):
        op(np.ones((4, 4)), 2)
