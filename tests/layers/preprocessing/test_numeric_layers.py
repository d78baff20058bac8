"""Normalization, Discretization, CategoryEncoding and the spectrogram layers against Keras 3
(torch backend) on the same inputs: outputs, adapted state, gradients, shapes and configs."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.layers.keras_parity import check_config_matches, compare_with_keras, keras, to_np

RNG = np.random.default_rng(0)
X3 = (RNG.standard_normal((40, 4, 3)) * 2 + 1).astype("float32")
X2 = X3[:, 0, :]


def _batches(x: np.ndarray, size: int) -> list[np.ndarray]:
    return [x[i : i + size] for i in range(0, len(x), size)]


# ------------------------------------------------------------------------ Normalization
NORMALIZATION = [
    ({"axis": -1}, X2),
    ({"axis": None}, X2),
    ({"axis": -1, "invert": True}, X2),
    ({"axis": (1, 2)}, X3),
    ({"axis": 1}, X3),
    ({"mean": 2.0, "variance": 4.0}, X2),
    ({"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0]}, X2),
]


@pytest.mark.parametrize("kwargs, x", NORMALIZATION)
def test_normalization_matches_keras(kwargs, x):
    k_layer, d_layer = keras().layers.Normalization(**kwargs), dn.layers.Normalization(**kwargs)
    if "mean" not in kwargs:
        k_layer.adapt(x)
        d_layer.adapt(x)
        np.testing.assert_allclose(d_layer.adapt_mean.numpy(), to_np(k_layer.adapt_mean), 1e-5)
        np.testing.assert_allclose(
            d_layer.adapt_variance.numpy(), to_np(k_layer.adapt_variance), 1e-5
        )
    compare_with_keras(k_layer, d_layer, x[:5], atol=1e-5, grad_atol=1e-4)


@pytest.mark.parametrize("source", ["generator", "list", "dataset", "unbatched_dataset"])
def test_normalization_streams_batches_to_the_full_statistics(source):
    data = {
        "generator": (b for b in _batches(X2, 7)),
        "list": _batches(X2, 7),
        "dataset": dn.data.Dataset.from_tensor_slices(X2).batch(6),
        "unbatched_dataset": dn.data.Dataset.from_tensor_slices(X2),
    }[source]
    layer = dn.layers.Normalization()
    layer.adapt(data)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), X2.mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.adapt_variance.numpy(), X2.var(0), rtol=1e-4)


# ------------------------------------------------------------------------ Discretization
BINS = [-1.0, 0.0, 0.5, 2.0]


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_with_boundaries_matches_keras(mode):
    x = np.array([[-1.5, 0.0, 0.5, 3.0], [2.0, -1.0, 0.49, 0.51]], dtype="float32")
    if mode == "one_hot":
        x = x.reshape(-1, 1)
    k_out = keras().layers.Discretization(bin_boundaries=BINS, output_mode=mode)(x)
    d_out = dn.layers.Discretization(bin_boundaries=BINS, output_mode=mode)(x)
    assert d_out.dtype == np.dtype(str(k_out.dtype).replace("torch.", ""))
    np.testing.assert_array_equal(d_out.numpy(), to_np(k_out))


@pytest.mark.parametrize("num_bins, epsilon, batch", [(4, 0.01, 1000), (5, 0.1, 37), (3, 0.01, 50)])
def test_discretization_adapt_matches_keras_quantiles(num_bins, epsilon, batch):
    x = RNG.gamma(2.0, size=(300, 2)).astype("float32")
    k_layer = keras().layers.Discretization(num_bins=num_bins, epsilon=epsilon)
    for b in _batches(x, batch):  # what Keras's adapt does batch by batch (it needs tf.data)
        k_layer.update_state(b)
    k_layer.finalize_state()
    d_layer = dn.layers.Discretization(num_bins=num_bins, epsilon=epsilon)
    d_layer.adapt(_batches(x, batch) if batch < len(x) else x)
    np.testing.assert_allclose(d_layer.bin_boundaries, k_layer.bin_boundaries, rtol=1e-6)
    np.testing.assert_array_equal(d_layer(x).numpy(), to_np(k_layer(x)))
    check_config_matches(k_layer, d_layer, from_keras=True)


# ------------------------------------------------------------------------ CategoryEncoding
@pytest.mark.parametrize(
    "mode, x",
    [
        ("one_hot", np.array([3, 2, 0, 1])),
        ("one_hot", np.array([[3], [2], [0]])),
        ("multi_hot", np.array([[0, 1], [0, 0], [1, 2], [3, 1]])),
        ("count", np.array([[0, 1], [0, 0], [1, 2], [3, 1]])),
        ("multi_hot", np.array([3, 1, 1])),
        ("count", np.array([[[0, 1], [1, 1]], [[2, 3], [3, 3]]])),
    ],
)
def test_category_encoding_matches_keras(mode, x):
    k_layer = keras().layers.CategoryEncoding(num_tokens=4, output_mode=mode)
    d_layer = dn.layers.CategoryEncoding(num_tokens=4, output_mode=mode)
    np.testing.assert_array_equal(d_layer(x).numpy(), to_np(k_layer(x)))
    assert d_layer.compute_output_shape(x.shape) == k_layer.compute_output_shape(x.shape)
    check_config_matches(k_layer, d_layer, from_keras=True)


def test_category_encoding_count_weights_match_keras():
    x = np.array([[0, 1], [0, 0], [1, 2], [3, 1]])
    w = np.array([[0.1, 0.2], [0.1, 0.1], [0.2, 0.3], [0.4, 0.2]], dtype="float32")
    k_out = keras().layers.CategoryEncoding(4, output_mode="count")(x, count_weights=w)
    d_out = dn.layers.CategoryEncoding(4, output_mode="count")(x, count_weights=w)
    np.testing.assert_allclose(d_out.numpy(), to_np(k_out), rtol=1e-6)


# ------------------------------------------------------------------------ spectrograms
MEL = [
    {"fft_length": 64, "sequence_stride": 16, "num_mel_bins": 10, "sampling_rate": 8000},
    {"fft_length": 64, "sequence_stride": 32, "sequence_length": 48, "num_mel_bins": 8,
     "power_to_db": False, "mag_exp": 1.0, "window": "hamming"},
    {"fft_length": 32, "sequence_stride": 8, "num_mel_bins": 6, "min_freq": 100.0,
     "max_freq": 3000.0, "top_db": 20.0, "ref_power": 2.0},
]  # fmt: skip


@pytest.mark.parametrize("kwargs", MEL)
def test_mel_spectrogram_matches_keras(kwargs):
    x = RNG.standard_normal((2, 256)).astype("float32")
    k_layer = keras().layers.MelSpectrogram(**kwargs)
    d_layer = dn.layers.MelSpectrogram(**kwargs)
    compare_with_keras(k_layer, d_layer, x, atol=2e-3, rtol=1e-4, grad_atol=2e-2)


def test_mel_spectrogram_of_one_signal_matches_keras():
    x = RNG.standard_normal(300).astype("float32")
    kw = {"fft_length": 64, "sequence_stride": 16, "num_mel_bins": 12}
    np.testing.assert_allclose(
        dn.layers.MelSpectrogram(**kw)(x).numpy(),
        to_np(keras().layers.MelSpectrogram(**kw)(x)),
        atol=2e-3,
        rtol=1e-4,
    )


STFT = [
    {"mode": "log", "frame_length": 16, "frame_step": 8},
    {"mode": "magnitude", "frame_length": 16, "fft_length": 32, "padding": "same"},
    {"mode": "psd", "frame_length": 12, "frame_step": 5, "window": "hamming", "scaling": None},
    {"mode": "real", "frame_length": 16, "expand_dims": True},
    {"mode": "imag", "frame_length": 16, "periodic": True, "scaling": "spectrum"},
    {"mode": "angle", "frame_length": 8},
    {"mode": "stft", "frame_length": 16, "data_format": "channels_first"},
    {"mode": "log", "frame_length": 16, "data_format": "channels_first", "expand_dims": True},
]


@pytest.mark.parametrize("kwargs", STFT)
def test_stft_spectrogram_matches_keras(kwargs):
    shape = (2, 3, 64) if kwargs.get("data_format") == "channels_first" else (2, 64, 3)
    x = RNG.standard_normal(shape).astype("float32")
    k_layer = keras().layers.STFTSpectrogram(**kwargs)
    d_layer = dn.layers.STFTSpectrogram(**kwargs)
    compare_with_keras(k_layer, d_layer, x, atol=1e-4, rtol=1e-4, grad_atol=1e-3)
