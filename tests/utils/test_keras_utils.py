"""keras.utils's helpers against Keras 3: Progbar, Config, pack/unpack_x_y_sample_weight,
get_source_inputs, is_keras_tensor, standardize_dtype, interactive logging, and the signatures
of every name."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference

keras = reference("keras")

NAMES = [
    "Config", "CustomObjectScope", "Progbar", "custom_object_scope", "deserialize_keras_object",
    "disable_interactive_logging", "enable_interactive_logging", "get_custom_objects",
    "get_registered_name", "get_registered_object", "get_source_inputs",
    "is_interactive_logging_enabled", "is_keras_tensor", "model_to_dot", "normalize",
    "pack_x_y_sample_weight", "plot_model", "register_keras_serializable",
    "serialize_keras_object", "set_random_seed", "standardize_dtype", "to_categorical",
    "unpack_x_y_sample_weight", "clear_session", "Sequence",
]  # fmt: skip


def params(fn):
    return [(p.name, p.default, p.kind) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", NAMES)
def test_signatures_match_keras(name):
    assert params(getattr(dn.utils, name)) == params(getattr(keras.utils, name))


@pytest.mark.parametrize("name", ["serialize_keras_object", "deserialize_keras_object"])
def test_legacy_signatures_match_keras(name):
    assert params(getattr(dn.utils.legacy, name)) == params(getattr(keras.utils.legacy, name))


# ------------------------------------------------------------------------ Progbar
def _plain(text: str) -> str:
    """Output without escape codes, timings and redraw characters."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    text = re.sub(r"\d+(ms|us|s)/step|\b\d+s\b", "T", text)
    return text.replace("\b", "").replace("\r", "\n")


UPDATES = [
    (1, [("loss", 4.0), ("acc", 0.5)], None),
    (3, [("loss", 1.0), ("acc", 0.25)], None),
    (4, [("loss", 0.0001), ("acc", 0.75)], None),
    (5, [("loss", -2.0), ("acc", 0.5)], None),
]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"verbose": 2},
        {"verbose": 2, "stateful_metrics": ["acc"]},
        {"verbose": 2, "stateless_metrics": ["loss"]},
        {"verbose": 1, "interval": 0.0},
        {"verbose": 1, "interval": 0.0, "stateful_metrics": ["loss"], "width": 7},
    ],
)
def test_progbar_output_and_averages_match_keras(capsys, kwargs):
    outputs, values = [], []
    for module in (dn, keras):
        bar = module.utils.Progbar(5, **kwargs)
        for current, logs, finalize in UPDATES:
            bar.update(current, logs, finalize=finalize)
        values.append({k: list(map(float, v)) for k, v in bar._values.items()})
        outputs.append(_plain(capsys.readouterr().out))
    assert values[0] == values[1]
    assert outputs[0].strip() == outputs[1].strip()


def test_progbar_unknown_target_and_add_match_keras(capsys):
    outputs = []
    for module in (dn, keras):
        bar = module.utils.Progbar(None, interval=0.0)
        bar.add(2, [("loss", 1.0)])
        bar.add(3, [("loss", 2.0)])
        bar.update(6, [("loss", 3.0)], finalize=True)
        outputs.append(_plain(capsys.readouterr().out))
    assert outputs[0].strip() == outputs[1].strip()


def test_progbar_refuses_both_metric_lists():
    with pytest.raises(ValueError, match="only one of"):
        dn.utils.Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


# ------------------------------------------------------------------------ Config
def test_config_matches_keras():
    results = []
    for module in (dn, keras):
        config = module.utils.Config(learning_rate=0.1, momentum=0.9)
        config.use_ema = True
        config["seed"] = 123
        config.update(momentum=0.8)
        popped = config.pop("seed")
        errors = []
        try:
            _ = config.learning_rat
        except AttributeError as e:
            errors.append(str(e))
        config.freeze()
        for action in (lambda c: setattr(c, "x", 1), lambda c: c.__setitem__("x", 1)):
            try:
                action(config)
            except ValueError as e:
                errors.append(str(e))
        frozen = config.frozen
        config.unfreeze()
        del config["use_ema"]
        results.append(
            (config.as_dict(), config.to_json(), list(config), popped, errors, frozen,
             len(config), "momentum" in config, config.get("nope", 7), repr(config))
        )  # fmt: skip
    assert results[0] == results[1]


# ------------------------------------------------------------------------ batches
BATCHES = [
    "x", ("x",), ("x", "y"), ("x", "y", "w"), ["x", "y"], [], ("a", "b", "c", "d"),
    np.zeros(2), {"a": 1},
]  # fmt: skip


@pytest.mark.parametrize("data", BATCHES, ids=range(len(BATCHES)))
def test_unpack_matches_keras(data):
    try:
        expected = keras.utils.unpack_x_y_sample_weight(data)
    except ValueError:
        with pytest.raises(ValueError, match="found a tuple"):
            dn.utils.unpack_x_y_sample_weight(data)
        return
    got = dn.utils.unpack_x_y_sample_weight(data)
    assert len(got) == 3 and all(a is b for a, b in zip(got, expected))


@pytest.mark.parametrize(
    "args",
    [("x",), (["x", "z"],), (("x", "z"),), ("x", "y"), ("x", "y", "w"), ("x", None, "w")],
)
def test_pack_matches_keras(args):
    assert dn.utils.pack_x_y_sample_weight(*args) == keras.utils.pack_x_y_sample_weight(*args)


# ------------------------------------------------------------------------ symbolic tensors
def _graph(k):
    a, b = k.Input((2,), name="a"), k.Input((2,), name="b")
    c = k.Input((2,), name="c")
    h = k.layers.Dense(2)(b)
    mid = k.layers.Add()([h, a])
    out = k.layers.Concatenate()([k.layers.Dense(2)(c), mid, k.layers.Dense(2)(a)])
    return {"out": out, "mid": mid, "h": h, "a": a}


@pytest.mark.parametrize("which", ["out", "mid", "h", "a"])
def test_get_source_inputs_matches_keras(which):
    ours = dn.utils.get_source_inputs(_graph(dn)[which])
    theirs = keras.utils.get_source_inputs(_graph(keras)[which])
    assert [t.name for t in ours] == [t.name for t in theirs]


def test_get_source_inputs_of_a_non_symbolic_value_is_the_value():
    x = np.ones(3)
    assert dn.utils.get_source_inputs(x) is x


def test_is_keras_tensor_matches_keras():
    checks = [lambda k: k.Input((2,)), lambda k: np.ones(2), lambda k: 1.0]
    for make in checks:
        assert dn.utils.is_keras_tensor(make(dn)) == keras.utils.is_keras_tensor(make(keras))


@pytest.mark.parametrize(
    "dtype",
    ["float32", "int", np.float64, np.dtype("int8"), "bool", "bfloat16", int, float, None],
)
def test_standardize_dtype_matches_keras(dtype):
    assert dn.utils.standardize_dtype(dtype) == keras.utils.standardize_dtype(dtype)


@pytest.mark.parametrize("dtype", ["float", "double", "half"])
def test_standardize_dtype_refuses_what_keras_refuses(dtype):
    for module in (dn, keras):
        with pytest.raises(ValueError, match="Invalid dtype"):
            module.utils.standardize_dtype(dtype)


def test_interactive_logging_toggles_the_progbar_output(capsys, caplog):
    try:
        dn.utils.disable_interactive_logging()
        assert not dn.utils.is_interactive_logging_enabled()
        with caplog.at_level("INFO", logger="deepnum"):
            dn.utils.Progbar(2, verbose=2).update(2, [("loss", 1.0)])
        assert capsys.readouterr().out == "" and "loss: 1.0000" in caplog.text
    finally:
        dn.utils.enable_interactive_logging()
    assert dn.utils.is_interactive_logging_enabled()


def test_normalize_keeps_tensors_differentiable():
    torch = reference("torch")
    x = np.array([[3.0, 4.0], [1.0, -2.0]])
    t = dn.tensor(x, requires_grad=True)
    dn.utils.normalize(t).sum().backward()
    ref = torch.tensor(x, requires_grad=True)
    torch.nn.functional.normalize(ref, dim=-1).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), ref.grad.numpy(), rtol=1e-6, atol=1e-9)
