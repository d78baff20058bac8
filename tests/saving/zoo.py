"""Models built with the same code in Keras 3 and deepnum (``import deepnum as keras``), one
per family of shared layers, for the interoperability tests."""

from __future__ import annotations

from typing import Any

import numpy as np


def dense_stack(k: Any) -> Any:
    inputs = k.Input((6,), name="x")
    h = k.layers.Dense(8, activation="relu", kernel_regularizer="l2")(inputs)
    h = k.layers.BatchNormalization()(h)
    h = k.layers.Dropout(0.3)(h)
    h = k.layers.LayerNormalization()(h)
    h = k.layers.Activation("tanh")(h)
    h = k.layers.ReLU(max_value=0.9, negative_slope=0.1)(h)
    h = k.layers.LeakyReLU(negative_slope=0.2)(h)
    h = k.layers.ELU()(h)
    h = k.layers.PReLU()(h)
    h = k.layers.Identity()(h)
    h = k.layers.Dense(4, use_bias=False)(h)
    outputs = k.layers.Softmax()(h)
    return k.Model(inputs, outputs, name="dense_stack")


def merges(k: Any) -> Any:
    a, b = k.Input((5,), name="a"), k.Input((5,), name="b")
    da, db = k.layers.Dense(4)(a), k.layers.Dense(4)(b)
    merged = [
        k.layers.Add()([da, db]),
        k.layers.Subtract()([da, db]),
        k.layers.Multiply()([da, db]),
        k.layers.Average()([da, db]),
        k.layers.Maximum()([da, db]),
        k.layers.Minimum()([da, db]),
        k.layers.Dot(axes=1)([da, db]),
    ]
    h = k.layers.Concatenate()(merged)
    out1 = k.layers.Dense(2, name="first")(h)
    out2 = k.layers.Dense(3, activation="sigmoid", name="second")(k.layers.Add()([h, h]))
    return k.Model([a, b], [out1, out2], name="merges")


def conv2d(k: Any) -> Any:
    inputs = k.Input((9, 9, 3))
    h = k.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    h = k.layers.DepthwiseConv2D(3, depth_multiplier=2)(h)
    h = k.layers.SeparableConv2D(5, 2, strides=2, padding="same")(h)
    h = k.layers.ZeroPadding2D(1)(h)
    h = k.layers.Cropping2D(((1, 0), (0, 1)))(h)
    h = k.layers.UpSampling2D(2)(h)
    h = k.layers.Conv2DTranspose(3, 3, strides=2, padding="same")(h)
    h = k.layers.MaxPooling2D()(h)
    h = k.layers.AveragePooling2D(2, padding="same")(h)
    h = k.layers.SpatialDropout2D(0.2)(h)
    pooled = k.layers.Concatenate()(
        [k.layers.GlobalAveragePooling2D()(h), k.layers.GlobalMaxPooling2D()(h)]
    )
    flat = k.layers.Flatten()(h)
    outputs = k.layers.Dense(2)(k.layers.Concatenate()([pooled, flat]))
    return k.Model(inputs, outputs, name="conv2d")


def conv1d(k: Any) -> Any:
    inputs = k.Input((12, 3))
    h = k.layers.Conv1D(4, 3, padding="causal")(inputs)
    h = k.layers.DepthwiseConv1D(2)(h)
    h = k.layers.SeparableConv1D(5, 3)(h)
    h = k.layers.Conv1DTranspose(3, 2, strides=2)(h)
    h = k.layers.MaxPooling1D()(h)
    h = k.layers.AveragePooling1D(2)(h)
    h = k.layers.ZeroPadding1D(2)(h)
    h = k.layers.Cropping1D((1, 0))(h)
    h = k.layers.UpSampling1D(2)(h)
    h = k.layers.SpatialDropout1D(0.2)(h)
    h = k.layers.Concatenate()(
        [k.layers.GlobalMaxPooling1D()(h), k.layers.GlobalAveragePooling1D()(h)]
    )
    return k.Model(inputs, k.layers.Dense(2)(h), name="conv1d")


def recurrent(k: Any) -> Any:
    inputs = k.Input((7,), dtype="int32")
    h = k.layers.Embedding(20, 4)(inputs)
    h = k.layers.SimpleRNN(5, return_sequences=True)(h)
    h = k.layers.LSTM(4, return_sequences=True)(h)
    h = k.layers.GRU(3, return_sequences=True)(h)
    h = k.layers.Bidirectional(k.layers.LSTM(3, return_sequences=True))(h)
    h = k.layers.TimeDistributed(k.layers.Dense(2))(h)
    h = k.layers.Permute((2, 1))(h)
    h = k.layers.Reshape((7, 2))(h)
    h = k.layers.GRU(3, reset_after=False)(h)
    h = k.layers.RepeatVector(2)(h)
    h = k.layers.Bidirectional(k.layers.SimpleRNN(2), merge_mode="sum")(h)
    return k.Model(inputs, h, name="recurrent")


def masked(k: Any) -> Any:
    inputs = k.Input((6, 3))
    h = k.layers.Masking(0.0)(inputs)
    h = k.layers.LSTM(4)(h)
    return k.Model(inputs, k.layers.Dense(1)(h), name="masked")


def nested(k: Any) -> Any:
    block = k.Sequential(
        [k.Input((4,)), k.layers.Dense(4, activation="relu"), k.layers.Dense(4)], name="block"
    )
    inputs = k.Input((4,))
    h = k.layers.Add()([block(inputs), inputs])  # residual
    inner_in = k.Input((4,))
    inner = k.Model(inner_in, k.layers.Dense(3)(inner_in), name="inner")
    return k.Model(inputs, inner(h), name="nested")


def volumetric(k: Any) -> Any:
    inputs = k.Input((4, 4, 4, 2))
    h = k.layers.SpatialDropout3D(0.3)(inputs)
    return k.Model(inputs, k.layers.Dense(2)(k.layers.Flatten()(h)), name="volumetric")


def sequential(k: Any) -> Any:
    return k.Sequential(
        [
            k.Input((5,)),
            k.layers.Dense(6, activation="relu"),
            k.layers.BatchNormalization(),
            k.layers.Dense(2, activation="softmax"),
        ],
        name="seq",
    )


ZOO = {
    f.__name__: f
    for f in (
        dense_stack,
        merges,
        conv2d,
        conv1d,
        recurrent,
        masked,
        nested,
        volumetric,
        sequential,
    )
}


def inputs_for(name: str, seed: int = 0) -> Any:
    """Random inputs for model ``name`` of the zoo."""
    rng = np.random.default_rng(seed)
    shapes = {
        "dense_stack": (6,),
        "conv2d": (9, 9, 3),
        "conv1d": (12, 3),
        "nested": (4,),
        "sequential": (5,),
        "masked": (6, 3),
        "volumetric": (4, 4, 4, 2),
    }
    if name == "merges":
        return [rng.standard_normal((3, 5)).astype("float32") for _ in range(2)]
    if name == "recurrent":
        return rng.integers(0, 20, size=(3, 7)).astype("int32")
    x = rng.standard_normal((3,) + shapes[name]).astype("float32")
    if name == "masked":
        x[:, 4:] = 0.0
    return x
