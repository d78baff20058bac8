"""resize and scale_and_translate against keras.ops.image on PyTorch (every interpolation,
antialias, aspect-ratio crop and pad, dtypes), PyTorch's area resize and an exact box integral,
with derivatives against torch.autograd through Keras's own ops."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum.ops import image
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import check_keras

keras = reference("keras")
torch = reference("torch")
F = torch.nn.functional

RNG = np.random.default_rng(0)
X = RNG.uniform(0, 1, (2, 7, 9, 3)).astype("float32")
TOL = dict(atol=2e-6, rtol=1e-5)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic"])
@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("size", [(3, 4), (12, 17), (7, 5), (1, 1)])
def test_torch_methods_against_keras(interpolation, antialias, size):
    check_keras("image.resize", X, size, interpolation=interpolation, antialias=antialias, **TOL)


@pytest.mark.parametrize(
    "kwargs",
    [dict(crop_to_aspect_ratio=True), dict(pad_to_aspect_ratio=True, fill_value=0.5),
     dict(pad_to_aspect_ratio=True, interpolation="bicubic"),
     dict(crop_to_aspect_ratio=True, interpolation="nearest")],
)  # fmt: skip
@pytest.mark.parametrize("size", [(4, 4), (3, 8), (8, 3)])
def test_aspect_ratio_against_keras(kwargs, size):
    check_keras("image.resize", X, size, **kwargs, **TOL)
    check_keras("image.resize", X[0].transpose(2, 0, 1), size, data_format="channels_first",
                **kwargs, **TOL)  # fmt: skip


@pytest.mark.parametrize(
    "x, interpolation",
    [((X * 255).astype("uint8"), "bicubic"), ((X * 255).astype("uint8")[0], "bilinear"),
     ((X * 1000 - 500).astype("int32"), "bicubic"), (X.astype("float16"), "bilinear"),
     (X.astype("float64"), "bicubic")],
)  # fmt: skip
def test_dtypes_against_keras(x, interpolation):
    want = keras.ops.image.resize(x, (5, 4), interpolation=interpolation).numpy()
    got = image.resize(x, (5, 4), interpolation=interpolation).numpy()
    assert got.dtype == want.dtype and got.shape == want.shape
    if want.dtype.kind in "iu":
        # Values within float32 rounding of a tie (k + ½) may round either way.
        diff = np.abs(got.astype(int) - want.astype(int))
        assert diff.max() <= 1 and (diff == 0).mean() > 0.95
    else:
        np.testing.assert_allclose(got, want, atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize("method", ["lanczos3", "lanczos5"])
@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("size", [(3, 4), (12, 17)])
def test_lanczos_is_kerass_scale_and_translate(method, antialias, size):
    # Keras's NumPy/JAX backends resize with lanczos as scale_and_translate by n_out / n_in.
    scale = np.array([size[0] / X.shape[1], size[1] / X.shape[2]])
    want = keras.ops.image.scale_and_translate(
        X, (2, *size, 3), scale, np.zeros(2), (1, 2), method, antialias=antialias
    )
    got = image.resize(X, size, interpolation=method, antialias=antialias)
    np.testing.assert_allclose(got.numpy(), want.numpy(), **TOL)


def test_area_is_pytorchs_for_integer_ratios():
    x = RNG.uniform(0, 1, (2, 12, 18, 3)).astype("float32")
    want = F.interpolate(torch.tensor(x).permute(0, 3, 1, 2), size=(4, 6), mode="area")
    got = image.resize(x, (4, 6), interpolation="area")
    np.testing.assert_allclose(got.numpy(), want.permute(0, 2, 3, 1).numpy(), **TOL)


@pytest.mark.parametrize("n_in, n_out", [(7, 3), (5, 8), (9, 4)])
def test_area_is_the_box_average(n_in, n_out):
    # Mean of the piecewise-constant signal over [s·o, s·(o+1)): differences of its integral.
    x = RNG.standard_normal(n_in)
    integral = np.concatenate([[0.0], np.cumsum(x)])
    edges = np.arange(n_out + 1) * n_in / n_out
    at = np.interp(edges, np.arange(n_in + 1), integral)
    want = np.diff(at) / (n_in / n_out)
    got = image.resize(x.reshape(1, n_in, 1), (1, n_out), interpolation="area")
    np.testing.assert_allclose(got.numpy().ravel(), np.broadcast_to(want, (n_out,)), atol=1e-12)


@pytest.mark.parametrize("method", ["linear", "cubic", "lanczos3", "lanczos5"])
@pytest.mark.parametrize("antialias", [False, True])
def test_scale_and_translate_against_keras(method, antialias):
    scale, shift = np.array([2.0, 0.6], "float32"), np.array([0.3, -0.2], "float32")
    check_keras("image.scale_and_translate", X, (2, 12, 5, 3), scale, shift, (1, 2), method,
                antialias=antialias, **TOL)  # fmt: skip


def test_scale_and_translate_integers_and_keras_example():
    scale, shift = np.array([1.7, 0.6], "float32"), np.array([0.3, -0.2], "float32")
    check_keras("image.scale_and_translate", (X * 255).astype("uint8"), (2, 12, 5, 3), scale,
                shift, (1, 2), "cubic")  # fmt: skip
    x = np.arange(9, dtype="float32").reshape((3, 3))
    s = np.array([2.0, 2.0], "float32")
    check_keras("image.scale_and_translate", x, (5, 5), s, -(s / 2 - 0.5), (0, 1), "linear")


# ----------------------------------------------------------------------------- derivatives
def _resize(size, **kw):
    return (lambda x: image.resize(x, size, **kw),
            lambda t: keras.ops.image.resize(t, size, **kw))  # fmt: skip


@pytest.mark.parametrize(
    "size, kw",
    [((3, 5), dict()), ((9, 4), dict(interpolation="bicubic")),
     ((2, 3), dict(antialias=True)), ((3, 2), dict(interpolation="bicubic", antialias=True)),
     ((6, 5), dict(interpolation="nearest")), ((4, 4), dict(crop_to_aspect_ratio=True)),
     ((4, 4), dict(pad_to_aspect_ratio=True, data_format="channels_first"))],
)  # fmt: skip
def test_resize_gradients_against_torch(size, kw):
    fn, torch_fn = _resize(size, **kw)
    check_op(fn, torch_fn, (2, 5, 6, 2), second_order=False)


def test_area_and_lanczos_gradients():
    check_op(lambda x: image.resize(x, (2, 3), interpolation="area", data_format="channels_first"),
             lambda t: F.interpolate(t, size=(2, 3), mode="area"), (1, 2, 4, 6),
             second_order=False, float32=False)  # fmt: skip
    scale = np.array([4 / 5, 7 / 6])
    check_op(lambda x: image.resize(x, (4, 7), interpolation="lanczos3"),
             lambda t: keras.ops.image.scale_and_translate(
                 t, (2, 4, 7, 2), scale, np.zeros(2), (1, 2), "lanczos3", antialias=False),
             (2, 5, 6, 2), second_order=False, atol=1e-6, rtol=1e-6)  # fmt: skip


def test_scale_and_translate_gradients_in_scale_and_translation():
    x = RNG.standard_normal((4, 5))

    def fn(s, t):
        return image.scale_and_translate(x, (6, 3), s, t, (0, 1), "cubic")

    def torch_fn(s, t):
        return keras.ops.image.scale_and_translate(torch.tensor(x), (6, 3), s, t, (0, 1), "cubic")

    s = torch.tensor([1.3, 0.7], requires_grad=True)
    t = torch.tensor([0.2, -0.1], requires_grad=True)
    r = RNG.standard_normal((6, 3))
    torch.autograd.backward((torch_fn(s, t) * torch.tensor(r)).sum())
    gs, gt = dn.grad(lambda s, t: (fn(s, t) * r).sum(), argnums=(0, 1))(
        np.array([1.3, 0.7], "float32"), np.array([0.2, -0.1], "float32")
    )
    np.testing.assert_allclose(gs.numpy(), s.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gt.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_second_order_through_bilinear():
    # Linear in the image: grad of a quadratic form of the resize, against torch.
    fn, torch_fn = _resize((3, 5))
    check_op(lambda x: fn(x) ** 2, lambda t: torch_fn(t) ** 2, (1, 4, 4, 2))


@pytest.mark.parametrize(
    "call, error, match",
    [(lambda: image.resize(X, (2,)), ValueError, "size"),
     (lambda: image.resize(X, (0, 2)), ValueError, "positive"),
     (lambda: image.resize(X, (2, 2), interpolation="cubic"), ValueError, "interpolation"),
     (lambda: image.resize(X, (2, 2), fill_mode="reflect"), ValueError, "fill_mode"),
     (lambda: image.resize(X, (2, 2), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
      ValueError, "only one"),
     (lambda: image.resize(X[0, 0], (2, 2)), ValueError, "rank"),
     (lambda: image.scale_and_translate(X, (2, 3, 3, 3), [1.0], [0.0], (1, 2), "linear"),
      ValueError, "one value per axis"),
     (lambda: image.scale_and_translate(X, (2, 3, 3, 3), [1.0] * 2, [0.0] * 2, (1, 2), "x"),
      ValueError, "method")],
)  # fmt: skip
def test_argument_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
