"""keras.io's "The Sequential model", "The Functional API" and "Transfer learning" guides: their
snippets run on deepnum and on Keras 3 (torch backend) with the same weights, and give the same
shapes, layers, outputs and losses — above all ``layer.input`` / ``layer.output`` of the layers
of a built model, used to extract features."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.guide_snippets import assert_close, copy_weights, libraries, run_both, to_np


def shapes(tensors):
    return [tuple(t.shape) for t in tensors]


# ---------------------------------------------------------------- Sequential guide
def test_layers_of_a_sequential_called_on_data_have_inputs_and_outputs():
    def snippet(keras, layers, ops):
        model = keras.Sequential(
            [
                layers.Dense(2, activation="relu", name="layer1"),
                layers.Dense(3, activation="relu", name="layer2"),
                layers.Dense(4, name="layer3"),
            ]
        )
        x = ops.ones((3, 3))
        y = model(x)
        return (
            tuple(y.shape),
            [layer.name for layer in model.layers],
            shapes(layer.input for layer in model.layers),
            shapes(layer.output for layer in model.layers),
            model.input_shape,
            model.output_shape,
        )

    ours, theirs = run_both(snippet)
    assert ours == theirs
    assert ours[3] == [(3, 2), (3, 3), (3, 4)]  # the first call fixed the batch size, as Keras


def test_sequential_add_pop_and_weights():
    def snippet(keras, layers, ops):
        model = keras.Sequential()
        model.add(layers.Dense(2, activation="relu"))
        model.add(layers.Dense(3, activation="relu"))
        model.add(layers.Dense(4))
        model.pop()
        n_layers = len(model.layers)
        layer = layers.Dense(3)
        before = len(layer.weights)
        layer(ops.ones((1, 4)))
        model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2, activation="relu")])
        return n_layers, before, shapes(layer.weights), len(model.layers), model.output_shape

    ours, theirs = run_both(snippet)
    assert ours == theirs == (2, 0, [(4, 3), (3,)], 1, (None, 2))


def test_sequential_of_built_models_takes_the_first_ones_input_shape():
    def snippet(keras, layers, ops):
        extractor = keras.Sequential(
            [keras.Input((8, 8, 1)), layers.Conv2D(4, 3), layers.Flatten()]
        )
        classifier = keras.Sequential([keras.Input((144,)), layers.Dense(10)])
        model = keras.Sequential([extractor, classifier])
        return model.built, model.count_params(), model.input_shape, model.output_shape

    ours, theirs = run_both(snippet)
    assert ours == theirs == (True, 1490, (None, 8, 8, 1), (None, 10))


@pytest.mark.parametrize("which", ["all_layers", "one_layer"])
def test_feature_extraction_with_a_sequential_model(which):
    def snippet(keras, layers, ops):
        initial_model = keras.Sequential(
            [
                keras.Input(shape=(25, 25, 3)),
                layers.Conv2D(4, 5, strides=2, activation="relu"),
                layers.Conv2D(4, 3, activation="relu", name="my_intermediate_layer"),
                layers.Conv2D(4, 3, activation="relu"),
            ]
        )
        if which == "all_layers":
            feature_extractor = keras.Model(
                inputs=initial_model.inputs,
                outputs=[layer.output for layer in initial_model.layers],
            )
        else:
            feature_extractor = keras.Model(
                inputs=initial_model.inputs,
                outputs=initial_model.get_layer(name="my_intermediate_layer").output,
            )
        return initial_model, feature_extractor

    (ours, ours_fe), (theirs, theirs_fe) = run_both(snippet)
    copy_weights(theirs, ours)
    x = np.random.default_rng(0).random((1, 25, 25, 3)).astype("float32")
    assert_close(ours_fe(x), theirs_fe(x), rtol=1e-4, atol=1e-5)
    assert [type(layer).__name__ for layer in ours_fe.layers] == [
        type(layer).__name__ for layer in theirs_fe.layers
    ]


def test_freezing_all_layers_but_the_last():
    def snippet(keras, layers, ops):
        model = keras.Sequential(
            [
                keras.Input(shape=(8,)),
                layers.Dense(4, activation="relu"),
                layers.Dense(4, activation="relu"),
                layers.Dense(2),
            ]
        )
        for layer in model.layers[:-1]:
            layer.trainable = False
        return len(model.trainable_weights), len(model.non_trainable_weights)

    ours, theirs = run_both(snippet)
    assert ours == theirs == (2, 4)


def test_summary_of_a_model_built_by_a_call_shows_keras_shapes():
    def snippet(keras, layers, ops):
        model = keras.Sequential([layers.Dense(2, activation="relu"), layers.Dense(3)])
        model(ops.ones((1, 4)))

        class MLP(keras.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.dense_1 = layers.Dense(64, activation="relu")
                self.dense_2 = layers.Dense(10)

            def call(self, inputs):
                x = self.dense_1(inputs)
                return self.dense_2(x)

        mlp = MLP()
        _ = mlp(ops.zeros((1, 32)))
        lines = []
        for m in (model, mlp):
            m.summary(print_fn=lines.append)
        return "\n".join(lines)

    ours, theirs = run_both(snippet)
    for text in (ours, theirs):
        for expected in ("(1, 2)", "(1, 3)", "(1, 64)", "(1, 10)", "Total params: 2,762"):
            assert expected in text


# ---------------------------------------------------------------- Functional guide
def autoencoder(keras, layers, ops):
    encoder_input = keras.Input(shape=(28, 28, 1), name="img")
    x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    encoder_output = layers.GlobalMaxPooling2D()(x)
    encoder = keras.Model(encoder_input, encoder_output, name="encoder")

    decoder_input = keras.Input(shape=(16,), name="encoded_img")
    x = layers.Reshape((4, 4, 1))(decoder_input)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
    x = layers.UpSampling2D(3)(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)
    decoder = keras.Model(decoder_input, decoder_output, name="decoder")

    autoencoder_input = keras.Input(shape=(28, 28, 1), name="img")
    encoded_img = encoder(autoencoder_input)
    decoded_img = decoder(encoded_img)
    autoencoder = keras.Model(autoencoder_input, decoded_img, name="autoencoder")
    # intermediate outputs of a nested model
    probe = keras.Model(encoder.inputs, encoder.get_layer(index=3).output)
    return autoencoder, probe


def test_models_are_callable_like_layers_and_nested_outputs_extract():
    (ours, ours_probe), (theirs, theirs_probe) = run_both(autoencoder)
    assert ours.count_params() == theirs.count_params()
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert tuple(ours.get_layer("encoder").output.shape) == tuple(
        theirs.get_layer("encoder").output.shape
    )
    copy_weights(theirs, ours)
    x = np.random.default_rng(1).random((2, 28, 28, 1)).astype("float32")
    assert_close(ours(x), theirs(x), rtol=1e-4, atol=1e-5)
    assert_close(ours_probe(x), theirs_probe(x), rtol=1e-4, atol=1e-5)


def test_ensembling_models_with_average():
    def snippet(keras, layers, ops):
        def get_model():
            inputs = keras.Input(shape=(128,))
            outputs = layers.Dense(1)(inputs)
            return keras.Model(inputs, outputs)

        model1 = get_model()
        model2 = get_model()
        model3 = get_model()

        inputs = keras.Input(shape=(128,))
        y1 = model1(inputs)
        y2 = model2(inputs)
        y3 = model3(inputs)
        outputs = layers.average([y1, y2, y3])
        return keras.Model(inputs=inputs, outputs=outputs)

    ours, theirs = run_both(snippet)
    copy_weights(theirs, ours)
    x = np.random.default_rng(2).random((3, 128)).astype("float32")
    assert_close(ours(x), theirs(x), rtol=1e-5)


def test_feature_extraction_from_every_layer_of_a_functional_model():
    def snippet(keras, layers, ops):
        inputs = keras.Input((16, 16, 3))
        x = layers.Conv2D(4, 3, activation="relu", name="block1_conv1")(inputs)
        x = layers.MaxPooling2D(2, name="block1_pool")(x)
        x = layers.Conv2D(8, 3, activation="relu", name="block5_conv3")(x)
        vgg = keras.Model(inputs, layers.GlobalAveragePooling2D()(x))
        features_list = [layer.output for layer in vgg.layers]
        feat_extraction_model = keras.Model(inputs=vgg.input, outputs=features_list)
        style = keras.Model(inputs=vgg.inputs, outputs=vgg.get_layer("block5_conv3").output)
        return vgg, feat_extraction_model, style

    (ours, ours_fe, ours_style), (theirs, theirs_fe, theirs_style) = run_both(snippet)
    copy_weights(theirs, ours)
    img = np.random.default_rng(3).random((1, 16, 16, 3)).astype("float32")
    assert_close(ours_fe(img), theirs_fe(img), rtol=1e-4, atol=1e-5)
    assert_close(ours_style(img), theirs_style(img), rtol=1e-4, atol=1e-5)


def test_custom_layer_with_get_config_rebuilds_from_config():
    def snippet(keras, layers, ops):
        class CustomDense(layers.Layer):
            def __init__(self, units=32):
                super().__init__()
                self.units = units

            def build(self, input_shape):
                self.w = self.add_weight(
                    shape=(input_shape[-1], self.units),
                    initializer="random_normal",
                    trainable=True,
                )
                self.b = self.add_weight(
                    shape=(self.units,), initializer="random_normal", trainable=True
                )

            def call(self, inputs):
                return ops.matmul(inputs, self.w) + self.b

            def get_config(self):
                return {"units": self.units}

        inputs = keras.Input((4,))
        outputs = CustomDense(10)(inputs)

        model = keras.Model(inputs, outputs)
        config = model.get_config()

        new_model = keras.Model.from_config(config, custom_objects={"CustomDense": CustomDense})
        return model, new_model

    (ours, ours_new), (theirs, theirs_new) = run_both(snippet)
    assert ours_new.count_params() == theirs_new.count_params() == 50
    copy_weights(theirs, ours_new)
    x = np.ones((2, 4), "float32")
    assert_close(ours_new(x), theirs(x))


def test_mix_and_match_a_functional_model_inside_a_custom_layer():
    def snippet(keras, layers, ops):
        units = 32
        timesteps = 10
        input_dim = 5

        # Define a Functional model
        inputs = keras.Input((None, units))
        x = layers.GlobalAveragePooling1D()(inputs)
        outputs = layers.Dense(1)(x)
        model = keras.Model(inputs, outputs)

        class CustomRNN(layers.Layer):
            def __init__(self):
                super().__init__()
                self.units = units
                self.projection_1 = layers.Dense(units=units, activation="tanh")
                self.projection_2 = layers.Dense(units=units, activation="tanh")
                # Our previously-defined Functional model
                self.classifier = model

            def call(self, inputs):
                outputs = []
                state = ops.zeros(shape=(inputs.shape[0], self.units))
                for t in range(inputs.shape[1]):
                    x = inputs[:, t, :]
                    h = self.projection_1(x)
                    y = h + self.projection_2(state)
                    state = y
                    outputs.append(y)
                features = ops.stack(outputs, axis=1)
                return self.classifier(features)

        rnn_model = CustomRNN()
        _ = rnn_model(ops.zeros((1, timesteps, input_dim)))
        return rnn_model

    ours, theirs = run_both(snippet)
    copy_weights(theirs, ours)
    x = np.random.default_rng(4).random((2, 10, 5)).astype("float32")
    assert_close(ours(x), theirs(x), rtol=1e-4, atol=1e-5)


def test_a_custom_layer_with_a_static_batch_in_a_functional_model():
    def snippet(keras, layers, ops):
        class CustomRNN(layers.Layer):
            def __init__(self):
                super().__init__()
                self.units = 8
                self.projection = layers.Dense(units=8, activation="tanh")
                self.classifier = layers.Dense(1)

            def call(self, inputs):
                state = ops.zeros(shape=(inputs.shape[0], self.units))
                for t in range(inputs.shape[1]):
                    state = self.projection(inputs[:, t, :]) + state
                return self.classifier(state)

        inputs = keras.Input(batch_shape=(4, 10, 5))
        x = layers.Conv1D(6, 3)(inputs)
        outputs = CustomRNN()(x)
        return keras.Model(inputs, outputs)

    ours, theirs = run_both(snippet)
    assert ours.output_shape == theirs.output_shape == (4, 1)
    copy_weights(theirs, ours)
    x = np.random.default_rng(5).random((4, 10, 5)).astype("float32")
    assert_close(ours(x), theirs(x), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- layer.input / output
def test_output_of_a_layer_never_called_and_of_a_shared_layer():
    for keras, layers, _ in libraries().values():
        with pytest.raises(AttributeError, match="never been called|no attribute"):
            _ = layers.Dense(3).output
        shared = layers.Dense(3)
        a, b = keras.Input((4,)), keras.Input((4,))
        first, _ = shared(a), shared(b)
        assert shared.output is first and shared.input is a  # the first call, as Keras
    inputs = dn.Input((4,))
    assert inputs.node.layer.output is inputs


def test_subclassed_model_get_config_errors_like_keras():
    def snippet(keras, layers, ops):
        class WithArgs(keras.Model):
            def __init__(self, original_dim, name="autoencoder", **kwargs):
                super().__init__(name=name, **kwargs)
                self.dense = layers.Dense(original_dim)

            def call(self, x):
                return self.dense(x)

        class Defaults(keras.Model):
            def __init__(self, units=3, **kwargs):
                super().__init__(**kwargs)
                self.dense = layers.Dense(units)

            def call(self, x):
                return self.dense(x)

        try:
            WithArgs(4).get_config()
            error = None
        except NotImplementedError as e:
            error = "non-serializable argument values" in str(e)
        config = Defaults(4, name="d").get_config()
        return error, {k: v for k, v in config.items() if k != "dtype"}

    ours, theirs = run_both(snippet)
    assert ours == theirs == (True, {"name": "d", "units": 3, "trainable": True})


# ---------------------------------------------------------------- Transfer learning guide
def test_trainable_counts_of_the_transfer_learning_guide():
    def snippet(keras, layers, ops):
        out = []
        layer = keras.layers.Dense(3)
        layer.build((None, 4))
        out.append((len(layer.weights), len(layer.trainable_weights)))
        layer = keras.layers.BatchNormalization()
        layer.build((None, 4))
        out.append((len(layer.weights), len(layer.trainable_weights)))
        layer = keras.layers.Dense(3)
        layer.build((None, 4))
        layer.trainable = False  # Freeze the layer
        out.append((len(layer.weights), len(layer.non_trainable_weights)))
        inner_model = keras.Sequential(
            [
                keras.Input(shape=(3,)),
                keras.layers.Dense(3, activation="relu"),
                keras.layers.Dense(3, activation="relu"),
            ]
        )
        model = keras.Sequential(
            [keras.Input(shape=(3,)), inner_model, keras.layers.Dense(3, activation="sigmoid")]
        )
        model.trainable = False  # Freeze the outer model
        out.append((inner_model.trainable, inner_model.layers[0].trainable))
        return out

    ours, theirs = run_both(snippet)
    assert ours == theirs == [(2, 2), (4, 2), (2, 2), (False, False)]


def test_frozen_base_model_then_fine_tuning_matches_keras():
    rng = np.random.default_rng(6)
    xs = rng.random((8, 6, 6, 3)).astype("float32")
    ys = rng.integers(0, 2, (8, 1)).astype("float32")

    def snippet(keras, layers, ops):
        i = keras.Input((6, 6, 3))
        x = layers.Conv2D(4, 3, name="block1_conv1")(i)
        x = layers.BatchNormalization(name="bn")(x)
        x = layers.Activation("relu")(x)
        x = layers.Conv2D(4, 3, name="block5_conv3")(x)
        base_model = keras.Model(i, x, name="base")

        base_model.trainable = False
        inputs = keras.Input(shape=(6, 6, 3))
        # The base model runs in inference mode here (training=False); as in Keras 3, fit's
        # training=True still reaches it once it is unfrozen.
        x = base_model(inputs, training=False)
        x = keras.layers.GlobalAveragePooling2D()(x)
        outputs = keras.layers.Dense(1)(x)
        return base_model, keras.Model(inputs, outputs)

    libs = libraries()
    results = {}
    for lib, (base_model, model) in zip(libs, (snippet(*args) for args in libs.values())):
        keras = libs[lib][0]
        weights = [np.random.default_rng(7).standard_normal(w.shape) * 0.3 for w in model.weights]
        weights[5] = np.abs(weights[5]) + 0.5  # moving variance
        model.set_weights([w.astype("float32") for w in weights])
        out = [(len(model.trainable_weights), len(model.non_trainable_weights))]
        loss = keras.losses.BinaryCrossentropy(from_logits=True)
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
        out.append(model.fit(xs, ys, batch_size=4, shuffle=False, verbose=0).history["loss"])
        base_model.trainable = True
        out.append((len(model.trainable_weights), len(model.non_trainable_weights)))
        model.compile(optimizer=keras.optimizers.SGD(1e-2), loss=loss)
        out.append(model.fit(xs, ys, batch_size=4, shuffle=False, verbose=0).history["loss"])
        results[lib] = (out, [to_np(w) for w in model.weights])
    (ours, ours_w), (theirs, theirs_w) = results["deepnum"], results["keras"]
    assert ours[0] == theirs[0] == (2, 8) and ours[2] == theirs[2] == (8, 2)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5)
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-5)
    assert_close(ours_w, theirs_w, rtol=1e-4, atol=1e-6)
