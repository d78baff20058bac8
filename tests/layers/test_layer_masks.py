"""Masks as keras.io's "Understanding masking & padding" guide uses them: each snippet runs on
deepnum and on Keras 3 (torch backend), with the same weights, and gives the same masks (eager
and symbolic) and outputs."""

from __future__ import annotations

import numpy as np
import pytest

from tests.guide_snippets import assert_close, copy_weights, libraries, printed, run_both, to_np

RAW_INPUTS = [[711, 632, 71], [73, 8, 3215, 55, 927], [83, 91, 1, 645, 1253, 927]]


def padded(keras):
    return keras.utils.pad_sequences(RAW_INPUTS, padding="post")


def guide_layers(keras, layers, ops):
    """The guide's custom layers, written as in the guide."""

    class MyLayer(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
            self.lstm = layers.LSTM(32)

        def call(self, inputs):
            x = self.embedding(inputs)
            # Note that you could also prepare a `mask` tensor manually.
            # It only needs to be a boolean tensor
            # with the right shape, i.e. (batch_size, timesteps).
            mask = self.embedding.compute_mask(inputs)
            output = self.lstm(x, mask=mask)  # The layer will ignore the masked values
            return output

    class TemporalSplit(keras.layers.Layer):
        """Split the input tensor into 2 tensors along the time dimension."""

        def call(self, inputs):
            # Expect the input to be 3D and mask to be 2D, split the input tensor into 2
            # subtensors along the time axis (axis 1).
            return ops.split(inputs, 2, axis=1)

        def compute_mask(self, inputs, mask=None):
            # Also split the mask into 2 if it presents.
            if mask is None:
                return None
            return ops.split(mask, 2, axis=1)

    class CustomEmbedding(keras.layers.Layer):
        def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
            super().__init__(**kwargs)
            self.input_dim = input_dim
            self.output_dim = output_dim
            self.mask_zero = mask_zero

        def build(self, input_shape):
            self.embeddings = self.add_weight(
                shape=(self.input_dim, self.output_dim),
                initializer="random_normal",
                dtype="float32",
            )

        def call(self, inputs):
            inputs = ops.cast(inputs, "int32")
            return ops.take(self.embeddings, inputs)

        def compute_mask(self, inputs, mask=None):
            if not self.mask_zero:
                return None
            return ops.not_equal(inputs, 0)

    class MyActivation(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            # Signal that the layer is safe for mask propagation
            self.supports_masking = True

        def call(self, inputs):
            return ops.relu(inputs)

    class TemporalSoftmax(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            assert mask is not None
            broadcast_float_mask = ops.expand_dims(ops.cast(mask, "float32"), -1)
            inputs_exp = ops.exp(inputs) * broadcast_float_mask
            inputs_sum = ops.sum(inputs_exp * broadcast_float_mask, axis=-1, keepdims=True)
            return inputs_exp / inputs_sum

    return locals()


@pytest.fixture(scope="module")
def classes():
    return {name: guide_layers(*lib) for name, lib in libraries().items()}


def test_mask_generating_layers():
    def snippet(keras, layers, ops):
        padded_inputs = padded(keras)
        embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
        masked_output = embedding(padded_inputs)
        masking_layer = layers.Masking()
        # Simulate the embedding lookup by expanding the 2D input to 3D,
        # with embedding dimension of 10.
        unmasked_embedding = ops.cast(
            ops.tile(ops.expand_dims(padded_inputs, axis=-1), [1, 1, 10]),
            dtype="float32",
        )
        masked_embedding = masking_layer(unmasked_embedding)
        return to_np(masked_output._keras_mask), to_np(masked_embedding._keras_mask)

    ours, theirs = run_both(snippet)
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype == np.bool_
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("api", ["sequential", "functional"])
def test_mask_propagates_to_lstm(api):
    def snippet(keras, layers, ops):
        if api == "sequential":
            return keras.Sequential(
                [
                    layers.Embedding(input_dim=50, output_dim=4, mask_zero=True),
                    layers.LSTM(3),
                ]
            )
        inputs = keras.Input(shape=(None,), dtype="int32")
        x = layers.Embedding(input_dim=50, output_dim=4, mask_zero=True)(inputs)
        outputs = layers.LSTM(3)(x)
        return keras.Model(inputs, outputs)

    ours, theirs = run_both(snippet)
    x = padded(libraries()["keras"][0]) % 50
    theirs(x), ours(x)  # build both
    copy_weights(theirs, ours)
    assert_close(ours(x), theirs(x), rtol=1e-4, atol=1e-5)
    unmasked = np.where(x == 0, 7, x)  # the padding counts once unmasked: outputs differ
    assert not np.allclose(to_np(ours(unmasked)), to_np(ours(x)))


def test_mask_passed_directly_to_a_layer(classes):
    x = (np.random.default_rng(0).random((4, 10)) * 100).astype("int32")
    x[:, 6:] = 0
    ours, theirs = classes["deepnum"]["MyLayer"](), classes["keras"]["MyLayer"]()
    theirs(x), ours(x)
    copy_weights(theirs, ours)
    assert_close(ours(x), theirs(x), rtol=1e-4, atol=1e-5)


def test_temporal_split_modifies_the_mask(classes):
    outs = {}
    for lib, (keras, layers, ops) in libraries().items():
        masked_embedding = layers.Masking()(
            ops.cast(ops.tile(ops.expand_dims(padded(keras), axis=-1), [1, 1, 10]), "float32")
        )
        first_half, second_half = classes[lib]["TemporalSplit"]()(masked_embedding)
        inputs = keras.Input((6, 10))
        symbolic = classes[lib]["TemporalSplit"]()(layers.Masking()(inputs))
        outs[lib] = (
            to_np(first_half._keras_mask).tolist(),
            to_np(second_half._keras_mask).tolist(),
            [tuple(t._keras_mask.shape) for t in symbolic],
            [str(t._keras_mask.dtype) for t in symbolic],
        )
    assert outs["deepnum"] == outs["keras"]


def test_custom_embedding_generates_a_mask(classes):
    x = (np.random.default_rng(1).random((3, 10)) * 9).astype("int32")
    results = {}
    for lib in classes:
        layer = classes[lib]["CustomEmbedding"](10, 32, mask_zero=True)
        y = layer(x)
        mask = layer.compute_mask(x)
        results[lib] = (tuple(y.shape), to_np(mask).tolist(), to_np(y._keras_mask).tolist())
    assert results["deepnum"] == results["keras"]
    assert results["deepnum"][1] == (x != 0).tolist()


def test_supports_masking_passes_the_mask_along(classes):
    def snippet(keras, layers, ops, MyActivation):  # noqa: N803 - the guide's class
        inputs = keras.Input(shape=(None,), dtype="int32")
        x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
        x = MyActivation()(x)  # Will pass the mask along
        print("Mask found:", x._keras_mask)
        outputs = layers.LSTM(32)(x)  # Will receive the mask
        return keras.Model(inputs, outputs)

    texts = {
        lib: printed(snippet, *lib_args, classes[lib]["MyActivation"])
        for lib, lib_args in libraries().items()
    }
    assert texts["deepnum"] == texts["keras"]
    assert "shape=(None, None), dtype=bool" in texts["deepnum"]
    models = {
        lib: snippet(*lib_args, classes[lib]["MyActivation"])
        for lib, lib_args in libraries().items()
    }
    x = np.random.default_rng(2).integers(0, 5000, size=(4, 12))
    x[:, 8:] = 0
    models["keras"](x), models["deepnum"](x)
    copy_weights(models["keras"], models["deepnum"])
    assert_close(models["deepnum"](x), models["keras"](x), rtol=1e-4, atol=1e-5)


def test_the_mask_reaches_a_consuming_layer(classes):
    models = {}
    for lib, (keras, layers, _) in libraries().items():
        inputs = keras.Input(shape=(None,), dtype="int32")
        x = layers.Embedding(input_dim=10, output_dim=32, mask_zero=True)(inputs)
        x = layers.Dense(1)(x)
        outputs = classes[lib]["TemporalSoftmax"]()(x)
        models[lib] = keras.Model(inputs, outputs)
        assert tuple(outputs._keras_mask.shape) == (None, None)
    x = np.random.default_rng(3).integers(0, 10, size=(4, 20))
    models["keras"](x), models["deepnum"](x)
    copy_weights(models["keras"], models["deepnum"])
    with np.errstate(invalid="ignore"):  # the guide's softmax divides 0 by 0 where masked
        assert_close(models["deepnum"](x), models["keras"](x), rtol=1e-5)


def test_supports_masking_defaults(classes):
    def snippet(keras, layers, ops):
        class Override(keras.layers.Layer):
            def compute_mask(self, inputs, mask=None):
                return None

        return (
            keras.layers.Layer().supports_masking,
            Override().supports_masking,
            layers.Dense(2).supports_masking,
        )

    ours, theirs = run_both(snippet)
    assert ours == theirs == (False, True, True)
