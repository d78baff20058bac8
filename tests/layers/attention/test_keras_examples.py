"""keras.io's Transformer text classifier and Vision Transformer, as the examples write them
(``examples/transformer_sentiment.py``, ``examples/vit_fashion_mnist.py``: keras.io's code with
``import deepnum as keras``), built again from the same source with Keras 3 (torch backend):
with Keras's weights deepnum gives Keras's outputs, and deepnum trains them."""

from __future__ import annotations

import os
import runpy

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples")
BEGIN, END = "keras.io's code (begin)", "keras.io's code (end)"  # the examples' markers


def both(script):
    """The example's namespace in deepnum, and its keras.io part run with Keras instead."""
    path = os.path.join(EXAMPLES, script)
    ours = runpy.run_path(path, run_name="example")
    with open(path, encoding="utf-8") as f:
        source = f.read()
    assert "import deepnum as keras\nfrom deepnum import layers, ops\n" in source
    start = source.index("\n", source.index(BEGIN))
    code = "import keras\nfrom keras import layers, ops\n" + source[start : source.index(END)]
    reference("keras")
    theirs: dict = {}
    exec(compile(code, path, "exec"), theirs)
    return ours, theirs


def same_outputs_then_training(ours, theirs, build, x, y, loss):
    k_model, d_model = build(theirs), build(ours)
    assert d_model.count_params() == k_model.count_params()
    d_model.set_weights([np.asarray(w) for w in k_model.get_weights()])
    want = np.asarray(k_model.predict(x, verbose=0))
    np.testing.assert_allclose(d_model.predict(x, verbose=0), want, rtol=1e-4, atol=1e-5)
    d_model.compile(optimizer=dn.optimizers.Adam(0.005), loss=loss)
    first = d_model.evaluate(x, y, verbose=0)
    d_model.fit(x, y, batch_size=32, epochs=25, verbose=0)
    assert d_model.evaluate(x, y, verbose=0) < 0.7 * first


def test_text_classification_with_transformer():
    ours, theirs = both("transformer_sentiment.py")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 50, (32, 12)).astype("float32")
    y = (x[:, :6].mean(1) > 25).astype("int64")
    same_outputs_then_training(
        ours, theirs, lambda ns: ns["create_classifier"](12, 50, 8, 2, 8), x, y,
        "sparse_categorical_crossentropy",
    )  # fmt: skip


def test_vision_transformer():
    ours, theirs = both("vit_fashion_mnist.py")
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 32)
    x = rng.random((32, 12, 12, 1)).astype("float32") * 0.5
    x[:, :6] += 0.5 * y[:, None, None, None]  # class 1: a bright top half

    def build(ns):
        return ns["create_vit_classifier"](
            (12, 12, 1), 2, 4, projection_dim=8, num_heads=2, mlp_head_units=(16,)
        )

    loss = dn.losses.SparseCategoricalCrossentropy(from_logits=True)
    same_outputs_then_training(ours, theirs, build, x, y, loss)


@pytest.mark.parametrize("script", ["transformer_sentiment.py", "vit_fashion_mnist.py"])
def test_the_example_is_keras_code_with_the_import_changed(script):
    with open(os.path.join(EXAMPLES, script), encoding="utf-8") as f:
        source = f.read()
    part = source[source.index(BEGIN) : source.index(END)]
    assert "deepnum" not in part and "dn." not in part
