"""Bad input is refused before the first step, with the argument, what was expected and what
was received — where Keras refuses it too (checked), and where Keras accepts it silently."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference


def compiled(lib, **compile_kwargs):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse", **compile_kwargs)
    return model


NONE_ROWS = np.array([[None] * 3] * 4, dtype=object)
CASES = {
    # name: (call on a compiled model, message of deepnum, Keras refuses it too)
    "fit on zero samples": (
        lambda m: m.fit(np.zeros((0, 3)), np.zeros((0, 2)), verbose=0),
        r"fit: the input contains no samples \(x has shape \(0, 3\)\)",
        True,
    ),
    "fit on None values": (
        lambda m: m.fit(NONE_ROWS, np.zeros((4, 2)), verbose=0),
        r"fit: x has dtype object \(shape \(4, 3\)\): it holds None",
        True,
    ),
    "complex x": (
        lambda m: m.fit(np.ones((4, 3)) * 1j, np.zeros((4, 2)), verbose=0),
        r"fit: x has the complex dtype complex128; deepnum models take real numbers",
        False,
    ),
    "complex y": (
        lambda m: m.evaluate(np.ones((4, 3)), np.ones((4, 2)) * 1j, verbose=0),
        r"evaluate: y has the complex dtype",
        False,
    ),
    "predict on strings": (
        lambda m: m.predict(np.array([["a", "b", "c"]]), verbose=0),
        r"predict: x holds strings \(dtype <U1, e\.g\. \['a'\]\) but the model takes numbers",
        True,
    ),
    "predict on a list of one string": (
        lambda m: m.predict(["hello"], verbose=0),
        r"predict: x is a list of 1 scalar\(s\) \(\['hello'\]\), read as 1 separate input",
        True,
    ),
    "predict on a scalar": (
        lambda m: m.predict(np.float32(1), verbose=0),
        r"predict: x is a scalar \(1\.0\) without a batch axis",
        True,
    ),
    "predict on zero samples": (
        lambda m: m.predict(np.zeros((0, 3)), verbose=0),
        r"predict: the input contains no samples",
        False,  # Keras returns an empty array
    ),
    "validation data of None": (
        lambda m: m.fit(np.ones((4, 3)), np.ones((4, 2)), validation_data=(NONE_ROWS, None)),
        r"fit \(validation_data\): x has dtype object",
        False,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_data_is_refused_with_what_is_wrong(name):
    call, message, keras_refuses = CASES[name]
    with pytest.raises(ValueError, match=message):
        call(compiled(dn))
    if keras_refuses:
        keras = reference("keras")
        with pytest.raises((ValueError, TypeError, IndexError)):
            call(compiled(keras))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"metrics": ["nonsense"]}, r"compile: unknown metric in `metrics`: .*'nonsense'"),
        ({"weighted_metrics": ["mea"]}, r"compile: unknown metric in `weighted_metrics`"),
        ({"metrics": [None]}, r"compile: `metrics` contains None"),
    ],
)
def test_unknown_metrics_are_refused_at_compile(kwargs, message):
    with pytest.raises(ValueError, match=message):
        compiled(dn, **kwargs)  # Keras only fails at the first batch of fit
    compiled(dn, metrics=["accuracy", "acc", "mae", dn.metrics.AUC()])


def test_target_shape_error_has_one_hint_and_one_way_of_writing_shapes():
    model = dn.Sequential([dn.Input((28, 28)), dn.layers.Dense(10)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError) as error:
        model.fit(np.zeros((4, 28, 28), "float32"), np.zeros(4, "int64"), verbose=0)
    text = str(error.value)
    assert text.count("Flatten") == 1, text
    assert "(None, 28, 10)" in text and "(None,)" in text, text
    assert "(2," not in text and "(4," not in text, text  # no concrete batch size
