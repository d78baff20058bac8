"""The Loss API: reductions, masks, shape errors, the from_logits warning, get/serialize."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import deepnum as dn
import deepnum.losses as losses
from deepnum.losses import loss as loss_module
from tests.losses.conftest import make_inputs, to_numpy


def test_invalid_reduction():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_mean_reduction_and_none(keras):
    y_true, y_pred = make_inputs("regression")
    for reduction in ("mean", None):
        got = losses.MeanAbsoluteError(reduction=reduction)(y_true, y_pred)
        want = keras.losses.MeanAbsoluteError(reduction=reduction)(y_true, y_pred)
        np.testing.assert_allclose(got.numpy(), to_numpy(keras, want), rtol=1e-6)


def test_sample_weight_shapes(keras):
    y_true, y_pred = make_inputs("regression")
    sw = np.arange(6, dtype="float32")
    for weight in (sw[:, None], sw, 2.0):
        got = losses.MeanSquaredError()(y_true, y_pred, sample_weight=weight)
        want = keras.losses.MeanSquaredError()(y_true, y_pred, sample_weight=weight)
        np.testing.assert_allclose(got.numpy(), to_numpy(keras, want), rtol=1e-6)
    with pytest.raises(ValueError, match="mean_squared_error: sample_weight of shape"):
        losses.MeanSquaredError()(y_true, y_pred, sample_weight=np.ones(4))


def test_zero_weights_give_zero_not_nan():
    y_true, y_pred = make_inputs("regression", dtype="float64")
    x = dn.tensor(y_pred, requires_grad=True)
    loss = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    value = loss(y_true, x, sample_weight=np.zeros(6))
    value.backward()
    assert float(value) == 0.0 and np.isfinite(x.grad.numpy()).all()


def test_label_rank_is_matched_like_keras(keras):
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, 8).astype("float32")  # (N,) labels, (N, 1) output
    y_pred = rng.uniform(0.1, 0.9, (8, 1)).astype("float32")
    for name in ("BinaryCrossentropy", "MeanSquaredError", "Hinge"):
        got = getattr(losses, name)()(y_true, y_pred)
        want = getattr(keras.losses, name)()(y_true, y_pred)
        np.testing.assert_allclose(got.numpy(), to_numpy(keras, want), rtol=1e-6)
    scce = losses.SparseCategoricalCrossentropy()
    y_true, probs = make_inputs("sparse_probs")
    np.testing.assert_allclose(scce(y_true[:, None], probs).numpy(), scce(y_true, probs).numpy())


def test_input_mask_weights_valid_entries(keras):
    """A mask on y_pred (set by a masking layer) averages over the valid entries only."""
    y_true, y_pred = make_inputs("regression")
    mask = np.array([True, True, False, True, False, True])
    pred = dn.tensor(y_pred)
    losses.set_mask(pred, mask)
    got = losses.MeanSquaredError()(y_true, pred)
    want = losses.mean_squared_error(y_true, y_pred).numpy()[mask].mean()
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)
    assert losses.get_mask(dn.tensor(y_pred)) is None


def test_ignore_class_masks_the_mean(keras):
    labels, logits = make_inputs("sparse_logits")
    labels[:3] = 4
    ours = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=4)
    theirs = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=4)
    np.testing.assert_allclose(
        ours(labels, logits).numpy(), to_numpy(keras, theirs(labels, logits)), rtol=1e-6
    )
    per_sample = losses.sparse_categorical_crossentropy(
        labels, logits, from_logits=True, ignore_class=4
    )
    np.testing.assert_array_equal(per_sample.numpy()[:3], 0.0)
    np.testing.assert_array_equal(losses.get_mask(per_sample), labels != 4)


def test_ignore_class_in_segmentation_maps(keras):
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 4, (2, 3, 3))
    logits = rng.standard_normal((2, 3, 3, 4)).astype("float32")
    ours = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    theirs = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    np.testing.assert_allclose(
        ours(labels, logits).numpy(), to_numpy(keras, theirs(labels, logits)), rtol=1e-6
    )


def test_one_hot_labels_to_sparse_loss():
    y_true, y_pred = make_inputs("categorical_probs")
    with pytest.raises(
        ValueError,
        match=r"labels \(y_true\) of shape \(6, 5\).*look one-hot.*"
        r"CategoricalCrossentropy",
    ):
        losses.SparseCategoricalCrossentropy()(y_true, y_pred)


def test_integer_labels_to_categorical_loss():
    labels, y_pred = make_inputs("sparse_probs")
    with pytest.raises(ValueError, match="categorical_crossentropy.*SparseCategoricalCrossentropy"):
        losses.categorical_crossentropy(labels, y_pred)


def test_missing_flatten_is_named():
    labels = np.zeros(4, dtype=int)
    output = np.full((4, 7, 7, 10), 0.1, dtype="float32")
    with pytest.raises(ValueError, match=r"\(4, 7, 7, 10\).*Flatten missing"):
        losses.SparseCategoricalCrossentropy()(labels, output)
    with pytest.raises(ValueError, match="Flatten missing"):
        losses.CategoricalCrossentropy()(np.eye(10)[labels], output)


def test_labels_out_of_range():
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        losses.sparse_categorical_crossentropy([0, 3], np.full((2, 3), 1 / 3))


def test_binary_shape_mismatch():
    with pytest.raises(ValueError, match="binary_crossentropy.*same shape"):
        losses.binary_crossentropy(np.zeros((4, 2)), np.zeros((4, 3)))


def test_regression_shapes_that_cannot_broadcast():
    with pytest.raises(ValueError, match="mean_squared_error.*\\(4, 2\\).*\\(4, 3\\)"):
        losses.MeanSquaredError()(np.zeros((4, 2)), np.zeros((4, 3)))


def test_probabilities_with_from_logits_warn_once():
    loss_module._WARNED_FROM_LOGITS.clear()
    y_true, probs = make_inputs("categorical_probs")
    cce = losses.CategoricalCrossentropy(from_logits=True)
    with pytest.warns(UserWarning, match="look like probabilities"):
        cce(y_true, probs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cce(y_true, probs)  # only once per process
        losses.CategoricalCrossentropy(from_logits=True)(*make_inputs("categorical_logits"))
    labels, _ = make_inputs("sparse_probs")
    with pytest.warns(UserWarning, match="sparse_categorical_crossentropy"):
        losses.SparseCategoricalCrossentropy(from_logits=True)(labels, probs)


def test_get_resolves_keras_names():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MAE") is losses.mean_absolute_error
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    assert losses.get(None) is None
    huber = losses.Huber()
    assert losses.get(huber) is huber
    with pytest.raises(ValueError, match="Did you mean 'mean_squared_error'"):
        losses.get("mean_squared_eror")


def test_serialize_round_trip_through_json():
    for loss in (
        losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, name="cce"),
        losses.SparseCategoricalCrossentropy(ignore_class=3, reduction="sum"),
        losses.Huber(delta=2.5),
        losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=3.0),
        losses.CTC(),
    ):
        config = json.loads(json.dumps(losses.serialize(loss)))
        again = losses.deserialize(config)
        assert type(again) is type(loss) and again.get_config() == loss.get_config()
    assert losses.deserialize(losses.serialize(losses.mse)) is losses.mean_squared_error
    with pytest.raises(ValueError, match="Could not locate class .os.system.*custom_objects"):
        losses.deserialize({"class_name": "os.system", "config": {}})


def test_reads_keras_configs(keras):
    for ref in (keras.losses.Huber(delta=0.3), keras.losses.BinaryCrossentropy(from_logits=True)):
        config = keras.losses.serialize(ref)
        ours = losses.deserialize(config)
        assert type(ours).__name__ == type(ref).__name__
        assert {k: v for k, v in ours.get_config().items() if k in ref.get_config()} == (
            ref.get_config()
        )


def test_get_loss_resolves_crossentropy_from_shapes():
    probs = np.zeros((4, 3))
    assert losses.get_loss("ce", np.zeros((4,)), probs).fn is losses.sparse_categorical_crossentropy
    assert losses.get_loss("ce", np.zeros((4, 3)), probs).fn is losses.categorical_crossentropy
    wrapped = losses.get_loss("crossentropy", np.zeros((4, 1)), np.zeros((4, 1)))
    assert wrapped.fn is losses.binary_crossentropy and wrapped.name == "crossentropy"


def test_custom_loss_subclass():
    class MeanCubedError(losses.Loss):
        def call(self, y_true, y_pred):
            return dn.ops.mean(dn.ops.abs(y_pred - y_true) ** 3, axis=-1)

    loss = MeanCubedError()
    assert loss.name == "mean_cubed_error"
    assert float(loss(np.zeros((2, 1)), np.full((2, 1), 2.0))) == 8.0


def test_masks_match_keras(keras):
    """A mask on y_pred (from a masking layer) weights losses and metrics as in Keras."""
    from keras.src.backend import set_keras_mask

    import deepnum.metrics as metrics

    y_true, y_pred = make_inputs("regression")
    mask = np.array([True, True, False, True, False, True])
    weight = np.linspace(0.5, 2.0, 6).astype("float32")
    theirs = keras.ops.convert_to_tensor(y_pred)
    set_keras_mask(theirs, keras.ops.convert_to_tensor(mask))
    ours = dn.tensor(y_pred)
    losses.set_mask(ours, mask)
    for reduction in ("sum_over_batch_size", "sum", "mean_with_sample_weight", None):
        for sw in (None, weight):
            got = losses.MeanSquaredError(reduction=reduction)(y_true, ours, sample_weight=sw)
            want = keras.losses.MeanSquaredError(reduction=reduction)(
                y_true, theirs, sample_weight=sw
            )
            np.testing.assert_allclose(got.numpy(), to_numpy(keras, want), rtol=1e-6, atol=1e-7)
    for sw in (None, weight):
        ours_m, theirs_m = metrics.MeanAbsoluteError(), keras.metrics.MeanAbsoluteError()
        ours_m.update_state(y_true, ours, sample_weight=sw)
        theirs_m.update_state(y_true, theirs, sample_weight=sw)
        np.testing.assert_allclose(
            ours_m.result().numpy(), to_numpy(keras, theirs_m.result()), rtol=1e-6
        )


def test_get_loss_crossentropy_needs_shapes():
    with pytest.raises(ValueError, match="pass y_true and y_pred"):
        losses.get_loss("crossentropy")


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("Dice", {"axis": [1, 2], "reduction": "sum"}),
        ("Tversky", {"alpha": 0.2, "beta": 0.8}),
        ("Circle", {"gamma": 10.0, "remove_diagonal": False}),
        ("CategoricalGeneralizedCrossEntropy", {"q": 0.3, "name": "gce"}),
    ],
)
def test_configs_match_keras_both_ways(keras, name, kwargs):
    ours = losses.serialize(getattr(losses, name)(**kwargs))
    theirs = keras.losses.serialize(getattr(keras.losses, name)(**kwargs))
    assert ours == theirs
    assert losses.deserialize(theirs).get_config() == ours["config"]
    # keras.losses.deserialize does not know its own GCE class: from_config reads our config.
    rebuilt = getattr(keras.losses, name).from_config(ours["config"])
    assert rebuilt.get_config() == theirs["config"]
