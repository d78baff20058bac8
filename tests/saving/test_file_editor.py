"""KerasFileEditor against Keras 3's: the same tree from the same file, the same comparison
results, and edits that give files both libraries load."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference

keras = reference("keras")
reference("rich")  # Keras's editor prints through rich


def build(k, units=4):
    model = k.Sequential(
        [k.Input((3,)), k.layers.Dense(units, name="a"), k.layers.Dense(2, name="b")], name="m"
    )
    model.compile(optimizer=k.optimizers.Adam(0.01), loss="mse")
    return model


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A trained Keras model saved as .keras and .weights.h5."""
    folder = tmp_path_factory.mktemp("editor")
    model = build(keras)
    rng = np.random.default_rng(0)
    model.train_on_batch(rng.standard_normal((4, 3)), rng.standard_normal((4, 2)))
    model.save(folder / "m.keras")
    model.save_weights(folder / "m.weights.h5")
    return folder, model


def same_tree(a, b):
    assert list(a) == list(b)
    for key in a:
        if isinstance(a[key], dict):
            same_tree(a[key], b[key])
        else:
            np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(b[key]))


@pytest.mark.parametrize("name", ["m.keras", "m.weights.h5"])
def test_reads_the_tree_keras_reads(files, name):
    folder, _ = files
    ours = dn.saving.KerasFileEditor(folder / name)
    theirs = keras.saving.KerasFileEditor(str(folder / name))
    same_tree(ours.weights_dict, theirs.weights_dict)
    assert ours.object_metadata == theirs.object_metadata
    assert (ours.config is None) == (theirs.config is None)


@pytest.mark.parametrize("units, optimizer", [(4, True), (5, True), (4, False)])
def test_compare_counts_like_keras(files, units, optimizer):
    folder, _ = files
    ours_model, theirs_model = build(dn, units), build(keras, units)
    if optimizer:
        ours_model.optimizer.build(ours_model.trainable_weights)
        theirs_model.optimizer.build(theirs_model.trainable_variables)
    else:
        ours_model.optimizer = theirs_model.optimizer = None
    ours = dn.saving.KerasFileEditor(folder / "m.keras").compare(ours_model)
    theirs = keras.saving.KerasFileEditor(str(folder / "m.keras")).compare(theirs_model)
    assert ours == theirs


def edit(editor):
    # Full paths: Keras 3.15 miscounts a short name that occurs once ("occurs more than once").
    editor.rename_object("layers/dense_1", "dense_9")
    editor.delete_weight("layers/dense", "1")
    editor.add_weights("layers/dense", {"1": np.full(4, 0.5, "float32")})
    editor.add_object("layers/extra", {"0": np.ones((2, 2), "float32")})
    editor.delete_object("layers/extra")
    editor.rename_object("layers/dense_9", "dense_1")


def test_short_names_find_an_object_that_occurs_once(files):
    folder, _ = files
    editor = dn.saving.KerasFileEditor(folder / "m.keras")
    editor.rename_object("dense_1", "dense_9")
    assert list(editor.weights_dict["layers"]) == ["dense", "dense_9"]


def test_edits_and_saves_like_keras(files, tmp_path):
    folder, model = files
    ours = dn.saving.KerasFileEditor(folder / "m.keras")
    theirs = keras.saving.KerasFileEditor(str(folder / "m.keras"))
    edit(ours)
    edit(theirs)
    same_tree(ours.weights_dict, theirs.weights_dict)
    ours.save(tmp_path / "ours.weights.h5")
    theirs.save(str(tmp_path / "theirs.weights.h5"))
    same_tree(
        dn.saving.KerasFileEditor(tmp_path / "ours.weights.h5").weights_dict,
        dn.saving.KerasFileEditor(tmp_path / "theirs.weights.h5").weights_dict,
    )
    target = build(keras)
    target.optimizer.build(target.trainable_variables)
    target.load_weights(str(tmp_path / "ours.weights.h5"))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(target.layers[0].bias), 0.5)
    mine = build(dn)
    mine.load_weights(tmp_path / "theirs.weights.h5")
    np.testing.assert_array_equal(mine.layers[0].bias.numpy(), 0.5)
    np.testing.assert_array_equal(mine.layers[1].kernel.numpy(), model.layers[1].kernel.numpy())


@pytest.mark.parametrize(
    "action, match",
    [
        (lambda e: e.rename_object("dense", "x/y"), "leaf name"),
        (lambda e: e.delete_object("layers/nope"), "not found"),
        (lambda e: e.delete_object("nope"), "does not appear"),
        (lambda e: e.delete_object("0"), "more than once"),
        (lambda e: e.delete_weight("layers/dense", "7"), "Weight 7 not found"),
        (lambda e: e.add_object("nope/x", {"0": np.ones(1)}), "not found"),
        (lambda e: e.add_weights("dense", [1]), "should be a dict"),
        (lambda e: e.save("x.keras"), "weights.h5"),
    ],
)
def test_bad_edits_raise_like_keras(files, action, match):
    folder, _ = files
    for cls in (dn.saving.KerasFileEditor, keras.saving.KerasFileEditor):
        with pytest.raises(ValueError, match=match):
            action(cls(str(folder / "m.keras")))


def test_refuses_other_files(tmp_path):
    with pytest.raises(ValueError, match="expected a `.keras` or `.weights.h5`"):
        dn.saving.KerasFileEditor(tmp_path / "m.h5")
