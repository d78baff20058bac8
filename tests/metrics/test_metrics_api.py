"""metrics.get and friends: Keras names, resolving "accuracy", configs, argument errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import deepnum.losses as losses
import deepnum.metrics as metrics


@pytest.mark.parametrize(
    "name, cls",
    [
        ("accuracy", metrics.Accuracy),
        ("acc", metrics.Accuracy),
        ("mse", metrics.MeanSquaredError),
        ("MAE", metrics.MeanAbsoluteError),
        ("mape", metrics.MeanAbsolutePercentageError),
        ("msle", metrics.MeanSquaredLogarithmicError),
        ("binary_accuracy", metrics.BinaryAccuracy),
        ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy),
        ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
        ("AUC", metrics.AUC),
        ("auc", metrics.AUC),
        ("precision", metrics.Precision),
        ("Recall", metrics.Recall),
        ("f1_score", metrics.F1Score),
        ("root_mean_squared_error", metrics.RootMeanSquaredError),
        ("binary_crossentropy", metrics.BinaryCrossentropy),
    ],
)
def test_get_resolves_keras_names(name, cls):
    assert type(metrics.get(name)) is cls


def test_get_passes_objects_through_and_rejects_unknown_names():
    m = metrics.Mean()
    assert metrics.get(m) is m
    assert metrics.get(metrics.binary_accuracy) is metrics.binary_accuracy
    assert metrics.get(None) is None
    with pytest.raises(ValueError, match="Did you mean 'accuracy'"):
        metrics.get("acuracy")


@pytest.mark.parametrize(
    "loss, expected",
    [
        ("binary_crossentropy", metrics.BinaryAccuracy),
        (losses.BinaryCrossentropy(from_logits=True), metrics.BinaryAccuracy),
        (losses.binary_focal_crossentropy, metrics.BinaryAccuracy),
        ("sparse_categorical_crossentropy", metrics.SparseCategoricalAccuracy),
        (losses.SparseCategoricalCrossentropy(), metrics.SparseCategoricalAccuracy),
        ("CategoricalCrossentropy", metrics.CategoricalAccuracy),
        (losses.categorical_crossentropy, metrics.CategoricalAccuracy),
        (losses.KLDivergence(), metrics.CategoricalAccuracy),
        ("mse", metrics.CategoricalAccuracy),
        (None, metrics.CategoricalAccuracy),
    ],
)
def test_resolve_accuracy_from_the_loss(loss, expected):
    metric = metrics.resolve_accuracy(loss)
    assert type(metric) is expected and metric.name == "accuracy"


@pytest.mark.parametrize(
    "y_true, y_pred, expected",
    [
        ((8, 1), (8, 1), metrics.BinaryAccuracy),
        ((8,), (8, 10), metrics.SparseCategoricalAccuracy),
        ((8, 1), (8, 10), metrics.SparseCategoricalAccuracy),
        ((8, 10), (8, 10), metrics.CategoricalAccuracy),
    ],
)
def test_resolve_accuracy_from_shapes_like_keras_compile(y_true, y_pred, expected):
    # Shapes decide when given (Keras 3's rule), whatever the loss says.
    metric = metrics.resolve_accuracy("binary_crossentropy", np.zeros(y_true), np.zeros(y_pred))
    assert type(metric) is expected


def test_get_metric_like_keras_compile_utils():
    m = metrics.get_metric("acc", np.zeros((4,)), np.zeros((4, 3)))
    assert type(m) is metrics.SparseCategoricalAccuracy and m.name == "acc"
    m = metrics.get_metric(losses.mean_absolute_error)
    assert isinstance(m, metrics.MeanMetricWrapper) and m.name == "mean_absolute_error"
    m.update_state([[1.0, 2.0]], [[1.5, 2.0]])
    assert float(m.result()) == 0.25
    assert metrics.get_metric("mse").name == "mse"


def test_serialize_round_trip_through_json():
    for metric in (
        metrics.AUC(num_thresholds=50, curve="PR", multi_label=True, label_weights=[1, 2]),
        metrics.AUC(thresholds=[0.2, 0.7]),
        metrics.Precision(thresholds=[0.3, 0.6], top_k=2, class_id=1, name="p"),
        metrics.F1Score(average="macro", threshold=0.4),
        metrics.SparseTopKCategoricalAccuracy(k=3),
        metrics.BinaryAccuracy(threshold=0.7),
        metrics.MeanMetricWrapper(losses.mean_squared_error, name="my_mse"),
        metrics.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
    ):
        config = json.loads(json.dumps(metrics.serialize(metric)))
        again = metrics.deserialize(config)
        assert type(again) is type(metric) and again.get_config() == metric.get_config()
    with pytest.raises(ValueError, match="Could not locate class .builtins.eval.*custom_objects"):
        metrics.deserialize({"class_name": "builtins.eval", "config": {}})


def test_reads_keras_configs():
    from tests.conftest import reference

    keras = reference("keras")
    for ref in (keras.metrics.AUC(curve="PR"), keras.metrics.Precision(thresholds=0.3)):
        ours = metrics.deserialize(keras.metrics.serialize(ref))
        assert type(ours).__name__ == type(ref).__name__
        assert ours.get_config() == ref.get_config()


def test_argument_errors():
    with pytest.raises(ValueError, match="Threshold values must be in"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="Invalid AUC curve"):
        metrics.AUC(curve="ROCC")
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="`beta`"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="2D inputs"):
        metrics.F1Score().update_state(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="class_id"):
        metrics.Recall(class_id=0).update_state(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="rank 2"):
        metrics.AUC(multi_label=True).update_state(np.zeros(4), np.zeros(4))


def test_direction_matches_keras():
    from tests.conftest import reference

    keras = reference("keras")
    for name in ("accuracy", "mse", "AUC", "Precision", "RootMeanSquaredError", "bce", "Mean"):
        ours, theirs = metrics.get(name), keras.metrics.get(name)
        assert ours._direction == getattr(theirs, "_direction", None), name
