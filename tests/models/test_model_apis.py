"""The three model APIs against real Keras 3: same shapes, parameter counts and outputs."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.conftest import reference


@pytest.fixture(scope="module")
def keras():
    return reference("keras")


def _copy_weights(keras_model, model) -> None:
    model.set_weights(keras_model.get_weights())


def test_seed_sequential_example(keras):
    model = dn.Sequential()
    model.add(layers.Dense(32, input_shape=(784,)))
    model.add(layers.Dense(10))
    assert model.count_params() == 25450
    assert model.output_shape == (None, 10)
    ref = keras.Sequential([keras.Input((784,)), keras.layers.Dense(32), keras.layers.Dense(10)])
    assert ref.count_params() == model.count_params()
    _copy_weights(ref, model)
    x = np.random.default_rng(0).standard_normal((5, 784)).astype("float32")
    np.testing.assert_allclose(
        model.predict(x, verbose=0), ref.predict(x, verbose=0), rtol=1e-5, atol=1e-5
    )


def _toy_resnet(lib):
    L = lib.layers
    inputs = lib.Input(shape=(32, 32, 3), name="img")
    x = L.Conv2D(32, 3, activation="relu")(inputs)
    x = L.Conv2D(64, 3, activation="relu")(x)
    block_1_output = L.MaxPooling2D(3)(x)
    x = L.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
    x = L.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_2_output = L.add([x, block_1_output])
    x = L.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
    x = L.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_3_output = L.add([x, block_2_output])
    x = L.Conv2D(64, 3, activation="relu")(block_3_output)
    x = L.GlobalAveragePooling2D()(x)
    x = L.Dense(256, activation="relu")(x)
    x = L.Dropout(0.5)(x)
    outputs = L.Dense(10)(x)
    return lib.Model(inputs, outputs, name="toy_resnet")


def test_toy_resnet_matches_keras(keras):
    model, ref = _toy_resnet(dn), _toy_resnet(keras)
    assert model.count_params() == ref.count_params() == 223242
    assert [w.shape for w in model.weights] == [tuple(w.shape) for w in ref.weights]
    _copy_weights(ref, model)
    x = np.random.default_rng(1).random((2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(
        model.predict(x, verbose=0), ref.predict(x, verbose=0), rtol=1e-4, atol=1e-5
    )
    assert model.output_shape == ref.output_shape
    names = [type(l).__name__ for l in model.layers]
    assert names == [type(l).__name__ for l in ref.layers]


def test_multi_input_output_and_shared_layers(keras):
    def build(lib):
        a, b = lib.Input((8,), name="a"), lib.Input((8,), name="b")
        shared = lib.layers.Dense(4, activation="tanh", name="shared")
        ha, hb = shared(a), shared(b)
        merged = lib.layers.concatenate([ha, hb])
        out1 = lib.layers.Dense(1, name="score")(merged)
        out2 = lib.layers.Dense(3, activation="softmax", name="cls")(lib.layers.add([ha, hb]))
        return lib.Model(inputs=[a, b], outputs=[out1, out2])

    model, ref = build(dn), build(keras)
    assert model.count_params() == ref.count_params()
    assert [type(l).__name__ for l in model.layers] == [type(l).__name__ for l in ref.layers]
    assert [w.shape for w in model.weights] == [tuple(w.shape) for w in ref.weights]
    _copy_weights(ref, model)
    rng = np.random.default_rng(2)
    xa, xb = (
        rng.standard_normal((4, 8), dtype="float32"),
        rng.standard_normal((4, 8), dtype="float32"),
    )
    ours = model.predict([xa, xb], verbose=0)
    theirs = ref.predict([xa, xb], verbose=0)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o, t, rtol=1e-5, atol=1e-6)
    by_name = model.predict({"a": xa, "b": xb}, verbose=0)
    np.testing.assert_allclose(by_name[0], ours[0])


def test_nested_model_as_layer(keras):
    def build(lib):
        inner_in = lib.Input((6,))
        inner = lib.Model(inner_in, lib.layers.Dense(3)(inner_in), name="inner")
        x = lib.Input((6,))
        return lib.Model(x, lib.layers.Dense(2)(inner(x)))

    model, ref = build(dn), build(keras)
    assert model.count_params() == ref.count_params() == 21 + 8
    _copy_weights(ref, model)
    x = np.random.default_rng(3).standard_normal((3, 6)).astype("float32")
    np.testing.assert_allclose(
        model.predict(x, verbose=0), ref.predict(x, verbose=0), rtol=1e-5, atol=1e-6
    )


class _MLP(dn.Model):
    def __init__(self):
        super().__init__()
        self.hidden = [layers.Dense(16, activation="relu"), layers.Dense(8, activation="relu")]
        self.head = layers.Dense(1)

    def call(self, x, training=False):
        for layer in self.hidden:
            x = layer(x)
        return self.head(x)


def test_subclassed_model_tracks_layers_in_lists(keras):
    model = _MLP()
    x = np.random.default_rng(4).standard_normal((5, 4)).astype("float32")
    assert model(x).shape == (5, 1)
    assert len(model.weights) == 6
    assert model.count_params() == (4 * 16 + 16) + (16 * 8 + 8) + (8 + 1)
    ref = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    _copy_weights(ref, model)
    np.testing.assert_allclose(
        model.predict(x, verbose=0), ref.predict(x, verbose=0), rtol=1e-5, atol=1e-6
    )
    lines = []
    model.summary(print_fn=lines.append)
    # Keras shows a subclassed model's layers with the shapes they were built for: (5, 1).
    assert "(5, 1)" in lines[0] and "Total params: 225" in lines[0]


def test_sequential_add_pop_and_build_on_first_call():
    model = dn.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not model.built
    y = model(np.zeros((3, 5), "float32"))
    assert y.shape == (3, 2) and model.built
    assert model.count_params() == 5 * 4 + 4 + 4 * 2 + 2
    model.pop()
    assert len(model.layers) == 1


def test_summary_matches_keras_counts(keras):
    model = _toy_resnet(dn)
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    assert "Total params: 223,242" in text
    assert "Connected to" in text and "img (InputLayer)" in text
    assert "(None, 30, 30, 32)" in text


def test_get_layer_and_config_round_trip():
    inputs = dn.Input((3,), name="x")
    h = layers.Dense(4, name="h")(inputs)
    model = dn.Model(inputs, layers.Dense(1, name="y")(h))
    assert model.get_layer("h").units == 4
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("nope")
    clone = dn.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    seq = dn.Sequential([dn.Input((3,)), layers.Dense(2)])
    seq_clone = dn.Sequential.from_config(seq.get_config())
    assert seq_clone.count_params() == seq.count_params()


def test_dense_input_errors_name_the_layer_and_suggest_flatten():
    model = dn.Sequential([dn.Input((784,)), layers.Dense(10, name="out")])
    with pytest.raises(ValueError, match=r"expected shape \(None, 784\).*Flatten"):
        model.predict(np.zeros((2, 28, 28), "float32"), verbose=0)
    seq = dn.Sequential([layers.Dense(3, name="first"), layers.Dense(10, name="dense_x")])
    seq(np.zeros((1, 784), "float32"))
    with pytest.raises(ValueError, match=r"first.*784"):
        seq.layers[0](np.zeros((2, 28, 28), "float32"))


def test_graph_disconnected_error():
    a, b = dn.Input((2,)), dn.Input((2,))
    out = layers.Dense(1)(layers.add([a, b]))
    with pytest.raises(ValueError, match="Graph disconnected"):
        dn.Model(a, out)


def test_single_output_in_a_list_is_returned_alone_like_keras(keras):
    def build(lib):
        i = lib.Input((3,))
        return lib.Model(i, [lib.layers.Dense(2)(i)])

    x = np.ones((2, 3), "float32")
    ours, theirs = build(dn).predict(x, verbose=0), build(keras).predict(x, verbose=0)
    assert type(ours) is type(theirs) is np.ndarray
