"""Every loss against Keras 3 (values) and against numerical differentiation (gradients)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
import deepnum.losses as losses
from tests.conftest import reference
from tests.losses.conftest import make_inputs, sample_weight, to_numpy

# (class name, constructor kwargs, kind of inputs, function name)
CASES = [
    ("MeanSquaredError", {}, "regression", "mean_squared_error"),
    ("MeanAbsoluteError", {}, "regression", "mean_absolute_error"),
    ("MeanAbsolutePercentageError", {}, "regression", "mean_absolute_percentage_error"),
    ("MeanSquaredLogarithmicError", {}, "positive", "mean_squared_logarithmic_error"),
    ("Huber", {}, "regression", "huber"),
    ("Huber", {"delta": 0.5}, "regression", "huber"),
    ("LogCosh", {}, "regression", "log_cosh"),
    ("CosineSimilarity", {}, "regression", "cosine_similarity"),
    ("CosineSimilarity", {"axis": 0}, "regression", "cosine_similarity"),
    ("Hinge", {}, "hinge", "hinge"),
    ("Hinge", {}, "regression", "hinge"),
    ("SquaredHinge", {}, "hinge", "squared_hinge"),
    ("CategoricalHinge", {}, "categorical_hinge", "categorical_hinge"),
    ("KLDivergence", {}, "distributions", "kl_divergence"),
    ("Poisson", {}, "positive", "poisson"),
    ("BinaryCrossentropy", {}, "binary_probs", "binary_crossentropy"),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, "binary_probs", "binary_crossentropy"),
    ("BinaryCrossentropy", {"from_logits": True}, "binary_logits", "binary_crossentropy"),
    (
        "BinaryCrossentropy",
        {"from_logits": True, "label_smoothing": 0.1},
        "binary_logits",
        "binary_crossentropy",
    ),
    ("BinaryFocalCrossentropy", {}, "binary_probs", "binary_focal_crossentropy"),
    (
        "BinaryFocalCrossentropy",
        {"apply_class_balancing": True, "alpha": 0.4, "gamma": 3.0, "label_smoothing": 0.1},
        "binary_probs",
        "binary_focal_crossentropy",
    ),
    (
        "BinaryFocalCrossentropy",
        {"from_logits": True, "apply_class_balancing": True},
        "binary_logits",
        "binary_focal_crossentropy",
    ),
    ("CategoricalCrossentropy", {}, "categorical_probs", "categorical_crossentropy"),
    (
        "CategoricalCrossentropy",
        {"label_smoothing": 0.1},
        "categorical_probs",
        "categorical_crossentropy",
    ),
    (
        "CategoricalCrossentropy",
        {"from_logits": True},
        "categorical_logits",
        "categorical_crossentropy",
    ),
    (
        "CategoricalCrossentropy",
        {"from_logits": True, "label_smoothing": 0.2},
        "categorical_logits",
        "categorical_crossentropy",
    ),
    (
        "CategoricalFocalCrossentropy",
        {},
        "categorical_probs",
        "categorical_focal_crossentropy",
    ),
    (
        "CategoricalFocalCrossentropy",
        {"from_logits": True, "alpha": 0.5, "gamma": 1.5, "label_smoothing": 0.1},
        "categorical_logits",
        "categorical_focal_crossentropy",
    ),
    ("SparseCategoricalCrossentropy", {}, "sparse_probs", "sparse_categorical_crossentropy"),
    (
        "SparseCategoricalCrossentropy",
        {"from_logits": True},
        "sparse_logits",
        "sparse_categorical_crossentropy",
    ),
    (
        "SparseCategoricalCrossentropy",
        {"ignore_class": 2},
        "sparse_probs",
        "sparse_categorical_crossentropy",
    ),
    (
        "SparseCategoricalCrossentropy",
        {"from_logits": True, "ignore_class": 1},
        "sparse_logits",
        "sparse_categorical_crossentropy",
    ),
    ("Dice", {}, "binary_probs", "dice"),
    ("Dice", {"axis": (1, 2)}, "masks", "dice"),
    ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": 1}, "binary_probs", "tversky"),
    ("Tversky", {}, "masks", "tversky"),
    ("Circle", {}, "embeddings", "circle"),
    ("Circle", {"gamma": 4.0, "margin": 0.25, "remove_diagonal": False}, "embeddings", "circle"),
    (
        "CategoricalGeneralizedCrossEntropy",
        {"q": 0.7},
        "sparse_probs",
        "categorical_generalized_cross_entropy",
    ),
]
IDS = [f"{c[0]}-{'-'.join(f'{k}={v}' for k, v in c[1].items()) or 'default'}-{c[2]}" for c in CASES]
REDUCTIONS = ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_keras(keras, case):
    cls_name, kwargs, kind, _ = case
    y_true, y_pred = make_inputs(kind)
    # Reducing over the batch axis leaves one value per feature: no per-sample weights then.
    weights = (None,) if kwargs.get("axis") == 0 else (None, sample_weight())
    for reduction in REDUCTIONS:
        ours = getattr(losses, cls_name)(reduction=reduction, **kwargs)
        ref = getattr(keras.losses, cls_name)(reduction=reduction, **kwargs)
        for weight in weights:
            got = ours(y_true, y_pred, sample_weight=weight)
            want = to_numpy(keras, ref(y_true, y_pred, sample_weight=weight))
            assert got.dtype == np.float32
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_function_matches_keras(keras, case):
    _, kwargs, kind, fn_name = case
    y_true, y_pred = make_inputs(kind, seed=3)
    got = getattr(losses, fn_name)(y_true, y_pred, **kwargs)
    t, p = keras.ops.convert_to_tensor(y_true), keras.ops.convert_to_tensor(y_pred)
    want = to_numpy(keras, getattr(keras.losses, fn_name)(t, p, **kwargs))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradient_matches_numerical(case):
    cls_name, kwargs, kind, _ = case
    y_true, y_pred = make_inputs(kind, dtype="float64", seed=5)
    loss = getattr(losses, cls_name)(**kwargs)
    sw = None if kwargs.get("axis") == 0 else sample_weight("float64")
    assert dn.check_grad(lambda p: loss(y_true, p, sample_weight=sw), y_pred, rtol=1e-6) < 1e-6


@pytest.mark.parametrize(
    "fn, kind, kwargs",
    [
        (losses.categorical_crossentropy, "categorical_logits", {"from_logits": True}),
        (losses.binary_crossentropy, "binary_logits", {"from_logits": True}),
        (losses.sparse_categorical_crossentropy, "sparse_probs", {}),
        (losses.log_cosh, "regression", {}),
        (losses.dice, "binary_probs", {"axis": 1}),
        (losses.circle, "embeddings", {"gamma": 2.0}),
    ],
    ids=["cce-logits", "bce-logits", "scce-probs", "log_cosh", "dice", "circle"],
)
def test_second_order(fn, kind, kwargs):
    y_true, y_pred = make_inputs(kind, dtype="float64", seed=7)

    def total(p):
        return fn(y_true, p, **kwargs).sum()

    assert dn.check_grad(lambda p: dn.grad(total)(p), y_pred, rtol=1e-5) < 1e-5


def test_gradient_matches_torch_autograd():
    torch = reference("torch")
    y_true, logits = make_inputs("categorical_logits", dtype="float64", seed=11)
    x = dn.tensor(logits, requires_grad=True)
    losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)(y_true, x).backward()
    xt = torch.tensor(logits, requires_grad=True)
    torch.nn.functional.cross_entropy(xt, torch.tensor(y_true), label_smoothing=0.1).backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_seed_example_categorical_crossentropy():
    t = np.zeros(10)
    t[2] = 1
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    assert float(losses.CategoricalCrossentropy()(t[None], y[None])) == pytest.approx(
        -np.log(0.6), rel=1e-6
    )
    assert float(losses.categorical_crossentropy(t, y)) == pytest.approx(0.5108, abs=1e-4)


@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_extreme_logits_stay_finite(keras, scale):
    rng = np.random.default_rng(0)
    logits = (np.sign(rng.standard_normal((4, 3))) * scale).astype("float32")
    labels = rng.integers(0, 3, 4)
    one_hot = np.eye(3, dtype="float32")[labels]
    binary = rng.integers(0, 2, (4, 3)).astype("float32")
    cases = [
        ("CategoricalCrossentropy", one_hot, {}),
        ("SparseCategoricalCrossentropy", labels, {}),
        ("BinaryCrossentropy", binary, {}),
        ("BinaryFocalCrossentropy", binary, {}),
        ("CategoricalFocalCrossentropy", one_hot, {}),
    ]
    for name, y_true, extra in cases:
        x = dn.tensor(logits, requires_grad=True)
        value = getattr(losses, name)(from_logits=True, **extra)(y_true, x)
        value.backward()
        assert np.isfinite(value.numpy()) and np.isfinite(x.grad.numpy()).all(), name
        want = to_numpy(keras, getattr(keras.losses, name)(from_logits=True)(y_true, logits))
        np.testing.assert_allclose(value.numpy(), want, rtol=1e-5)


def test_infinite_logits_where_defined():
    inf = np.inf
    bce = losses.binary_crossentropy(
        [[1.0, 0.0, 1.0, 0.0]], [[inf, -inf, -inf, inf]], from_logits=True
    )
    np.testing.assert_array_equal(bce.numpy(), [inf])
    bce_ok = losses.binary_crossentropy([[1.0, 0.0]], [[inf, -inf]], from_logits=True)
    assert float(bce_ok) == 0.0
    # A class with logit −∞ has probability 0: harmless unless it is the label.
    cce = losses.categorical_crossentropy([[0.0, 1.0, 0.0]], [[-inf, 2.0, 1.0]], from_logits=True)
    assert float(cce) == pytest.approx(np.log1p(np.exp(-1.0)), rel=1e-6)
    x = dn.tensor(np.array([[-inf, 2.0, 1.0]]), requires_grad=True)
    losses.categorical_crossentropy([[0.0, 1.0, 0.0]], x, from_logits=True).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_probabilities_are_clipped(keras):
    y_true = np.array([[1.0, 0.0], [0.0, 1.0]], dtype="float32")
    y_pred = np.array([[0.0, 1.0], [1.0, 0.0]], dtype="float32")
    for name in ("BinaryCrossentropy", "CategoricalCrossentropy", "KLDivergence"):
        got = getattr(losses, name)()(y_true, y_pred)
        want = to_numpy(keras, getattr(keras.losses, name)()(y_true, y_pred))
        assert np.isfinite(got.numpy())
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5)


def test_float64_stays_float64():
    y_true, y_pred = make_inputs("categorical_probs", dtype="float64")
    assert losses.CategoricalCrossentropy()(y_true, y_pred).dtype == np.float64
    assert losses.MeanSquaredError(dtype="float32")(y_true, y_pred).dtype == np.float32
