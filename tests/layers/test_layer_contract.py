"""The Layer contract as keras.io's "Making new layers and models via subclassing" guide uses it:
each snippet runs on deepnum and on Keras 3 (torch backend) with the same weights, and gives
the same outputs, weights, losses, configs and calls."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.guide_snippets import assert_close, copy_weights, libraries, run_both, to_np


# ---------------------------------------------------------------- the guide's layers
def guide_layers(keras, layers, ops):
    """The guide's classes, written as in the guide, bound to one library."""

    class Linear(keras.layers.Layer):
        def __init__(self, units=32, input_dim=32):
            super().__init__()
            self.w = self.add_weight(
                shape=(input_dim, units),
                initializer="random_normal",
                trainable=True,
            )
            self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    class ComputeSum(keras.layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    class LazyLinear(keras.layers.Layer):  # the guide's Linear with build(input_shape)
        def __init__(self, units=32):
            super().__init__()
            self.units = units
            self.build_shapes = []

        def build(self, input_shape):
            self.build_shapes.append(tuple(input_shape))
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

    class MLPBlock(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.linear_1 = LazyLinear(32)
            self.linear_2 = LazyLinear(32)
            self.linear_3 = LazyLinear(1)

        def call(self, inputs):
            x = self.linear_1(inputs)
            x = keras.activations.relu(x)
            x = self.linear_2(x)
            x = keras.activations.relu(x)
            return self.linear_3(x)

    class ActivityRegularizationLayer(keras.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ops.mean(inputs))
            return inputs

    class OuterLayer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularizationLayer(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    class OuterLayerWithKernelRegularizer(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(32, kernel_regularizer=keras.regularizers.l2(1e-3))

        def call(self, inputs):
            return self.dense(inputs)

    class ConfigLinear(keras.layers.Layer):  # the guide's Linear with get_config
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units),
                initializer="random_normal",
                trainable=True,
            )

        def call(self, inputs):
            return ops.matmul(inputs, self.w)

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config

    class CustomDropout(keras.layers.Layer):
        def __init__(self, rate, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate
            self.seen = []

        def call(self, inputs, training=None):
            self.seen.append(training)
            if training:
                return keras.random.dropout(inputs, rate=self.rate)
            return inputs

    return locals()


@pytest.fixture(scope="module")
def classes():
    libs = libraries()
    return {name: guide_layers(*lib) for name, lib in libs.items()}


# ---------------------------------------------------------------- weights
def test_linear_tracks_its_weights_and_computes_like_keras(classes):
    ours, theirs = classes["deepnum"]["Linear"](4, 2), classes["keras"]["Linear"](4, 2)
    assert ours.weights == [ours.w, ours.b] and theirs.weights == [theirs.w, theirs.b]
    copy_weights(theirs, ours)
    x = np.ones((2, 2), "float32")
    assert_close(ours(x), theirs(x))


def test_compute_sum_non_trainable_weight(classes):
    results = []
    for lib in ("deepnum", "keras"):
        my_sum = classes[lib]["ComputeSum"](2)
        x = np.ones((2, 2), "float32")
        first = to_np(my_sum(x)).tolist()
        second = to_np(my_sum(x)).tolist()
        counts = (len(my_sum.weights), len(my_sum.non_trainable_weights))
        results.append((first, second, counts, my_sum.trainable_weights))
    assert results[0] == results[1] == ([2.0, 2.0], [4.0, 4.0], (1, 1), [])


def test_build_runs_once_with_the_input_shape_and_sets_built(classes):
    seen = []
    for lib in ("deepnum", "keras"):
        linear_layer = classes[lib]["LazyLinear"](32)
        before = linear_layer.built
        linear_layer(np.ones((2, 4), "float32"))
        linear_layer(np.ones((2, 4), "float32"))
        seen.append((before, linear_layer.built, linear_layer.build_shapes))
    assert seen[0] == seen[1] == (False, True, [(2, 4)])


def test_mlp_block_nests_layers_like_keras(classes):
    blocks = {}
    for lib in ("deepnum", "keras"):
        mlp = classes[lib]["MLPBlock"]()
        mlp(np.ones((3, 64), "float32"))
        blocks[lib] = mlp
    assert (len(blocks["deepnum"].weights), len(blocks["deepnum"].trainable_weights)) == (6, 6)
    assert [tuple(w.shape) for w in blocks["deepnum"].weights] == [
        tuple(w.shape) for w in blocks["keras"].weights
    ]
    copy_weights(blocks["keras"], blocks["deepnum"])
    x = np.random.default_rng(0).standard_normal((3, 64)).astype("float32")
    assert_close(blocks["deepnum"](x), blocks["keras"](x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "call",
    [
        "add_weight(shape=(2, 3), initializer='ones', trainable=False, name='a')",
        "add_weight((2, 3), 'ones', name='b')",
        "add_weight((4,), 'zeros', 'int32', trainable=False, name='c')",
        "add_weight(shape=(), dtype='int32', trainable=False, name='d')",
        "add_weight(shape=(3,), initializer=keras.initializers.Constant(2.0), name='e')",
    ],
)
def test_add_weight_keyword_and_positional_forms(call):
    def snippet(keras, layers, ops):
        layer = keras.layers.Layer()
        w = eval(f"layer.{call}", {"layer": layer, "keras": keras})
        return (tuple(w.shape), str(to_np(w).dtype), to_np(w).tolist(), w.trainable)

    ours, theirs = run_both(snippet)
    assert ours == theirs


@pytest.mark.parametrize(
    "call, error",
    [
        ("add_weight('kernel', (2,))", ValueError),
        ("add_weight((2,), 'ones', 'float32', True)", TypeError),
        ("add_weight((2,), shape=(2,))", ValueError),
    ],
)
def test_add_weight_refuses_what_keras_refuses(call, error):
    for keras, _, _ in libraries().values():
        with pytest.raises(error):
            eval(f"layer.{call}", {"layer": keras.layers.Layer()})


def test_weight_order_and_freezing_follow_keras():
    def snippet(keras, layers, ops):
        class Stats(keras.layers.Layer):
            def build(self, input_shape):
                self.count = self.add_weight(shape=(), trainable=False, name="count")
                self.kernel = self.add_weight(shape=(input_shape[-1], 2), name="kernel")
                self.inner = keras.layers.Dense(2)

            def call(self, x):
                return self.inner(ops.matmul(x, self.kernel))

        layer = Stats()
        layer(np.ones((1, 3), "float32"))
        names = lambda ws: [w.name for w in ws]  # noqa: E731
        out = [names(layer.weights), names(layer.trainable_weights)]
        layer.inner.trainable = False
        out += [names(layer.weights), names(layer.trainable_weights), layer.inner.kernel.trainable]
        layer.trainable = False
        out += [names(layer.non_trainable_weights), layer.inner.trainable, layer.kernel.trainable]
        layer.trainable = True
        out += [names(layer.trainable_weights), layer.inner.trainable, layer.count.trainable]
        return out

    ours, theirs = run_both(snippet)
    assert ours == theirs


def test_frozen_layer_creates_frozen_weights_like_keras():
    def snippet(keras, layers, ops):
        dense = keras.layers.Dense(2, trainable=False)
        model = keras.Sequential([keras.Input((3,)), dense])
        return dense.kernel.trainable, len(model.trainable_weights), len(model.weights)

    ours, theirs = run_both(snippet)
    assert ours == theirs == (False, 0, 2)


# ---------------------------------------------------------------- losses
def test_losses_are_reset_at_each_top_level_call(classes):
    counts, values = [], []
    for lib in ("deepnum", "keras"):
        layer = classes[lib]["OuterLayer"]()
        seen = [len(layer.losses)]
        _ = layer(np.zeros((1, 1), "float32"))
        seen.append(len(layer.losses))
        _ = layer(np.full((2, 2), 3.0, "float32"))
        seen.append(len(layer.losses))
        counts.append(seen)
        values.append(float(to_np(layer.losses[0])))
    assert counts[0] == counts[1] == [0, 1, 1]
    assert values[0] == pytest.approx(values[1]) == pytest.approx(0.03)


def test_kernel_regularizer_losses_of_inner_layers(classes):
    layers_ = {lib: classes[lib]["OuterLayerWithKernelRegularizer"]() for lib in classes}
    for layer in layers_.values():
        layer(np.zeros((1, 1), "float32"))
    copy_weights(layers_["keras"], layers_["deepnum"])
    ours, theirs = layers_["deepnum"].losses, layers_["keras"].losses
    assert len(ours) == len(theirs) == 1
    assert float(to_np(ours[0])) == pytest.approx(float(to_np(theirs[0])), rel=1e-5)
    layers_["deepnum"].dense.trainable = False  # a frozen weight is not regularized (Keras)
    assert layers_["deepnum"].losses == []


def test_losses_order_add_loss_then_sublayers_then_regularizers():
    def snippet(keras, layers, ops):
        class Leaf(keras.layers.Layer):
            def call(self, x):
                self.add_loss(ops.sum(x) * 2.0)
                return x

        class Root(keras.layers.Layer):
            def __init__(self):
                super().__init__()
                self.leaf = Leaf()
                self.dense = keras.layers.Dense(
                    1, kernel_initializer="ones", kernel_regularizer=keras.regularizers.l1(0.5)
                )

            def call(self, x):
                self.add_loss(ops.sum(x))
                return self.dense(self.leaf(x))

        root = Root()
        root(np.ones((1, 2), "float32"))
        return [float(to_np(v)) for v in root.losses]

    ours, theirs = run_both(snippet)
    assert ours == pytest.approx(theirs) and ours == pytest.approx([2.0, 4.0, 1.0])


def test_add_loss_refuses_a_python_number_like_keras():
    for keras, _, _ in libraries().values():
        with pytest.raises(ValueError, match="add_loss"):
            keras.layers.Layer().add_loss(1.0)


# ---------------------------------------------------------------- training flag
def test_training_argument_reaches_nested_layers_like_keras(classes):
    def calls(lib):
        keras = libraries()[lib][0]
        dropout = classes[lib]["CustomDropout"](0.5)
        x = np.ones((2, 2), "float32")

        class WithDefault(keras.Model):
            def __init__(self):
                super().__init__()
                self.d = dropout

            def call(self, x, training=False):
                return self.d(x)

        class WithoutTraining(keras.Model):
            def __init__(self):
                super().__init__()
                self.d = dropout

            def call(self, x):
                return self.d(x)

        dropout(x)
        dropout(x, training=True)
        for model in (WithDefault(), WithoutTraining()):
            model(x)
            model(x, training=True)
        return dropout.seen

    assert calls("deepnum") == calls("keras") == [None, True, False, True, None, True]


def test_get_config_of_the_guides_linear_round_trips(classes):
    configs = []
    for lib in ("deepnum", "keras"):
        layer = classes[lib]["ConfigLinear"](64, name="linear_x")
        config = layer.get_config()
        new_layer = classes[lib]["ConfigLinear"].from_config(config)
        configs.append((sorted(config), config["units"], new_layer.units, new_layer.name))
    assert configs[0] == configs[1]


@pytest.mark.parametrize(
    "args",
    [
        "Plain(5, act='relu')",
        "Plain()",
        "WithKwargs(5, name='x', dtype='float64')",
    ],
)
def test_layers_without_get_config_get_keras_automatic_config(args):
    def snippet(keras, layers, ops):
        class Plain(keras.layers.Layer):
            def __init__(self, units=3, act=None):
                super().__init__()
                self.units = units

        class WithKwargs(keras.layers.Layer):
            def __init__(self, units=3, **kwargs):
                super().__init__(**kwargs)
                self.units = units

        config = eval(args, {"Plain": Plain, "WithKwargs": WithKwargs}).get_config()
        config.pop("dtype")  # deepnum writes a dtype name, Keras a DTypePolicy
        return config

    ours, theirs = run_both(snippet)
    assert ours == theirs


def test_auto_config_refuses_non_plain_arguments_like_keras():
    for keras, _, _ in libraries().values():

        class Holder(keras.layers.Layer):
            def __init__(self, inner=None, **kwargs):
                super().__init__(**kwargs)
                self.inner = inner

        with pytest.raises(NotImplementedError, match="non-serializable argument values"):
            Holder(inner=keras.layers.Dense(2)).get_config()


# ---------------------------------------------------------------- InputSpec
@pytest.mark.parametrize(
    "spec, shape, dtype",
    [
        ("InputSpec(shape=(None, 4))", (2, 5), "float32"),
        ("InputSpec(ndim=3)", (2, 5), "float32"),
        ("InputSpec(dtype='int32')", (2, 5), "float32"),
        ("InputSpec(min_ndim=3)", (2, 5), "float32"),
        ("InputSpec(axes={-1: 4})", (2, 5), "float32"),
    ],
)
def test_input_spec_checks_like_keras(spec, shape, dtype):
    x = np.zeros(shape, dtype)
    for keras, _, _ in libraries().values():

        class Checked(keras.layers.Layer):
            def __init__(self, input_spec):
                super().__init__()
                self.input_spec = input_spec

            def call(self, x):
                return x

        with pytest.raises(ValueError, match="incompatible with the layer"):
            Checked(eval(spec, {"InputSpec": keras.InputSpec}))(x)
    config = eval(spec, {"InputSpec": dn.layers.InputSpec}).get_config()
    assert config == eval(spec, {"InputSpec": libraries()["keras"][0].InputSpec}).get_config()
