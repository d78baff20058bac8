"""Transfer learning with an application as the base, as Keras's transfer-learning guide does
it, run by deepnum and by Keras 3 (torch backend) from the same weights on the same data:

1. feature extraction: ``base.trainable = False``, the base called with ``training=False``, a
   new Dense head trained with ``fit``: the base's weights (BatchNormalization's moving
   statistics included) stay bit-identical;
2. fine-tuning of the top blocks: ``base.trainable = True``, the layers below the last block
   frozen again, recompiled with a low learning rate and fitted: frozen BatchNormalization
   layers run in inference mode (Keras 3: ``training and self.trainable``) and keep their
   statistics, while the unfrozen ones see the outer ``fit``'s ``training=True`` (Keras 3's
   Functional passes it over the recorded ``training=False``) and update theirs.

Every loss and every weight after each phase equals Keras's to float32 tolerance."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

import deepnum as dn
from tests.applications.reference import fast_truncated_normal, randomize

SHAPE = (32, 32, 3)
CLASSES = 3
FINE_TUNE_AT = "block_16_expand"  # the first layer of MobileNetV2's last block


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (8,) + SHAPE).astype("float32")  # MobileNetV2's [-1, 1] inputs
    return x, rng.integers(0, CLASSES, 8).astype("int32")


def base_weights(base: Any, to_np: Any) -> dict[tuple[str, int], np.ndarray]:
    """Every weight of ``base`` (trainable or not) keyed by (layer name, index in the layer)."""
    return {
        (layer.name, i): np.array(to_np(w))
        for layer in base.layers
        for i, w in enumerate(layer.weights)
    }


def recipe(lib: Any, base: Any, weights: list, to_np: Any) -> dict[str, Any]:
    """The guide's two phases on ``base``, starting from ``weights`` (the whole model's)."""
    x, y = data()
    base.trainable = False
    inputs = lib.Input(SHAPE)
    features = base(inputs, training=False)  # the base runs in inference mode
    features = lib.layers.GlobalAveragePooling2D()(features)
    model = lib.Model(inputs, lib.layers.Dense(CLASSES)(features))
    model.set_weights(weights)
    out_head = [np.array(to_np(w)) for w in model.layers[-1].weights]
    loss = lib.losses.SparseCategoricalCrossentropy(from_logits=True)
    out: dict[str, Any] = {"before": base_weights(base, to_np), "head0": out_head}
    out["trainable_counts"] = [(len(model.trainable_weights), len(model.non_trainable_weights))]

    model.compile(optimizer=lib.optimizers.SGD(0.1), loss=loss)
    fit = dict(batch_size=4, epochs=2, shuffle=False, verbose=0)
    out["frozen_loss"] = model.fit(x, y, **fit).history["loss"]
    out["frozen"] = base_weights(base, to_np)
    out["head"] = [np.array(to_np(w)) for w in model.layers[-1].weights]

    base.trainable = True
    names = [layer.name for layer in base.layers]
    for layer in base.layers[: names.index(FINE_TUNE_AT)]:
        layer.trainable = False
    out["trainable_counts"].append((len(model.trainable_weights), len(model.non_trainable_weights)))
    model.compile(optimizer=lib.optimizers.SGD(1e-3), loss=loss)  # a low learning rate
    out["tuned_loss"] = model.fit(x, y, **fit).history["loss"]
    out["tuned"] = base_weights(base, to_np)
    out["trainable"] = {layer.name: layer.trainable for layer in base.layers}
    out["bn"] = {l.name for l in base.layers if type(l).__name__ == "BatchNormalization"}
    return out


@functools.cache
def runs() -> tuple[dict, dict]:
    """The recipe run by Keras and by deepnum (once per process: each test reads a part)."""
    from tests.conftest import reference

    keras = reference("keras")
    keras.backend.clear_session()
    with fast_truncated_normal():
        k_base = keras.applications.MobileNetV2(
            input_shape=SHAPE, alpha=0.35, include_top=False, weights=None
        )
    randomize(k_base)
    k_weights = [keras.ops.convert_to_numpy(w) for w in _keras_head_model(keras, k_base).weights]
    theirs = recipe(keras, k_base, k_weights, keras.ops.convert_to_numpy)
    dn.backend.clear_session()
    d_base = dn.applications.MobileNetV2(
        input_shape=SHAPE, alpha=0.35, include_top=False, weights=None
    )
    ours = recipe(dn, d_base, k_weights, np.asarray)
    return ours, theirs


def _keras_head_model(keras: Any, base: Any) -> Any:
    """A throwaway model of the recipe's layout, for the head's initial weights."""
    inputs = keras.Input(SHAPE)
    features = keras.layers.GlobalAveragePooling2D()(base(inputs))
    return keras.Model(inputs, keras.layers.Dense(CLASSES)(features))


def bn_statistics(run: dict, frozen: bool) -> dict:
    """The moving mean and variance (indices 2 and 3) of BatchNormalization layers that were
    frozen (``frozen=True``) or unfrozen during fine-tuning."""
    return {
        key: value
        for key, value in run["tuned"].items()
        if key[0] in run["bn"] and key[1] >= 2 and run["trainable"][key[0]] != frozen
    }


def test_frozen_base_is_bit_identical_after_fit():
    ours, theirs = runs()
    assert len(ours["before"]) == len(theirs["before"]) > 200
    for key, value in ours["before"].items():
        assert np.array_equal(ours["frozen"][key], value), key
    # the head did train, and as Keras's did
    assert ours["trainable_counts"][0] == theirs["trainable_counts"][0] == (2, 260)
    np.testing.assert_allclose(ours["frozen_loss"], theirs["frozen_loss"], rtol=1e-5)
    for got, expected in zip(ours["head"], theirs["head"]):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
    assert not any(np.array_equal(a, b) for a, b in zip(ours["head"], ours["head0"]))


def test_fine_tuning_keeps_frozen_batch_norm_in_inference_mode():
    ours, theirs = runs()
    assert ours["trainable"] == theirs["trainable"]
    assert ours["trainable_counts"][1] == theirs["trainable_counts"][1]
    frozen = bn_statistics(ours, frozen=True)
    assert len(frozen) == 2 * 48
    for key, value in frozen.items():
        assert np.array_equal(value, ours["before"][key]), key
    unfrozen = bn_statistics(ours, frozen=False)
    assert len(unfrozen) == 2 * 4  # block_16's three BN layers and Conv_1_bn
    for key, value in unfrozen.items():
        assert not np.array_equal(value, ours["frozen"][key]), key


@pytest.mark.parametrize("phase", ["frozen", "tuned"])
def test_transfer_phases_match_keras(phase):
    ours, theirs = runs()
    np.testing.assert_allclose(ours[f"{phase}_loss"], theirs[f"{phase}_loss"], rtol=1e-4)
    assert ours[phase].keys() == theirs[phase].keys()
    for key, value in ours[phase].items():
        np.testing.assert_allclose(value, theirs[phase][key], rtol=1e-4, atol=1e-5, err_msg=key)
