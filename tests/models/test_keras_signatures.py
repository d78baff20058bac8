"""The constructors of Layer, Model, Sequential, Input, InputLayer and InputSpec, and the public
methods of Model, have Keras 3's signatures: parameter names, order, kinds and defaults."""

from __future__ import annotations

import inspect
from contextlib import nullcontext

import pytest

import deepnum as dn
from tests.conftest import reference
from tools.keras_compatibility import signature_difference

CONSTRUCTORS = ["Layer", "Model", "Sequential", "Input", "InputSpec", "layers.InputLayer"]

MODEL_METHODS = [
    "add_loss",
    "add_weight",
    "build",
    "call",
    "compile",
    "compute_loss",
    "compute_mask",
    "compute_metrics",
    "count_params",
    "evaluate",
    "get_build_config",
    "get_compile_config",
    "get_config",
    "get_layer",
    "get_metrics_result",
    "get_weights",
    "load_weights",
    "predict",
    "predict_on_batch",
    "predict_step",
    "reset_metrics",
    "save",
    "save_weights",
    "set_weights",
    "summary",
    "test_on_batch",
    "test_step",
    "to_json",
    "train_on_batch",
    "train_step",
]

SEQUENTIAL_METHODS = ["add", "pop", "build", "call", "compute_output_shape"]


def _get(root, dotted: str):
    for part in dotted.split("."):
        root = getattr(root, part)
    return root


@pytest.fixture(scope="module")
def keras():
    return reference("keras")


@pytest.mark.parametrize("name", CONSTRUCTORS)
def test_constructors_have_keras_signatures(keras, name):
    assert signature_difference(_get(keras, name), _get(dn, name)) is None


@pytest.mark.parametrize("name", MODEL_METHODS)
def test_model_methods_have_keras_signatures(keras, name):
    assert signature_difference(getattr(keras.Model, name), getattr(dn.Model, name)) is None


@pytest.mark.parametrize("name", SEQUENTIAL_METHODS)
def test_sequential_methods_have_keras_signatures(keras, name):
    ours, theirs = getattr(dn.Sequential, name), getattr(keras.Sequential, name)
    assert signature_difference(theirs, ours) is None


def test_fit_has_keras_parameters_then_deepnum_distribution(keras):
    """``fit`` takes Keras's parameters in Keras's order, and one more, last: ``distribution``
    (deepnum's MPI data parallelism, default None)."""
    ours = list(inspect.signature(dn.Model.fit).parameters.values())
    theirs = list(inspect.signature(keras.Model.fit).parameters.values())
    assert [p.name for p in ours[:-1]] == [p.name for p in theirs]
    assert [p.default for p in ours[:-1]] == [p.default for p in theirs]
    assert ours[-1].name == "distribution" and ours[-1].default is None


@pytest.mark.parametrize(
    "call",
    [
        "model.compile(optimizer='sgd', loss='mse', run_eagerly=True, jit_compile=False)",
        "model.compile('sgd', 'mse', jit_compile=True)",
        "model.compile('sgd', 'mse', run_eagerly=True, jit_compile=True)",
        "model.compile('sgd', 'mse', steps_per_execution=1, auto_scale_loss=False)",
    ],
)
def test_compile_options_are_accepted_like_keras(keras, call):
    flags = []
    for lib in (dn, keras):
        model = lib.Sequential([lib.Input((2,)), lib.layers.Dense(1)])
        conflict = "run_eagerly=True, jit_compile=True" in call
        with pytest.warns(UserWarning, match="cannot also be True") if conflict else nullcontext():
            exec(call, {"model": model})
        flags.append((model.run_eagerly, model.jit_compile))
    assert flags[0] == flags[1]  # kept as attributes; deepnum runs every step eagerly
