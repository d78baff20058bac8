"""affine_transform, perspective_transform and elastic_transform against keras.ops.image on
PyTorch, with derivatives in the images and the transform against torch.autograd through
Keras's own implementation."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum.ops import image
from deepnum.ops.image._elastic import displace
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

keras = reference("keras")
torch = reference("torch")

RNG = np.random.default_rng(0)
X = RNG.uniform(0, 1, (2, 7, 9, 3)).astype("float32")
T = np.array([[1.1, 0.2, -1.5, -0.1, 0.9, 0.7, 0, 0],
              [0.8, -0.3, 2.0, 0.25, 1.2, -1.0, 0, 0]], "float32")  # fmt: skip
MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]
START = np.array([[0, 0], [0, 7], [9, 0], [9, 7]], "float32")
END = np.array([[[1, 0], [0, 6], [8, 1], [9, 6]],
                [[0.5, 0.3], [1.2, 6.5], [8.3, -0.4], [7.6, 7.2]]], "float32")  # fmt: skip


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill_mode", MODES)
def test_affine_against_keras(interpolation, fill_mode):
    kw = dict(interpolation=interpolation, fill_mode=fill_mode, fill_value=0.3)
    check_keras("image.affine_transform", X, T, **kw)
    check_keras("image.affine_transform", X.transpose(0, 3, 1, 2), T,
                data_format="channels_first", **kw)  # fmt: skip
    check_keras("image.affine_transform", X[1], T[1], **kw)


@pytest.mark.parametrize(
    "x, t",
    [((X * 255).astype("uint8"), T), (X.astype("float64"), T), (X, T.astype("float64")),
     (X.astype("float16"), T)],
)  # fmt: skip
def test_affine_dtypes_against_keras(x, t):
    check_keras("image.affine_transform", x, t, atol=1e-3, rtol=1e-3)


def test_one_transform_for_a_batch():
    # Keras's PyTorch backend needs one row per image; one row for all is TensorFlow's rule.
    want = np.stack([keras.ops.image.affine_transform(x, T[0]).numpy() for x in X])
    np.testing.assert_allclose(image.affine_transform(X, T[0]).numpy(), want, atol=1e-6)


def test_projective_rows_divide_as_documented():
    # Keras documents x' = (a0 x + a1 y + a2) / k, k = c0 x + c1 y + 1, as its
    # perspective_transform computes; its PyTorch affine_transform ignores c0, c1.
    from keras.src.backend.torch.image import compute_homography_matrix

    start = torch.tensor(np.stack([START, START]))
    rows = compute_homography_matrix(start, torch.tensor(END)).numpy()
    want = keras.ops.image.perspective_transform(X, start.numpy(), END).numpy()
    np.testing.assert_allclose(image.affine_transform(X, rows).numpy(), want, atol=1e-6)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_perspective_against_keras(interpolation):
    start = np.stack([START, START])
    kw = dict(interpolation=interpolation, fill_value=0.2, atol=1e-5, rtol=1e-5)
    check_keras("image.perspective_transform", X, start, END, **kw)
    check_keras("image.perspective_transform", X[0], START, END[1], **kw)
    check_keras("image.perspective_transform", X.transpose(0, 3, 1, 2), start, END,
                data_format="channels_first", **kw)  # fmt: skip


@pytest.mark.parametrize(
    "kw",
    [dict(), dict(alpha=5.0, sigma=1.0, fill_mode="constant", fill_value=0.3),
     dict(alpha=3.0, sigma=2.0, interpolation="nearest", fill_mode="wrap"),
     dict(alpha=8.0, sigma=1.5, fill_mode="mirror", data_format="channels_first")],
)  # fmt: skip
def test_elastic_with_kerass_displacement_field(kw):
    # Keras's PyTorch backend draws from torch's global generator (it ignores `seed` on the
    # CPU): replay the same two normal fields and compare the deformation they give.
    channels_first = kw.get("data_format") == "channels_first"
    x = X.transpose(0, 3, 1, 2) if channels_first else X
    torch.manual_seed(3)
    want = keras.ops.image.elastic_transform(x, **kw).numpy()
    torch.manual_seed(3)
    noise = np.stack([torch.normal(0.0, 1.0, size=(2, 7, 9)).numpy() for _ in range(2)])
    args = dict(alpha=20.0, sigma=5.0, interpolation="bilinear", fill_mode="reflect",
                fill_value=0.0)  # fmt: skip
    args.update({k: v for k, v in kw.items() if k != "data_format"})
    got = displace(dn.tensor(X), dn.tensor(noise), **args).numpy()
    got = got.transpose(0, 3, 1, 2) if channels_first else got
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_elastic_seeds_and_field_statistics():
    x = RNG.uniform(0, 1, (4, 32, 32, 1)).astype("float32")
    a = image.elastic_transform(x, alpha=4.0, sigma=2.0, seed=1)
    assert a.shape == x.shape and a.dtype == x.dtype
    np.testing.assert_array_equal(a.numpy(), image.elastic_transform(x, 4.0, 2.0, seed=1).numpy())
    assert not np.array_equal(a.numpy(), image.elastic_transform(x, 4.0, 2.0, seed=2).numpy())
    gen = dn.random.SeedGenerator(5)
    assert not np.array_equal(image.elastic_transform(x, seed=gen).numpy(),
                              image.elastic_transform(x, seed=gen).numpy())  # fmt: skip
    # The displacement of a linear ramp is the field itself: its spread is α·σ·‖g_σ‖₂ where
    # ‖g_σ‖₂² = Σ g², the variance of blurred white noise (away from the zero-padded edges).
    ramp = np.broadcast_to(np.arange(64.0)[None, None, :, None], (8, 64, 64, 1))
    dx = image.elastic_transform(ramp, alpha=3.0, sigma=2.0, fill_mode="nearest", seed=0)
    dx = (dx.numpy() - ramp)[:, 16:-16, 16:-16]
    g = np.exp(-0.5 * (np.arange(13) - 6) ** 2 / 4.0)
    g /= g.sum()
    assert abs(dx.std() / (3.0 * 2.0 * (g**2).sum()) - 1) < 0.15
    assert abs(dx.mean()) < 0.15


@pytest.mark.parametrize("fill_mode", ["constant", "reflect"])
def test_affine_gradients_against_torch(fill_mode):
    # Coefficients keeping every sample off integer coordinates (where bilinear weights have
    # kinks); c0 = c1 = 0, since Keras's PyTorch backend does not divide by k.
    t = np.array([[1.05, 0.13, 0.371, -0.08, 0.94, 0.213],
                  [0.9, -0.11, 0.437, 0.12, 1.07, 0.291]])  # fmt: skip
    zeros = np.zeros((2, 2))
    kw = dict(fill_mode=fill_mode, fill_value=0.5)

    def fn(x, t):
        return image.affine_transform(x, dn.ops.concatenate([t, zeros], axis=1), **kw)

    def torch_fn(x, t):
        return keras.ops.image.affine_transform(x, torch.cat([t, torch.tensor(zeros)], 1), **kw)

    check_op(fn, torch_fn, inputs=[RNG.standard_normal((2, 4, 5, 1)), t], second_order=False)


def test_projective_gradient_in_every_coefficient():
    t = np.array([1.05, 0.13, 0.371, -0.08, 0.94, 0.213, 0.011, -0.017])
    x = RNG.standard_normal((1, 5, 6, 2))
    dn.check_grad(lambda t: image.affine_transform(x, t), t)
    dn.check_grad(lambda t: image.affine_transform(x, t), np.concatenate([t[:6], [0, 0]]))


def test_perspective_and_elastic_gradients():
    # Keras solves for the homography in float32 even for float64 points; deepnum keeps
    # float64, so these derivatives are checked against central differences.
    start = np.stack([START, START]).astype("float64")
    x = RNG.standard_normal((2, 4, 5, 1))
    dn.check_grad(lambda x, e: image.perspective_transform(x, start, e), x, END + 0.013)
    noise = dn.tensor(RNG.standard_normal((2, 1, 6, 5)))
    dn.check_grad(lambda x: displace(x, noise, 2.0, 1.0, "bilinear", "reflect", 0.0),
                  RNG.standard_normal((1, 6, 5, 2)))  # fmt: skip


@pytest.mark.parametrize(
    "call, match",
    [(lambda: image.affine_transform(X, T, interpolation="bicubic"), "interpolation"),
     (lambda: image.affine_transform(X, T, fill_mode="edge"), "fill_mode"),
     (lambda: image.affine_transform(X, T[:, :6]), "transform shape"),
     (lambda: image.affine_transform(X, np.stack([T[0]] * 3)), "3 transforms for 2 images"),
     (lambda: image.affine_transform(X[0, 0], T[0]), "rank"),
     (lambda: image.perspective_transform(X, START[:3], START[:3]), "start_points shape"),
     (lambda: image.perspective_transform(X, START, END), "same shape"),
     (lambda: image.elastic_transform(X, fill_mode="edge"), "fill_mode")],
)  # fmt: skip
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
