"""Fast paths outside the numba kernels, each against the path it replaces (the NumPy reference)
and against PyTorch: the input gradient of stride-1 convolutions with fewer output than input
channels as a correlation of the output gradient (deepnum.ops.nn._im2col)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum.ops.nn import _im2col
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.nn.test_conv import same_pads

CORRELATION_CASES = [
    # (x shape, kernel shape, padding, dilation): O < C, stride 1
    ((2, 6, 5, 4), (3, 3, 4, 1), "same", 1),
    ((1, 7, 6, 5), (3, 3, 5, 2), "same", 2),
    ((2, 6, 6, 3), (2, 3, 3, 2), "valid", 1),
    ((1, 4, 4, 3), (5, 5, 3, 2), "same", 1),  # kernel larger than the input
    ((2, 9, 4), (3, 4, 1), "same", 1),  # 1-D
    ((2, 9, 4), (3, 4, 3), "causal", 2),
]


def input_gradient(xs, ks, padding, d, correlation: bool, numba: str, monkeypatch):
    monkeypatch.setattr(_im2col, "GRAD_INPUT_BY_CORRELATION", correlation)
    monkeypatch.setenv("DEEPNUM_NUMBA", numba)
    rng = np.random.default_rng(0)
    x = dn.tensor(rng.standard_normal(xs), requires_grad=True)
    k = dn.tensor(rng.standard_normal(ks))
    y = dn.ops.conv(x, k, 1, padding, dilation_rate=d)
    (y * rng.standard_normal(y.shape)).sum().backward()
    return x.grad.numpy()


@pytest.mark.parametrize("xs,ks,padding,d", CORRELATION_CASES, ids=str)
def test_correlation_input_gradient_matches_the_per_tap_and_col2im_paths(
    monkeypatch, xs, ks, padding, d
):
    fast = input_gradient(xs, ks, padding, d, True, "1", monkeypatch)
    for numba in ("0", "1"):  # per-tap NumPy path, then col2im
        plain = input_gradient(xs, ks, padding, d, False, numba, monkeypatch)
        np.testing.assert_allclose(fast, plain, rtol=1e-12, atol=1e-12)


def torch_conv(x, w, padding, d):
    """Channels-last input and Keras kernel through PyTorch's conv1d/conv2d (a contiguous
    weight: PyTorch's double backward refuses a permuted one with one output channel)."""
    torch = reference("torch")
    spatial = x.ndim - 2
    xt = x.movedim(-1, 1)
    pads: list[int] = []
    for axis in reversed(range(spatial)):  # F.pad lists the last axis first
        n, k = x.shape[1 + axis], w.shape[axis]
        pads += {"same": list(same_pads(n, k, 1, d)), "causal": [d * (k - 1), 0]}.get(
            padding, [0, 0]
        )
    wt = w.permute(*range(spatial + 1, spatial - 1, -1), *range(spatial)).contiguous()
    conv = torch.nn.functional.conv1d if spatial == 1 else torch.nn.functional.conv2d
    return conv(torch.nn.functional.pad(xt, pads), wt, dilation=d).movedim(1, -1)


@pytest.mark.parametrize("xs,ks,padding,d", CORRELATION_CASES, ids=str)
def test_correlation_input_gradient_against_pytorch_to_second_order(xs, ks, padding, d):
    assert _im2col.GRAD_INPUT_BY_CORRELATION
    check_op(
        lambda x, k: dn.ops.conv(x, k, 1, padding, dilation_rate=d),
        lambda x, k: torch_conv(x, k, padding, d),
        xs,
        ks,
    )
