"""Legacy Keras ``.h5`` files: Keras 3's legacy writer and hand-made Keras 2 files (model config
in the ``model_config`` attribute, weights under ``model_weights``)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference
from tests.saving.zoo import ZOO, inputs_for

keras = reference("keras")
h5py = reference("h5py")


def test_keras3_legacy_file_loads_compiled(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((6, 5)).astype("float32"), rng.random((6, 2)).astype("float32")
    k_model = ZOO["sequential"](keras)
    k_model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    k_model.train_on_batch(x, y)
    k_model.save(tmp_path / "m.h5")
    d_model = dn.models.load_model(tmp_path / "m.h5")
    np.testing.assert_allclose(
        d_model.predict(x, verbose=0), k_model.predict(x, verbose=0), rtol=1e-5, atol=1e-6
    )
    assert d_model.compiled and int(d_model.optimizer.iterations) == 1
    k_model.train_on_batch(x, y)
    d_model.train_on_batch(x, y)
    for a, b in zip(k_model.get_weights(), d_model.get_weights()):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-5, atol=1e-6)


def test_keras3_legacy_functional(tmp_path):
    k_model = ZOO["merges"](keras)
    k_model.save(tmp_path / "m.h5")
    d_model = dn.models.load_model(tmp_path / "m.h5")
    x = inputs_for("merges")
    for a, b in zip(k_model.predict(x, verbose=0), d_model.predict(x, verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def keras2_file(path, class_name="Dense", kernel_shape=(3, 2)):
    """A Keras 2.x (tf.keras) Functional model file, written by hand with h5py."""
    config = {
        "class_name": "Functional",
        "config": {
            "name": "model",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "config": {"batch_input_shape": [None, 3], "dtype": "float32",
                               "sparse": False, "ragged": False, "name": "input_1"},
                    "name": "input_1",
                    "inbound_nodes": [],
                },
                {
                    "class_name": class_name,
                    "config": {"name": "dense", "trainable": True, "dtype": "float32",
                               "units": 2, "activation": "relu", "use_bias": True,
                               "kernel_initializer": {"class_name": "GlorotUniform",
                                                      "config": {"seed": None}},
                               "bias_initializer": {"class_name": "Zeros", "config": {}},
                               "kernel_regularizer": None, "bias_regularizer": None,
                               "activity_regularizer": None, "kernel_constraint": None,
                               "bias_constraint": None},
                    "name": "dense",
                    "inbound_nodes": [[["input_1", 0, 0, {}]]],
                },
            ],
            "input_layers": [["input_1", 0, 0]],
            "output_layers": [["dense", 0, 0]],
        },
    }  # fmt: skip
    kernel = np.arange(np.prod(kernel_shape), dtype="float32").reshape(kernel_shape) / 10 - 0.2
    bias = np.array([0.1, -0.3], "float32")
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.12.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["training_config"] = json.dumps({
            "loss": "mse", "metrics": None, "loss_weights": None,
            "optimizer_config": {"class_name": "SGD", "config": {
                "name": "SGD", "learning_rate": 0.1, "momentum": 0.0, "nesterov": False,
                "decay": 0.0, "is_legacy_optimizer": False, "jit_compile": False}},
        })  # fmt: skip
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = [b"input_1", b"dense"]
        weights.create_group("input_1").attrs["weight_names"] = []
        dense = weights.create_group("dense")
        dense.attrs["weight_names"] = [b"dense/kernel:0", b"dense/bias:0"]
        dense["dense/kernel:0"] = kernel
        dense["dense/bias:0"] = bias
    return kernel, bias


def test_keras2_file_loads(tmp_path):
    kernel, bias = keras2_file(tmp_path / "k2.h5")
    model = dn.models.load_model(tmp_path / "k2.h5")
    x = np.random.default_rng(1).standard_normal((4, 3)).astype("float32")
    np.testing.assert_allclose(
        model.predict(x, verbose=0), np.maximum(x @ kernel + bias, 0), rtol=1e-6
    )
    assert model.compiled and type(model.optimizer).__name__ == "SGD"


def test_keras2_weights_only_file(tmp_path):
    kernel, _ = keras2_file(tmp_path / "k2.h5")
    model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(2)])
    model.load_weights(tmp_path / "k2.h5")
    np.testing.assert_array_equal(model.get_weights()[0], kernel)
    with h5py.File(tmp_path / "weights_only.h5", "w") as f:
        f.attrs["layer_names"] = [b"dense"]
        g = f.create_group("dense")
        g.attrs["weight_names"] = [b"dense/kernel:0", b"dense/bias:0"]
        g["dense/kernel:0"] = kernel
        g["dense/bias:0"] = np.zeros(2, "float32")
    with pytest.raises(ValueError, match=r"weights_only\.h5: no model config.*load_weights"):
        dn.models.load_model(tmp_path / "weights_only.h5")
    model.load_weights(tmp_path / "weights_only.h5")
    np.testing.assert_array_equal(model.get_weights()[1], 0.0)


def test_keras2_unknown_class_is_a_clear_error(tmp_path):
    keras2_file(tmp_path / "k2.h5", class_name="CuDNNLSTM")
    with pytest.raises(ValueError, match=r"k2\.h5: cannot rebuild.*Unknown class 'CuDNNLSTM'"):
        dn.models.load_model(tmp_path / "k2.h5")


def test_keras2_shape_mismatch_names_both_shapes(tmp_path):
    keras2_file(tmp_path / "k2.h5", kernel_shape=(4, 2))
    with pytest.raises(ValueError, match=r"k2\.h5: shape mismatch.*\(4, 2\).*\(3, 2\)"):
        dn.models.load_model(tmp_path / "k2.h5")
