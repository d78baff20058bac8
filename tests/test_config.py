"""keras.config's names: signatures and defaults against keras.config, and the effects each
setting has in deepnum (progress bar, unsafe deserialization, caps on fit, dtype policy)."""

from __future__ import annotations

import io

import numpy as np
import pytest

import deepnum as dn
from deepnum import config
from deepnum.callbacks.progbar import ProgbarLogger
from tests.conftest import reference
from tools.keras_compatibility import signature_difference

keras = reference("keras")

NAMES = [n for n in dir(keras.config) if not n.startswith("_")]


@pytest.mark.parametrize("name", NAMES)
def test_every_keras_config_name_with_its_signature(name):
    assert signature_difference(getattr(keras.config, name), getattr(config, name)) is None


@pytest.mark.parametrize(
    "getter",
    [
        "epsilon",
        "floatx",
        "image_data_format",
        "is_flash_attention_enabled",
        "is_interactive_logging_enabled",
        "is_nnx_enabled",
        "is_traceback_filtering_enabled",
        "max_epochs",
        "max_steps_per_epoch",
    ],
)
def test_defaults_are_keras(getter):
    assert getattr(config, getter)() == getattr(keras.config, getter)()


@pytest.mark.parametrize(
    "enable, disable, query",
    [
        ("enable_interactive_logging", "disable_interactive_logging", "interactive_logging"),
        ("enable_traceback_filtering", "disable_traceback_filtering", "traceback_filtering"),
        ("enable_flash_attention", "disable_flash_attention", "flash_attention"),
    ],
)
def test_switches_round_trip(monkeypatch, enable, disable, query):
    monkeypatch.setitem(config._SETTINGS, query, config._SETTINGS[query])  # restored after
    getattr(config, disable)()
    assert getattr(config, f"is_{query}_enabled")() is False
    getattr(config, enable)()
    assert getattr(config, f"is_{query}_enabled")() is True


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_interactive_logging_switches_the_progress_bar_to_lines(monkeypatch):
    monkeypatch.setitem(config._SETTINGS, "interactive_logging", True)
    bar = ProgbarLogger()
    bar._file = _Terminal()
    bar.set_params({"verbose": 1, "epochs": 1, "steps": 2})
    assert bar._interactive()
    config.disable_interactive_logging()
    bar.on_epoch_begin(0)
    bar.on_train_batch_end(0, {"loss": 1.0})
    bar.on_epoch_end(0, {"loss": 0.5})
    lines = bar._file.getvalue().splitlines()
    assert lines[0] == "Epoch 1/1" and lines[1].startswith("2/2") and "loss: 0.5000" in lines[1]


def _lambda_model(path):
    model = dn.Sequential([dn.Input((2,)), dn.layers.Lambda(lambda x: x * 2.0)])
    model.save(path)


def test_enable_unsafe_deserialization_lets_load_model_run_lambdas(tmp_path, monkeypatch):
    monkeypatch.setitem(config._SETTINGS, "safe_mode", True)
    path = tmp_path / "lambda.keras"
    _lambda_model(path)
    with pytest.raises(ValueError, match="enable_unsafe_deserialization"):
        dn.models.load_model(path)
    config.enable_unsafe_deserialization()
    assert config.in_safe_mode() is False
    model = dn.models.load_model(path)
    assert model.predict(np.ones((1, 2), "float32"), verbose=0).tolist() == [[2.0, 2.0]]


def _fit_counts(lib, epochs, x):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    seen = []
    counter = lib.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(1))
    history = model.fit(x, x[:, :1], batch_size=10, epochs=epochs, verbose=0, callbacks=[counter])
    rows = model.predict(x, batch_size=10, verbose=0).shape[0]
    return len(history.history["loss"]), len(seen), rows


def test_caps_on_epochs_and_steps_limit_fit_and_predict_as_in_keras(monkeypatch):
    x = np.random.default_rng(0).standard_normal((100, 3)).astype("float32")
    monkeypatch.setitem(config._SETTINGS, "max_epochs", None)
    monkeypatch.setitem(config._SETTINGS, "max_steps_per_epoch", None)
    results = []
    for lib in (dn, keras):
        lib.config.set_max_epochs(2)
        lib.config.set_max_steps_per_epoch(3)
        try:
            with pytest.warns(UserWarning, match="Limiting"):
                results.append(_fit_counts(lib, 5, x))
            assert lib.config.max_epochs() == 2 and lib.config.max_steps_per_epoch() == 3
        finally:
            lib.config.set_max_epochs(None)
            lib.config.set_max_steps_per_epoch(None)
    assert results[0] == results[1] == (2, 6, 30)
    assert _fit_counts(dn, 2, x) == (2, 20, 100)


def test_set_backend_accepts_only_deepnums_own():
    config.set_backend("numpy")
    with pytest.raises(ValueError, match="single backend"):
        config.set_backend("jax")


def test_dtype_policy_sets_the_dtype_of_new_layers():
    assert config.dtype_policy().name == keras.config.dtype_policy().name == "float32"
    try:
        config.set_dtype_policy("float64")
        layer = dn.layers.Dense(2)
        layer.build((None, 3))
        assert layer.dtype == "float64" and layer.kernel.dtype == np.float64
        assert config.floatx() == "float32"  # the policy and floatx are separate, as in Keras
        config.set_dtype_policy(config.DTypePolicy("float16"))
        assert repr(config.dtype_policy()) == '<DTypePolicy "float16">'
        with pytest.raises(ValueError, match="mixed precision is not supported"):
            config.set_dtype_policy("mixed_float16")
    finally:
        dn.backend.clear_session(free_memory=False)
    assert dn.layers.Dense(2).dtype == "float32"
