"""ONNX export: every supported layer, checked with onnx.checker (inside export) and run in
onnxruntime on random inputs, whose outputs must equal deepnum's."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from deepnum.onnx import UnsupportedLayerError, export
from tests.conftest import reference
from tests.saving.zoo import ZOO, inputs_for

onnx = reference("onnx")
ort = reference("onnxruntime")


def run_onnx(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    xs = x if isinstance(x, list) else [x]
    return session.run(None, {i.name: v for i, v in zip(session.get_inputs(), xs)})


def assert_exports(tmp_path, model, x, opset=17, tol=1e-5):
    path = tmp_path / "m.onnx"
    proto = export(model, path, opset=opset)
    assert proto.opset_import[0].version == opset
    assert onnx.load(str(path)).graph.name == model.name
    want = model.predict(x, verbose=0)
    want = want if isinstance(want, list) else [want]
    got = run_onnx(path, x)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


@pytest.mark.parametrize(
    "name", ["sequential", "dense_stack", "merges", "conv2d", "conv1d", "recurrent", "nested"]
)
@pytest.mark.parametrize("opset", [13, 18])
def test_zoo_models(tmp_path, name, opset):
    assert_exports(tmp_path, ZOO[name](dn), inputs_for(name, seed=5), opset=opset)


ACTIVATIONS = [
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "elu",
    "selu",
    "softplus",
    "softsign",
    "exponential",
    "relu6",
    "leaky_relu",
    "silu",
    "hard_sigmoid",
    "hard_silu",
    "mish",
    "gelu",
    "linear",
]


def test_activations(tmp_path):
    inputs = dn.Input((6,))
    outputs = [layers.Activation(a)(inputs) for a in ACTIVATIONS]
    model = dn.Model(inputs, layers.Concatenate()(outputs))
    assert_exports(tmp_path, model, rand(4, 6) * 3)


def test_activation_layers(tmp_path):
    inputs = dn.Input((3, 5))
    branches = [
        layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2)(inputs),
        layers.ReLU()(inputs),
        layers.LeakyReLU(negative_slope=0.05)(inputs),
        layers.ELU(alpha=0.7)(inputs),
        layers.PReLU(alpha_initializer="random_uniform")(inputs),
        layers.Softmax(axis=1)(inputs),
    ]
    model = dn.Model(inputs, layers.Concatenate()(branches))
    assert_exports(tmp_path, model, rand(2, 3, 5) * 2)


def test_normalization_and_reshaping(tmp_path):
    inputs = dn.Input((4, 6))
    h = layers.BatchNormalization(axis=1, momentum=0.5)(inputs)
    h = layers.LayerNormalization(axis=[1, 2])(h)
    h = layers.Dropout(0.5)(h)
    h = layers.Permute((2, 1))(h)
    h = layers.Reshape((3, -1))(h)
    h = layers.Flatten()(h)
    h = layers.RepeatVector(2)(layers.Dense(3)(h))
    model = dn.Model(inputs, h)
    x = rand(8, 4, 6)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((8, 2, 3), "float32"), epochs=1, verbose=0)  # moving statistics
    assert_exports(tmp_path, model, x)


def test_merges_and_dot(tmp_path):
    a, b = dn.Input((4,)), dn.Input((4,))
    out = layers.Concatenate()([
        layers.Subtract()([a, b]), layers.Multiply()([a, b, a]), layers.Average()([a, b]),
        layers.Maximum()([a, b]), layers.Minimum()([a, b]), layers.Add()([a, b, b]),
        layers.Dot(axes=1)([a, b]), layers.Dot(axes=-1, normalize=True)([a, b]),
    ])  # fmt: skip
    assert_exports(tmp_path, dn.Model([a, b], out), [rand(3, 4), rand(3, 4, seed=1)])


@pytest.mark.parametrize("padding, strides, size", [
    ("same", 2, 10), ("same", 3, 7), ("valid", 2, 9), ("same", 1, None),
])  # fmt: skip
def test_convolutions_and_pooling(tmp_path, padding, strides, size):
    inputs = dn.Input((size, size, 3))
    h = layers.Conv2D(4, 3, strides=strides, padding=padding, dilation_rate=1)(inputs)
    h = layers.Conv2D(4, 3, padding="same", groups=2, activation="relu")(h)
    h = layers.DepthwiseConv2D(2, padding=padding, depth_multiplier=2)(h)
    h = layers.MaxPooling2D(2, strides=1, padding=padding)(h)
    h = layers.AveragePooling2D(2, strides=1, padding=padding)(h)
    h = layers.SeparableConv2D(3, 2, padding="same")(h)
    model = dn.Model(inputs, layers.GlobalMaxPooling2D(keepdims=True)(h))
    assert_exports(tmp_path, model, rand(2, size or 8, size or 8, 3), tol=1e-4)


@pytest.mark.parametrize("padding, strides, output_padding", [
    ("valid", 2, None), ("same", 2, None), ("valid", 3, None), ("same", 2, 1), ("valid", 3, 2),
])  # fmt: skip
def test_transposed_convolutions(tmp_path, padding, strides, output_padding):
    inputs = dn.Input((5, 4, 2))
    h = layers.Conv2DTranspose(
        3, 2, strides=strides, padding=padding, output_padding=output_padding
    )(inputs)
    seq = layers.Reshape((-1, 3))(h)
    out = layers.Conv1DTranspose(
        2, 3, strides=strides, padding=padding, output_padding=output_padding
    )(seq)
    assert_exports(tmp_path, dn.Model(inputs, out), rand(2, 5, 4, 2), tol=1e-4)


def test_one_dimensional_and_channels_first(tmp_path):
    inputs = dn.Input((3, 12))
    h = layers.Conv1D(4, 3, padding="same", data_format="channels_first")(inputs)
    h = layers.Permute((2, 1))(h)
    h = layers.Conv1D(5, 3, padding="causal", dilation_rate=2)(h)
    h = layers.ZeroPadding1D((1, 2))(h)
    h = layers.Cropping1D((2, 1))(h)
    h = layers.UpSampling1D(2)(h)
    h = layers.MaxPooling1D(3, padding="same")(h)
    h = layers.SeparableConv1D(3, 2)(h)
    h = layers.DepthwiseConv1D(2)(h)
    h = layers.Conv2D(2, 2)(layers.Reshape((h.shape[1], 3, 1))(h))
    h = layers.ZeroPadding2D(((1, 0), (0, 2)))(h)
    h = layers.Cropping2D(((0, 1), (1, 0)))(h)
    h = layers.UpSampling2D((2, 1))(h)
    h = layers.AveragePooling2D(2, data_format="channels_first")(h)
    model = dn.Model(inputs, layers.GlobalAveragePooling2D(data_format="channels_first")(h))
    assert_exports(tmp_path, model, rand(2, 3, 12), tol=1e-4)


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_recurrent_options(tmp_path, cls):
    rnn = getattr(layers, cls)
    inputs = dn.Input((6, 3))
    backwards = rnn(4, go_backwards=True, return_sequences=True)(inputs)
    states = rnn(3, return_state=True, activation="relu")(inputs)
    both = layers.Bidirectional(rnn(2, return_sequences=True), merge_mode="ave")(backwards)
    pair = layers.Bidirectional(rnn(2), merge_mode=None)(inputs)
    outputs = [backwards, both, *states, *pair]
    if cls == "GRU":
        outputs.append(rnn(2, reset_after=False, use_bias=False)(inputs))
    assert_exports(tmp_path, dn.Model(inputs, outputs), rand(3, 6, 3), tol=1e-5)


def test_embedding_and_time_distributed(tmp_path):
    inputs = dn.Input((5,), dtype="int32")
    h = layers.Embedding(30, 4)(inputs)
    h = layers.TimeDistributed(layers.Dense(3, activation="tanh"))(h)
    h = layers.Bidirectional(layers.LSTM(2, return_sequences=True), merge_mode="mul")(h)
    model = dn.Model(inputs, layers.TimeDistributed(layers.Dense(1))(h))
    x = np.random.default_rng(0).integers(0, 30, (4, 5)).astype("int32")
    assert_exports(tmp_path, model, x)


def test_float64_model(tmp_path):
    dn.config.set_floatx("float64")
    model = dn.Sequential(
        [
            dn.Input((3,)),
            layers.Dense(4, activation="tanh"),
            layers.BatchNormalization(),
            layers.Dense(2),
        ]
    )
    assert_exports(tmp_path, model, rand(2, 3).astype("float64"), tol=1e-12)


def test_unsupported_layers_are_named(tmp_path):
    inputs = dn.Input((3,))
    model = dn.Model(inputs, layers.Lambda(lambda t: t * 2, name="doubler")(inputs))
    with pytest.raises(UnsupportedLayerError, match=r'"doubler" \(Lambda\) is not supported'):
        export(model, tmp_path / "m.onnx")
    masked = ZOO["masked"](dn)
    with pytest.raises(UnsupportedLayerError, match=r"Masking"):
        export(masked, tmp_path / "m.onnx")
    embedding = dn.Sequential(
        [dn.Input((3,), dtype="int32"), layers.Embedding(5, 2, mask_zero=True)]
    )
    with pytest.raises(UnsupportedLayerError, match="mask_zero"):
        export(embedding, tmp_path / "m.onnx")

    class Sub(dn.Model):
        def call(self, x):
            return x

    with pytest.raises(UnsupportedLayerError, match="subclassed"):
        export(Sub(), tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="opset"):
        export(ZOO["sequential"](dn), tmp_path / "m.onnx", opset=9)
    assert not (tmp_path / "m.onnx").exists()
