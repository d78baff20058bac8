"""Every metric against Keras 3: several weighted batches, result, reset_state, another batch."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import deepnum as dn
import deepnum.metrics as metrics
from tests.conftest import reference

N, C = 16, 4


@pytest.fixture(scope="module")
def keras():
    return reference("keras")


def _batch(kind: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.integers(0, C, N)
    probs = rng.dirichlet(np.ones(C), N).astype("float32")
    if kind == "binary":
        return rng.integers(0, 2, (N, 1)).astype("float32"), rng.uniform(0.01, 0.99, (N, 1)).astype(
            "float32"
        )
    if kind == "multilabel":
        return rng.integers(0, 2, (N, C)).astype("float32"), rng.uniform(0.01, 0.99, (N, C)).astype(
            "float32"
        )
    if kind == "logits":
        return rng.integers(0, 2, (N, C)).astype("float32"), rng.normal(0, 3, (N, C)).astype(
            "float32"
        )
    if kind == "categorical":
        return np.eye(C, dtype="float32")[labels], probs
    if kind == "sparse":
        return labels, probs
    if kind == "sparse_column":
        return labels[:, None], probs
    if kind == "integers":
        return labels[:, None], rng.integers(0, C, (N, 1))
    if kind == "regression":
        return rng.normal(size=(N, C)).astype("float32"), rng.normal(size=(N, C)).astype("float32")
    if kind == "positive":
        return rng.uniform(0.1, 3, (N, C)).astype("float32"), rng.uniform(0.1, 3, (N, C)).astype(
            "float32"
        )
    raise ValueError(kind)


# (class name, constructor kwargs, kind of batch)
CASES = [
    ("Accuracy", {}, "integers"),
    ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.7}, "multilabel"),
    ("CategoricalAccuracy", {}, "categorical"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("SparseCategoricalAccuracy", {}, "sparse_column"),
    ("TopKCategoricalAccuracy", {"k": 2}, "categorical"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse_column"),
    ("Precision", {}, "binary"),
    ("Precision", {"thresholds": [0.3, 0.5, 0.8]}, "multilabel"),
    ("Precision", {"thresholds": [0.0, 0.5, 1.0]}, "multilabel"),
    ("Precision", {"top_k": 2}, "multilabel"),
    ("Precision", {"class_id": 1}, "multilabel"),
    ("Precision", {"top_k": 2, "class_id": 2}, "multilabel"),
    ("Recall", {}, "binary"),
    ("Recall", {"thresholds": [0.2, 0.6]}, "multilabel"),
    ("Recall", {"top_k": 1}, "multilabel"),
    ("Recall", {"class_id": 3, "thresholds": 0.4}, "multilabel"),
    ("TruePositives", {}, "binary"),
    ("FalsePositives", {"thresholds": [0.25, 0.75]}, "multilabel"),
    ("TrueNegatives", {}, "multilabel"),
    ("FalseNegatives", {}, "binary"),
    ("AUC", {}, "binary"),
    ("AUC", {"num_thresholds": 37}, "multilabel"),
    ("AUC", {"curve": "PR"}, "multilabel"),
    ("AUC", {"summation_method": "majoring"}, "binary"),
    ("AUC", {"curve": "PR", "summation_method": "minoring"}, "binary"),
    ("AUC", {"thresholds": [0.1, 0.4, 0.45, 0.8]}, "multilabel"),
    ("AUC", {"multi_label": True}, "multilabel"),
    ("AUC", {"multi_label": True, "curve": "PR", "label_weights": [1, 2, 0, 1]}, "multilabel"),
    ("AUC", {"label_weights": [0.5, 1, 2, 1]}, "multilabel"),
    ("AUC", {"from_logits": True}, "logits"),
    ("AUC", {"curve": "PRGAIN"}, "multilabel"),
    ("F1Score", {}, "categorical"),
    ("F1Score", {"average": "micro", "threshold": 0.5}, "multilabel"),
    ("F1Score", {"average": "macro"}, "categorical"),
    ("F1Score", {"average": "weighted", "threshold": 0.4}, "multilabel"),
    ("FBetaScore", {"beta": 2.0, "threshold": 0.5}, "multilabel"),
    ("MeanSquaredError", {}, "regression"),
    ("MeanAbsoluteError", {}, "regression"),
    ("RootMeanSquaredError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("CosineSimilarity", {}, "regression"),
    ("LogCoshError", {}, "regression"),
    ("BinaryCrossentropy", {}, "multilabel"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "logits"),
    ("CategoricalCrossentropy", {}, "categorical"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", {"ignore_class": 1}, "sparse"),
    ("KLDivergence", {}, "categorical"),
    ("Poisson", {}, "positive"),
    ("Hinge", {}, "multilabel"),
    ("SquaredHinge", {}, "regression"),
    ("CategoricalHinge", {}, "categorical"),
    ("IoU", {"num_classes": C, "target_class_ids": [0, 2]}, "integers"),
    ("IoU", {"num_classes": C, "target_class_ids": [1], "dtype": "float32"}, "integers"),
    ("IoU", {"num_classes": C, "target_class_ids": [0, 1, 3], "ignore_class": 2}, "integers"),
    ("IoU", {"num_classes": C, "target_class_ids": [1, 2], "sparse_y_pred": False}, "sparse"),
    ("MeanIoU", {"num_classes": C}, "integers"),
    ("MeanIoU", {"num_classes": C, "sparse_y_true": False, "sparse_y_pred": False}, "categorical"),
    ("BinaryIoU", {}, "binary"),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "binary"),
    ("OneHotIoU", {"num_classes": C, "target_class_ids": [0, 3]}, "categorical"),
    ("OneHotMeanIoU", {"num_classes": C, "ignore_class": 1}, "categorical"),
    ("R2Score", {}, "regression"),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, "regression"),
    ("R2Score", {"class_aggregation": None, "num_regressors": 3}, "regression"),
    ("PearsonCorrelation", {}, "regression"),
    ("ConcordanceCorrelation", {}, "regression"),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, "binary"),
    ("SensitivityAtSpecificity", {"specificity": 0.8, "class_id": 2}, "multilabel"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.4, "num_thresholds": 50}, "binary"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.6, "num_thresholds": 1}, "multilabel"),
    ("PrecisionAtRecall", {"recall": 0.7}, "multilabel"),
    ("PrecisionAtRecall", {"recall": 0.3, "class_id": 1, "num_thresholds": 20}, "multilabel"),
    ("RecallAtPrecision", {"precision": 0.6}, "binary"),
    ("RecallAtPrecision", {"precision": 0.4, "num_thresholds": 3}, "multilabel"),
]
IDS = [f"{c[0]}-{'-'.join(f'{k}={v}' for k, v in c[1].items()) or 'default'}-{c[2]}" for c in CASES]


def _run(metric, batches, weights, convert):
    for (y_true, y_pred), sw in zip(batches, weights):
        metric.update_state(y_true, y_pred, sample_weight=sw)
    return convert(metric.result())


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_keras(keras, case):
    name, kwargs, kind = case
    rng = np.random.default_rng(zlib.crc32(str(case).encode()))
    batches = [_batch(kind, rng) for _ in range(3)]
    weights = [None, rng.uniform(0, 2, N).astype("float32"), rng.integers(0, 2, N)]
    ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)

    def to_np(x):
        return np.asarray(keras.ops.convert_to_numpy(x))

    tol = {"rtol": 1e-5, "atol": 1e-6}
    got = _run(ours, batches, weights, lambda r: r.numpy())
    np.testing.assert_allclose(got, _run(theirs, batches, weights, to_np), **tol)
    ours.reset_state()
    theirs.reset_state()
    assert all(np.all(v.numpy() == 0) for v in ours.variables)
    extra = [_batch(kind, rng)]
    got = _run(ours, extra, [weights[1]], lambda r: r.numpy())
    np.testing.assert_allclose(got, _run(theirs, extra, [weights[1]], to_np), **tol)


def test_mean_and_sum_match_keras(keras):
    rng = np.random.default_rng(0)
    for cls in ("Mean", "Sum"):
        ours, theirs = getattr(metrics, cls)(), getattr(keras.metrics, cls)()
        for values, sw in (
            (rng.normal(size=8), None),
            (rng.normal(size=(8, 3)), rng.uniform(size=8)),
            (rng.normal(size=(8, 3)), rng.uniform(size=(8, 3))),
            (rng.normal(size=(8, 3, 2)), rng.uniform(size=(8, 1))),
            (2.5, None),
        ):
            ours.update_state(values, sample_weight=sw)
            theirs.update_state(values, sample_weight=sw)
            want = keras.ops.convert_to_numpy(theirs.result())
            np.testing.assert_allclose(ours.result().numpy(), want, rtol=1e-6)


def test_metric_of_tensors_needs_no_gradient():
    y_pred = dn.tensor(np.array([[0.2, 0.8], [0.6, 0.4]]), requires_grad=True)
    m = metrics.MeanSquaredError()
    value = m(np.array([[0.0, 1.0], [1.0, 0.0]]), y_pred)
    assert value.creator is None and not value.requires_grad
    assert float(value) == pytest.approx(0.1, rel=1e-6)


def test_variables_are_saveable_state():
    m = metrics.AUC(num_thresholds=10)
    assert [v.name for v in m.variables] == [
        "true_positives",
        "false_positives",
        "true_negatives",
        "false_negatives",
    ]
    assert all(isinstance(v, dn.Variable) and not v.trainable for v in m.variables)
    assert m.variables[0].path == "auc/true_positives" and m.variables[0].shape == (10,)
    m.update_state([0, 1, 1], [0.2, 0.9, 0.4])
    clone = metrics.AUC(num_thresholds=10)
    for v, w in zip(clone.variables, m.variables):
        v.assign(w.numpy())
    assert float(clone.result()) == float(m.result())


def test_call_updates_and_returns_the_running_result():
    m = metrics.BinaryAccuracy()
    assert float(m([[1], [0]], [[0.9], [0.8]])) == 0.5
    assert float(m([[1], [1]], [[0.9], [0.8]])) == 0.75


def test_mask_on_predictions_is_respected():
    from deepnum.losses import set_mask

    y_pred = dn.tensor(np.array([[0.9], [0.8], [0.1]]))
    set_mask(y_pred, np.array([True, False, True]))
    m = metrics.BinaryAccuracy()
    m.update_state(np.array([[1], [1], [0]]), y_pred)
    assert float(m.result()) == 1.0


def test_result_before_any_update_is_zero():
    for m in (metrics.Mean(), metrics.Precision(), metrics.AUC(), metrics.F1Score()):
        assert np.all(m.result().numpy() == 0)
