"""ModelCheckpoint: save every epoch or every N batches (counted across epochs), as Keras."""

from __future__ import annotations

import os

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference

reference("h5py")
X = np.linspace(-1, 1, 30, dtype="float32").reshape(10, 3)
Y = X[:, :1] * 2.0


def fit_with_checkpoint(lib, directory, epochs=3, **kwargs):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    path = os.path.join(directory, "e{epoch}-b{batch}.weights.h5")
    callback = lib.callbacks.ModelCheckpoint(path, save_weights_only=True, **kwargs)
    model.fit(X, Y, batch_size=4, epochs=epochs, callbacks=[callback], verbose=0, shuffle=False)
    return model, sorted(os.listdir(directory))


@pytest.mark.parametrize("save_freq", [1, 2, 4, 7])
def test_save_every_n_batches_names_the_same_files_as_keras(tmp_path, save_freq):
    keras = reference("keras")
    (tmp_path / "k").mkdir()
    (tmp_path / "d").mkdir()
    _, theirs = fit_with_checkpoint(keras, str(tmp_path / "k"), save_freq=save_freq)
    model, ours = fit_with_checkpoint(dn, str(tmp_path / "d"), save_freq=save_freq)
    assert ours == theirs and ours  # 3 batches per epoch: saves across epoch boundaries
    if save_freq == 1:  # the last file holds the final weights
        other = dn.Sequential([dn.Input((3,)), dn.layers.Dense(1)])
        other.load_weights(tmp_path / "d" / "e3-b3.weights.h5")
        for a, b in zip(other.get_weights(), model.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)


def test_epoch_saves_and_a_template_that_cannot_be_filled(tmp_path):
    model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    path = str(tmp_path / "e{epoch}-{loss:.1f}.keras")
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[dn.callbacks.ModelCheckpoint(path)])
    assert len(os.listdir(tmp_path)) == 2
    bad = dn.callbacks.ModelCheckpoint(str(tmp_path / "b{batch}.keras"))  # no batch at epoch end
    with pytest.raises(ValueError, match=r"cannot fill the filepath template .*b\{batch\}"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[bad])


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "batch", None])
def test_save_freq_must_be_epoch_or_a_positive_int(bad):
    with pytest.raises(ValueError, match=r"save_freq must be 'epoch' or a positive number"):
        dn.callbacks.ModelCheckpoint("m.keras", save_freq=bad)
