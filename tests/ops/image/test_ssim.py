"""ssim against keras.ops.image on PyTorch, with its derivatives in both images against
torch.autograd through Keras's own implementation."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum.ops import image
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

keras = reference("keras")
torch = reference("torch")

RNG = np.random.default_rng(0)
A = RNG.uniform(0, 1, (2, 16, 18, 3)).astype("float32")
B = np.clip(A + RNG.normal(0, 0.1, A.shape), 0, 1).astype("float32")
TOL = dict(atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(
    "kw", [dict(), dict(max_val=2.0, filter_size=5, filter_sigma=0.8, k1=0.02, k2=0.05)]
)
def test_against_keras(kw):
    check_keras("image.ssim", A, B, **kw, **TOL)
    check_keras("image.ssim", A[0], B[0], **kw, **TOL)
    check_keras("image.ssim", A.transpose(0, 3, 1, 2), B.transpose(0, 3, 1, 2),
                data_format="channels_first", **kw, **TOL)  # fmt: skip


@pytest.mark.parametrize("dtype", ["float64", "uint8"])
def test_dtypes_against_keras(dtype):
    scale = 255.0 if dtype == "uint8" else 1.0
    check_keras("image.ssim", (A * scale).astype(dtype), (B * scale).astype(dtype),
                max_val=scale, **TOL)  # fmt: skip


def test_identical_images_score_one():
    np.testing.assert_allclose(image.ssim(A, A).numpy(), [1.0, 1.0], atol=1e-6)


def _torch_ssim(a, b, size=3, sigma=0.9, c1=1e-4, c2=9e-4):
    """SSIM in float64 PyTorch (Keras computes float64 images in float32): depthwise valid
    convolutions with the Gaussian window."""
    t = torch.arange(size, dtype=a.dtype) - (size - 1) / 2
    g = torch.exp(-(t**2) / (2 * sigma**2))
    g = g / g.sum()
    channels = a.shape[-1]
    w = torch.outer(g, g).expand(channels, 1, size, size)

    def mean(x):
        return torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), w, groups=channels)

    mu1, mu2 = mean(a), mean(b)
    s1, s2, s12 = mean(a * a) - mu1**2, mean(b * b) - mu2**2, mean(a * b) - mu1 * mu2
    m = (2 * mu1 * mu2 + c1) * (2 * s12 + c2) / ((mu1**2 + mu2**2 + c1) * (s1 + s2 + c2))
    return m.mean(dim=(1, 2, 3))


def test_gradients_against_torch():
    check_op(lambda a, b: image.ssim(a, b, filter_size=3, filter_sigma=0.9), _torch_ssim,
             (2, 4, 4, 1), (2, 4, 4, 1), low=0.0, high=1.0)  # fmt: skip
    check_keras("image.ssim", A[:, :5, :6, :2], B[:, :5, :6, :2], filter_size=3,
                filter_sigma=0.9, **TOL)  # fmt: skip


@pytest.mark.parametrize(
    "call, match",
    [(lambda: image.ssim(A, B[..., :2]), "same shape"),
     (lambda: image.ssim(A[:, :8, :8], B[:, :8, :8]), "smaller than the 11x11 filter"),
     (lambda: image.ssim(A[0, 0], B[0, 0]), "rank")],
)  # fmt: skip
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
