"""EinsumDense against Keras 3: outputs, input and weight gradients, shapes, parameter counts,
configs (both ways), initializer fans, errors, and .keras files both ways."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.layers.keras_parity import check_config_matches, compare_with_keras, keras

K = keras()


def data(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# equation, output_shape, bias_axes, input shape: one matrix product (GEMM path) or not
CASES = [
    ("ab,bc->ac", 4, "c", (3, 5)),
    ("abc,cde->abde", (None, 2, 4), "de", (3, 5, 6)),
    ("abcd,cde->abe", (None, 6), "e", (3, 5, 2, 4)),
    ("...b,bc->...c", 4, "c", (3, 5, 6)),
    ("ab...,bc->ac...", 4, "c", (3, 6, 5)),
    ("abc,cd->abd", (None, 4), None, (3, 5, 6)),
    ("abc,bcd->ad", 4, "d", (3, 5, 6)),
    ("abc,cd->abd", (5, 4), "bd", (3, 5, 6)),
    ("abc,cde->abde", (5, 2, 4), "be", (3, 5, 6)),
    ("abc,cd->adb", (4, 5), "d", (3, 5, 6)),
]


@pytest.mark.parametrize("equation, output_shape, bias_axes, shape", CASES)
def test_matches_keras(equation, output_shape, bias_axes, shape):
    kwargs = {
        "equation": equation,
        "output_shape": output_shape,
        "bias_axes": bias_axes,
        "activation": "tanh",
        "bias_initializer": "ones",
    }
    compare_with_keras(K.layers.EinsumDense(**kwargs), layers.EinsumDense(**kwargs), data(*shape))


def test_config_from_keras_and_regularizers():
    kwargs = {
        "equation": "abc,cde->abde",
        "output_shape": (None, 2, 3),
        "bias_axes": "de",
        "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.25}},
        "activity_regularizer": {"class_name": "L1", "config": {"l1": 0.5}},
    }
    k, d = K.layers.EinsumDense(**kwargs), layers.EinsumDense(**kwargs)
    compare_with_keras(k, d, data(2, 4, 5), check_config=False)
    check_config_matches(k, d, from_keras=True)
    want = sorted(float(v.detach()) for v in k.losses)
    np.testing.assert_allclose(sorted(float(v.numpy()) for v in d.losses), want, rtol=1e-5)


def test_variance_scaling_takes_fans_from_the_equation():
    """Glorot on a (64, 4, 16) kernel: fan_in 64, fan_out 4·16 = 64, as Keras's EinsumDense
    (the default fans would read it as a convolution kernel, with a far smaller limit)."""
    layer = layers.EinsumDense("abc,cde->abde", output_shape=(None, 4, 16))
    layer.build((None, 8, 64))
    limit = np.sqrt(6 / (64 + 64))
    w = np.abs(layer.kernel.numpy())
    assert w.max() <= limit and w.max() > 0.95 * limit
    assert layer.get_config()["kernel_initializer"]["config"]["input_axes"] is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"equation": "ab->b", "output_shape": 2}, "`equation` must have the form"),
        ({"equation": "ab,bc->ac", "output_shape": "x"}, "`output_shape` must be an int"),
        ({"equation": "ab,bc->ac", "output_shape": 2, "bias_axes": 3}, "`bias_axes` must be"),
        ({"equation": "ab,bc->ac", "output_shape": 2, "lora_rank": 4}, "lora_rank"),
    ],
)
def test_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.EinsumDense(**kwargs)


@pytest.mark.parametrize(
    "equation, output_shape, bias_axes, shape, match",
    [
        ("ab,bc->ac", 4, "x", (3, 5), "bias axis 'x' is not an output axis"),
        ("ab,bc->ac", 4, None, (3, 5, 2), r"expects inputs of rank 2, received input shape"),
        ("ab,bc->ac", (4, 2), None, (3, 5), "must give one size"),
        ("abc,cd->abd", (7, 4), None, (3, 5, 6), "the input has size 5 there"),
        ("ab,cd->ad", 4, None, (3, 5), "kernel axis 'c'"),
    ],
)
def test_shape_errors_name_the_problem(equation, output_shape, bias_axes, shape, match):
    with pytest.raises(ValueError, match=match):
        layers.EinsumDense(equation, output_shape, bias_axes=bias_axes)(data(*shape))


def test_call_with_other_features_names_layer_path_and_shapes():
    class Block(layers.Layer):
        def __init__(self):
            super().__init__(name="block")
            self.proj = layers.EinsumDense("abc,cd->abd", (None, 4), name="proj")

        def call(self, x):
            return self.proj(x)

    block = Block()
    assert block(data(2, 5, 6)).shape == (2, 5, 4)
    assert block(data(2, 9, 6)).shape == (2, 9, 4)  # only the contracted axis is fixed
    with pytest.raises(
        ValueError, match=r'block/proj: .*"proj".*axis -1 .* value 6.*\(None, 5, 7\)'
    ):
        block(data(2, 5, 7))


def test_keras_files_move_both_ways(tmp_path):
    def build(k):
        inputs = k.Input((5, 6))
        x = k.layers.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de")(inputs)
        x = k.layers.EinsumDense("abcd,cde->abe", (None, 4), activation="relu")(x)
        return k.Model(inputs, k.layers.EinsumDense("...b,bc->...c", 2, bias_axes="c")(x))

    x = data(3, 5, 6)
    k_model, d_model = build(K), build(dn)
    k_model.save(tmp_path / "k.keras")
    d_model.save(tmp_path / "d.keras")
    from_keras = dn.models.load_model(tmp_path / "k.keras")
    want = np.asarray(k_model.predict(x, verbose=0))
    np.testing.assert_allclose(from_keras.predict(x, verbose=0), want, atol=1e-6)
    from_dn = K.saving.load_model(tmp_path / "d.keras")
    np.testing.assert_allclose(
        np.asarray(from_dn.predict(x, verbose=0)), d_model.predict(x, verbose=0), atol=1e-6
    )
    assert d_model.count_params() == k_model.count_params()


@pytest.mark.parametrize("equation", ["abc,cde->abde", "abc,bcd->ad"])
def test_float64_input_gradients_match_central_differences(equation):
    output_shape = (None, 2, 3) if equation == "abc,cde->abde" else 3
    layer = layers.EinsumDense(equation, output_shape, activation="tanh", dtype="float64")
    x = data(2, 3, 4).astype(np.float64)
    assert dn.check_grad(lambda t: layer(t), x) < 1e-6
