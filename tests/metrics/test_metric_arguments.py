"""The metrics added for the Keras catalogue: configs and function forms against Keras, bad
arguments and fractional sparse labels as clear ValueErrors."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum.losses as losses
import deepnum.metrics as metrics
from tests.conftest import reference


@pytest.fixture(scope="module")
def keras():
    return reference("keras")


CONFIGS = [
    ("IoU", {"num_classes": 3, "target_class_ids": [0, 2], "ignore_class": 1}),
    ("MeanIoU", {"num_classes": 4, "sparse_y_pred": False, "axis": 1}),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}),
    ("OneHotIoU", {"num_classes": 3, "target_class_ids": [1]}),
    ("OneHotMeanIoU", {"num_classes": 5, "name": "miou"}),
    ("R2Score", {"class_aggregation": None, "num_regressors": 2}),
    ("PearsonCorrelation", {"axis": 0}),
    ("ConcordanceCorrelation", {}),
    ("SensitivityAtSpecificity", {"specificity": 0.3, "class_id": 1}),
    ("SpecificityAtSensitivity", {"sensitivity": 0.9, "num_thresholds": 10}),
    ("PrecisionAtRecall", {"recall": 0.5}),
    ("RecallAtPrecision", {"precision": 0.7, "name": "rap"}),
]


@pytest.mark.parametrize("name, kwargs", CONFIGS)
def test_configs_match_keras_both_ways(keras, name, kwargs):
    ours = metrics.serialize(getattr(metrics, name)(**kwargs))
    theirs = keras.metrics.serialize(getattr(keras.metrics, name)(**kwargs))
    assert ours == theirs
    assert metrics.deserialize(theirs).get_config() == ours["config"]
    assert keras.metrics.deserialize(ours).get_config() == theirs["config"]


@pytest.mark.parametrize("name", ["pearson_correlation", "concordance_correlation"])
@pytest.mark.parametrize("axis", [-1, 0])
def test_correlation_functions_match_keras(keras, name, axis):
    rng = np.random.default_rng(0)
    y_true, y_pred = (rng.normal(size=(6, 5)).astype("float32") for _ in range(2))
    got = getattr(metrics, name)(y_true, y_pred, axis=axis)
    t, p = (keras.ops.convert_to_tensor(v) for v in (y_true, y_pred))
    want = getattr(keras.metrics, name)(t, p, axis=axis)
    np.testing.assert_allclose(got.numpy(), keras.ops.convert_to_numpy(want), rtol=1e-5)


def test_loss_function_forms_are_the_losses():
    for name in ("binary_focal_crossentropy", "categorical_focal_crossentropy", "huber",
                 "log_cosh", "squared_hinge", "categorical_hinge"):  # fmt: skip
        assert getattr(metrics, name) is getattr(losses, name)


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: metrics.IoU(3, [0, 3]), r"`target_class_ids` must list class ids in \[0, 3\)"),
        (lambda: metrics.R2Score(class_aggregation="median"), "class_aggregation='median'"),
        (lambda: metrics.R2Score(num_regressors=-1), "num_regressors=-1"),
        (lambda: metrics.PrecisionAtRecall(1.5), r"`recall` must be in the range \[0, 1\]"),
        (lambda: metrics.RecallAtPrecision(-0.1), "precision=-0.1"),
        (lambda: metrics.SensitivityAtSpecificity(0.5, num_thresholds=0), "num_thresholds=0"),
        (lambda: metrics.R2Score().update_state(np.zeros(3), np.zeros(3)), "2D inputs"),
    ],
)
def test_bad_arguments_name_themselves(build, match):
    with pytest.raises(ValueError, match=match):
        build()


SPARSE = [
    ("SparseCategoricalAccuracy", {}),
    ("SparseTopKCategoricalAccuracy", {"k": 2}),
    ("SparseCategoricalCrossentropy", {}),
    ("MeanIoU", {"num_classes": 3, "sparse_y_pred": False}),
    ("IoU", {"num_classes": 3, "target_class_ids": [1], "sparse_y_pred": False}),
]


@pytest.mark.parametrize("name, kwargs", SPARSE)
def test_fractional_sparse_labels_are_refused(name, kwargs):
    probs = np.array([[0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0.1, 0.1, 0.8]], "float32")
    with pytest.raises(ValueError, match="must be integer class indices.*fractional label 0.5"):
        getattr(metrics, name)(**kwargs).update_state(np.array([1.0, 0.5, 2.0]), probs)


@pytest.mark.parametrize("name, kwargs", SPARSE)
def test_whole_number_float_labels_match_keras(keras, name, kwargs):
    probs = np.array([[0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0.1, 0.1, 0.8]], "float32")
    labels = np.array([1.0, 2.0, 2.0], "float32")
    ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    ours.update_state(labels, probs)
    theirs.update_state(labels, probs)
    want = keras.ops.convert_to_numpy(theirs.result())
    np.testing.assert_allclose(ours.result().numpy(), want, rtol=1e-6)


@pytest.mark.parametrize("name", ["pearson_correlation", "concordance_correlation"])
def test_correlation_functions_are_differentiable(name):
    import deepnum as dn

    rng = np.random.default_rng(1)
    y_true, y_pred = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    fn = getattr(metrics, name)
    assert dn.check_grad(lambda p: fn(y_true, p).sum(), y_pred) < 1e-6
