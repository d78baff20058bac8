"""The state of Lamb, Ftrl, Adafactor, Muon, ScheduleFreeAdamW, LossScaleOptimizer and
MultiOptimizer moves both ways between Keras 3 (torch backend) and deepnum in ``.keras`` files:
the same HDF5 layout (nested optimizers included), the same state after loading, and training
that continues with the same numbers."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference

keras = reference("keras")
h5py = reference("h5py")

OPTIMIZERS = {
    "lamb": lambda o: o.Lamb(0.01),
    "ftrl": lambda o: o.Ftrl(0.05, l1_regularization_strength=0.01),
    "adafactor": lambda o: o.Adafactor(0.01),
    "muon": lambda o: o.Muon(0.01, exclude_layers=["out"]),
    "schedule_free": lambda o: o.ScheduleFreeAdamW(0.01),
    "loss_scale": lambda o: o.LossScaleOptimizer(o.Adam(0.01), initial_scale=8.0),
    "multi": lambda o: o.MultiOptimizer(
        o.OptimizerMap(o.SGD(0.05, momentum=0.9), {".*out.*": o.Adam(0.01)})
    ),
}
# Keras on torch reads ScheduleFreeAdamW's old iterate after updating it in place, and its
# fit scales the loss for a LossScaleOptimizer, which deepnum's fit does not: those two are
# compared on their saved state only.
SAME_NEXT_STEP = {"lamb", "ftrl", "adafactor", "muon", "multi"}


def small(k):
    return k.Sequential(
        [
            k.Input((4,)),
            k.layers.Dense(5, activation="tanh", name="hidden"),
            k.layers.Dense(2, name="out"),
        ],
        name="small",
    )


def h5_tree(path) -> dict[str, tuple]:
    with zipfile.ZipFile(path) as zf:
        data = zf.read("model.weights.h5")
    tree = {}
    with h5py.File(io.BytesIO(data), "r") as f:
        f.visititems(lambda name, obj: tree.__setitem__(name, getattr(obj, "shape", None)))
    return tree


def state(optimizer) -> list[np.ndarray]:
    return [np.asarray(keras.ops.convert_to_numpy(v)) for v in optimizer.variables]


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("direction", ["keras_to_deepnum", "deepnum_to_keras"])
def test_optimizer_state_moves_across_libraries(tmp_path, name, direction):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 4)).astype("float32")
    y = rng.standard_normal((6, 2)).astype("float32")
    first, second = (keras, dn) if direction == "keras_to_deepnum" else (dn, keras)
    model = small(first)
    model.compile(optimizer=OPTIMIZERS[name](first.optimizers), loss="mse")
    for _ in range(2):
        model.train_on_batch(x, y)
    model.save(tmp_path / "m.keras")
    other = second.saving.load_model(tmp_path / "m.keras")
    assert type(other.optimizer).__name__ == type(model.optimizer).__name__
    for a, b in zip(state(other.optimizer), state(model.optimizer), strict=True):
        np.testing.assert_array_equal(a, b)
    if name in SAME_NEXT_STEP:
        model.train_on_batch(x, y)
        other.train_on_batch(x, y)
        for a, b in zip(model.get_weights(), other.get_weights(), strict=True):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["loss_scale", "multi", "adafactor"])
def test_files_have_keras_layout(tmp_path, name):
    x, y = np.ones((2, 4), "float32"), np.ones((2, 2), "float32")
    for lib in (keras, dn):
        model = small(lib)
        model.compile(optimizer=OPTIMIZERS[name](lib.optimizers), loss="mse")
        model.train_on_batch(x, y)
        model.save(tmp_path / f"{lib.__name__}.keras")
    ours, theirs = h5_tree(tmp_path / "deepnum.keras"), h5_tree(tmp_path / "keras.keras")
    assert ours == theirs
    nested = {"loss_scale": "optimizer/inner_optimizer/vars", "multi": "optimizer/optimizers"}
    assert name not in nested or nested[name] in ours
