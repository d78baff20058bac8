"""depth_to_space and space_to_depth against keras.ops.nn and torch's pixel shuffles, with
their derivatives (they are permutations: the gradient is the inverse permutation)."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum.ops import nn
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

torch = reference("torch")
F = torch.nn.functional


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("r", [2, 3])
def test_against_keras(r, data_format):
    x = np.arange(2 * 2 * 3 * 4 * r * r, dtype="float32")
    d2s = x.reshape(
        (2, 2, 3, 4 * r * r) if data_format == "channels_last" else (2, 4 * r * r, 2, 3)
    )
    check_keras("nn.depth_to_space", d2s, r, data_format=data_format)
    s2d = x.reshape(
        (2, 2 * r, 3 * r, 4) if data_format == "channels_last" else (2, 4, 2 * r, 3 * r)
    )
    check_keras("nn.space_to_depth", s2d, r, data_format=data_format)


def test_channels_first_is_torchs_pixel_shuffle():
    check_op(lambda x: nn.depth_to_space(x, 2, "channels_first"),
             lambda x: F.pixel_shuffle(x, 2), (2, 12, 3, 2))  # fmt: skip
    check_op(lambda x: nn.space_to_depth(x, 2, "channels_first"),
             lambda x: F.pixel_unshuffle(x, 2), (2, 3, 4, 6))  # fmt: skip


def test_round_trip():
    x = np.random.default_rng(0).standard_normal((2, 4, 6, 3))
    back = nn.depth_to_space(nn.space_to_depth(x, 2), 2)
    np.testing.assert_array_equal(back.numpy(), x)


@pytest.mark.parametrize(
    "call, match",
    [(lambda: nn.depth_to_space(np.ones((1, 2, 2, 6)), 2), "divisible"),
     (lambda: nn.space_to_depth(np.ones((1, 3, 4, 2)), 2), "divisible"),
     (lambda: nn.depth_to_space(np.ones((1, 2, 2, 4)), 1), "at least 2"),
     (lambda: nn.space_to_depth(np.ones((2, 4, 4)), 2), "4-D")],
    ids=["channels", "height", "block", "rank"],
)  # fmt: skip
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
