"""deepnum's string, lookup and hashing layers against Keras's outputs on the same inputs
(recorded with TensorFlow by ``make_keras_references.py``; see ``cases.py``)."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import deepnum as dn
from tests.layers.preprocessing import cases

REFERENCES = json.loads(
    (pathlib.Path(__file__).parent / "keras_references.json").read_text(encoding="utf-8")
)["cases"]


def _array(values):
    flat = np.array(values, dtype=object).reshape(-1)
    text = flat.size > 0 and isinstance(flat[0], str)
    return np.array(values, dtype=object if text else None)


def _out(value) -> np.ndarray:
    return value.numpy() if hasattr(value, "numpy") else np.asarray(value)


def _check(name: str, layer, adapt, call_input) -> None:
    ref = REFERENCES[name]
    if adapt is not None:
        layer.adapt(_array(adapt))
    out = _out(layer(_array(call_input)))
    expected = np.array(ref["output"], dtype=out.dtype if out.dtype.kind != "U" else object)
    if out.dtype.kind == "f":
        np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6, err_msg=name)
    else:
        assert out.tolist() == expected.tolist(), name
    if "vocabulary" in ref:
        assert layer.get_vocabulary() == ref["vocabulary"], name
    if "idf_weights" in ref:
        lookup = getattr(layer, "_lookup_layer", layer)
        np.testing.assert_allclose(lookup.idf_weights, ref["idf_weights"], rtol=1e-6)


@pytest.mark.parametrize("case", cases.LOOKUP_CASES, ids=[c[0] for c in cases.LOOKUP_CASES])
def test_lookup_layers_match_keras(case):
    name, cls, kwargs, adapt, call_input = case
    _check(name, getattr(dn.layers, cls)(**kwargs), adapt, call_input)


@pytest.mark.parametrize("case", cases.TEXT_CASES, ids=[c[0] for c in cases.TEXT_CASES])
def test_text_vectorization_matches_keras(case):
    name, kwargs, adapt, call_input = case
    _check(name, dn.layers.TextVectorization(**kwargs), adapt, call_input)


@pytest.mark.parametrize("case", cases.HASH_CASES, ids=[c[0] for c in cases.HASH_CASES])
def test_hashing_gives_keras_bins(case):
    name, kwargs, kind = case
    out = _out(dn.layers.Hashing(**kwargs)(cases.hash_input(kind)))
    assert out.tolist() == REFERENCES[name]["output"], name


@pytest.mark.parametrize("case", cases.CROSS_CASES, ids=[c[0] for c in cases.CROSS_CASES])
def test_hashed_crossing_gives_keras_bins(case):
    name, kwargs, values = case
    out = _out(dn.layers.HashedCrossing(**kwargs)(cases.cross_inputs(values)))
    assert out.tolist() == REFERENCES[name]["output"], name


def _layer_for(name: str):
    """The deepnum layer of a recorded case, adapted and called on the case's data."""
    for n, cls, kwargs, adapt, _ in cases.LOOKUP_CASES:
        if n == name:
            layer = getattr(dn.layers, cls)(**kwargs)
            if adapt is not None:
                layer.adapt(_array(adapt))
            return layer
    for n, kwargs, adapt, _ in cases.TEXT_CASES:
        if n == name:
            layer = dn.layers.TextVectorization(**kwargs)
            if adapt is not None:
                layer.adapt(_array(adapt))
            return layer
    for n, kwargs, _ in cases.HASH_CASES:
        if n == name:
            return dn.layers.Hashing(**kwargs)
    for n, kwargs, _ in cases.CROSS_CASES:
        if n == name:
            return dn.layers.HashedCrossing(**kwargs)
    raise KeyError(name)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_configs_match_keras(name):
    """Keras's config (recorded after adapt) equals ours key by key, and builds our layer."""
    keras_config = REFERENCES[name]["config"]
    ours = json.loads(json.dumps(_layer_for(name).get_config()))
    assert {k: ours[k] for k in keras_config} == keras_config
    rebuilt = type(_layer_for(name)).from_config(dict(keras_config))
    for key in set(keras_config) - {"vocabulary_size"}:
        assert json.loads(json.dumps(rebuilt.get_config()[key])) == keras_config[key], key
