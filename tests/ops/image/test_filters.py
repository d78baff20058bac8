"""gaussian_blur and sobel_edges against keras.ops.image on PyTorch (square kernels; the
non-square kernels against a 2-D convolution built as Keras's NumPy backend builds it), with
derivatives against torch.autograd through Keras's own ops."""

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
X = RNG.uniform(0, 1, (2, 7, 9, 3)).astype("float32")
TOL = dict(atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(
    "kernel_size, sigma", [((3, 3), (1.0, 1.0)), ((5, 5), (1.0, 2.0)), ((11, 11), (2.0, 0.5))]
)
def test_blur_against_keras(kernel_size, sigma):
    # Keras's PyTorch backend reads data_format=None as channels_first: pass it explicitly.
    check_keras("image.gaussian_blur", X, kernel_size, sigma, data_format="channels_last",
                **TOL)  # fmt: skip
    check_keras("image.gaussian_blur", X.transpose(0, 3, 1, 2), kernel_size, sigma,
                data_format="channels_first", **TOL)  # fmt: skip
    check_keras("image.gaussian_blur", X[0], kernel_size, sigma, data_format="channels_last",
                **TOL)  # fmt: skip


def _keras_numpy_blur(x, kernel_size, sigma):
    """Keras's NumPy-backend kernel (rows: size[1], sigma[1]; columns: size[0], sigma[0]),
    zero padding (k − 1)//2 before, as a 2-D depthwise convolution in PyTorch."""

    def g(n, s):
        t = np.arange(n) - (n - 1) / 2
        k = np.exp(-0.5 * (t / s) ** 2)
        return k / k.sum()

    kernel = np.outer(g(kernel_size[1], sigma[1]), g(kernel_size[0], sigma[0]))
    kh, kw = kernel.shape
    t = torch.tensor(x).permute(0, 3, 1, 2)
    c = t.shape[1]
    t = torch.nn.functional.pad(t, ((kw - 1) // 2, kw // 2, (kh - 1) // 2, kh // 2))
    w = torch.tensor(kernel, dtype=t.dtype).expand(c, 1, kh, kw)
    return torch.nn.functional.conv2d(t, w, groups=c).permute(0, 2, 3, 1).numpy()


@pytest.mark.parametrize("kernel_size, sigma", [((3, 5), (0.7, 1.3)), ((4, 1), (1.0, 2.0))])
def test_blur_non_square_kernels(kernel_size, sigma):
    x = X.astype("float64")
    got = image.gaussian_blur(x, kernel_size, sigma)
    np.testing.assert_allclose(got.numpy(), _keras_numpy_blur(x, kernel_size, sigma), atol=1e-12)


def test_blur_dtypes():
    check_keras("image.gaussian_blur", X.astype("float16"), data_format="channels_last",
                atol=1e-3, rtol=1e-3)  # fmt: skip
    x = (X * 255).astype("uint8")
    want = _keras_numpy_blur(x.astype("float32"), (3, 3), (1.0, 1.0)).astype("uint8")
    np.testing.assert_array_equal(image.gaussian_blur(x).numpy(), want)


def test_sobel_against_keras():
    check_keras("image.sobel_edges", X, data_format="channels_last", **TOL)
    check_keras("image.sobel_edges", X.transpose(0, 3, 1, 2), data_format="channels_first",
                **TOL)  # fmt: skip
    check_keras("image.sobel_edges", (X * 100).astype("int32"), data_format="channels_last")


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_gradients_against_torch(data_format):
    check_op(lambda x: image.gaussian_blur(x, (5, 5), (1.2, 0.8), data_format=data_format),
             lambda t: keras.ops.image.gaussian_blur(t, (5, 5), (1.2, 0.8),
                                                     data_format=data_format),
             (1, 4, 5, 2), atol=1e-6, rtol=1e-6)  # fmt: skip
    check_op(
        lambda x: image.sobel_edges(x, data_format=data_format),
        lambda t: keras.ops.image.sobel_edges(t, data_format=data_format),
        (1, 4, 5, 2),
    )


@pytest.mark.parametrize(
    "call, match",
    [(lambda: image.gaussian_blur(X, (3, 3, 3)), "pair"),
     (lambda: image.gaussian_blur(X, (0, 3)), "positive"),
     (lambda: image.gaussian_blur(X[0, 0]), "rank"),
     (lambda: image.sobel_edges(X[0]), "rank")],
)  # fmt: skip
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
