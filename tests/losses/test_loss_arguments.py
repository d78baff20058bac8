"""Bad loss arguments are ValueErrors naming the argument, the allowed range and the value;
values Keras accepts (whole-number float labels) still give Keras's results."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum.losses as losses
from tests.losses.conftest import make_inputs, to_numpy

SMOOTHED = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "BinaryFocalCrossentropy",
    "CategoricalFocalCrossentropy",
]
SMOOTHED_FUNCTIONS = [
    "binary_crossentropy",
    "categorical_crossentropy",
    "binary_focal_crossentropy",
    "categorical_focal_crossentropy",
]


@pytest.mark.parametrize("name", SMOOTHED + SMOOTHED_FUNCTIONS)
@pytest.mark.parametrize("value", [-0.1, 1.5, "0.1"])
def test_label_smoothing_outside_0_1(name, value):
    match = rf"{name}: argument `label_smoothing` must be a float in \[0, 1\].*{value!r}"
    with pytest.raises(ValueError, match=match):
        if name[0].isupper():
            getattr(losses, name)(label_smoothing=value)
        else:
            y_true, y_pred = make_inputs("categorical_probs")
            getattr(losses, name)(y_true, y_pred, label_smoothing=value)


@pytest.mark.parametrize(
    "build",
    [
        lambda d: losses.Huber(delta=d),
        lambda d: losses.huber(np.zeros((2, 2)), np.ones((2, 2)), delta=d),
    ],
    ids=["Huber", "huber"],
)
@pytest.mark.parametrize("delta", [0.0, -1.0])
def test_huber_delta_must_be_positive(build, delta):
    with pytest.raises(ValueError, match=rf"argument `delta` must be a float > 0.*delta={delta}"):
        build(delta)


def test_generalized_cross_entropy_q_in_open_interval():
    for q in (0.0, 1.0, -0.5):
        with pytest.raises(ValueError, match=rf"`q` must be a float in the open interval.*q={q}"):
            losses.CategoricalGeneralizedCrossEntropy(q=q)


SPARSE = [
    lambda t, p: losses.sparse_categorical_crossentropy(t, p),
    lambda t, p: losses.SparseCategoricalCrossentropy()(t, p),
    lambda t, p: losses.SparseCategoricalCrossentropy(from_logits=True)(t, p),
    lambda t, p: losses.categorical_generalized_cross_entropy(t, p, q=0.5),
    lambda t, p: losses.CategoricalGeneralizedCrossEntropy()(t, p),
]
SPARSE_IDS = ["scce", "SparseCategoricalCrossentropy", "from_logits", "gce", "GCE"]


@pytest.mark.parametrize("loss", SPARSE, ids=SPARSE_IDS)
def test_fractional_sparse_labels_are_refused(loss):
    labels, probs = make_inputs("sparse_probs")
    fractional = labels.astype("float32")
    fractional[2] = 1.5
    with pytest.raises(ValueError, match="must be integer class indices.*fractional label 1.5"):
        loss(fractional, probs)


@pytest.mark.parametrize("loss", SPARSE, ids=SPARSE_IDS)
def test_whole_number_float_labels_work_as_in_keras(keras, loss):
    labels, probs = make_inputs("sparse_probs")
    np.testing.assert_array_equal(
        loss(labels.astype("float32"), probs).numpy(), loss(labels, probs).numpy()
    )
    want = keras.losses.SparseCategoricalCrossentropy()(labels.astype("float32"), probs)
    got = losses.SparseCategoricalCrossentropy()(labels.astype("float32"), probs)
    np.testing.assert_allclose(got.numpy(), to_numpy(keras, want), rtol=1e-6)


def test_fractional_circle_labels_are_refused():
    labels, embeddings = make_inputs("embeddings")
    with pytest.raises(ValueError, match="circle: labels .* fractional label 0.5"):
        losses.circle(labels + 0.5, embeddings)
