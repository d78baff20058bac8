"""rearrange against keras.ops.rearrange on the same inputs and patterns; its gradient against
torch.autograd (it is reshape and transpose)."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

keras = reference("keras")
torch = reference("torch")

IMAGES = np.random.default_rng(0).standard_normal((4, 6, 8, 3)).astype("float32")

PATTERNS = [
    ("b h w c -> b c h w", {}),
    ("b h w c -> (b h) w c", {}),
    ("b h w c -> h (b w) c", {}),
    ("b h w c -> b (c h w)", {}),
    ("b (h1 h) (w1 w) c -> (b h1 w1) h w c", {"h1": 2, "w1": 2}),
    ("b (h h1) (w w1) c -> b h w (c h1 w1)", {"h1": 2, "w1": 4}),
    ("b h w c -> b h w c", {}),
]


@pytest.mark.parametrize("pattern, lengths", PATTERNS, ids=[p for p, _ in PATTERNS])
def test_rearrange_matches_keras(pattern, lengths):
    check_keras("rearrange", IMAGES, pattern, **lengths)


def test_rearrange_is_differentiable():
    check_op(
        lambda t: ops.rearrange(t, "b (h h1) w -> b h (w h1)", h1=2),
        lambda t: t.reshape(2, 2, 2, 3).permute(0, 1, 3, 2).reshape(2, 2, 6),
        (2, 4, 3),
    )


@pytest.mark.parametrize(
    "pattern, lengths, message",
    [
        ("b h w c", {}, "->"),
        ("b h w -> b h w", {}, "names 3 axes"),
        ("b h w c -> b h w", {}, "each once"),
        ("b (h1 h) w c -> b h1 h w c", {}, "cannot infer"),
        ("b (h1 h) w c -> b h1 h w c", {"h1": 4}, "cannot be split"),
    ],
)
def test_rearrange_explains_bad_patterns(pattern, lengths, message):
    with pytest.raises(ValueError, match=message):
        ops.rearrange(IMAGES, pattern, **lengths)
