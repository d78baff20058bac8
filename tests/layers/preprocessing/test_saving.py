"""Adapted preprocessing state in ``.keras`` files, both ways with Keras: vocabularies as
``assets/<layer path>/vocabulary.txt``, IDF weights under ``vars/idf_weights``, Normalization's
mean/variance/count as variables, Discretization's boundaries in the config."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import zipfile

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference
from tests.layers.preprocessing import cases

HERE = pathlib.Path(__file__).parent
SAVED = json.loads((HERE / "keras_references.json").read_text(encoding="utf-8"))["saved"]
HAS_TF = importlib.util.find_spec("tensorflow") is not None


def _inputs(values: list) -> list[np.ndarray]:
    out = []
    for v in values:
        text = isinstance(np.array(v, dtype=object).reshape(-1)[0], str)
        out.append(np.array(v, dtype=object if text else None))
    return out


def _as_list(out) -> list[np.ndarray]:
    out = out if isinstance(out, (list, tuple)) else [out]
    return [o.numpy() if hasattr(o, "numpy") else np.asarray(o) for o in out]


@pytest.mark.parametrize("name", sorted(SAVED))
def test_keras_files_load_with_their_vocabularies(name):
    model = dn.models.load_model(HERE / "keras_files" / f"{name}.keras")
    xs = _inputs(SAVED[name]["inputs"])
    outputs = _as_list(model(xs if len(xs) > 1 else xs[0]))
    for out, expected in zip(outputs, SAVED[name]["outputs"]):
        np.testing.assert_allclose(out, np.array(expected), rtol=1e-5, atol=1e-6)


def _text_model() -> dn.Model:
    inp = dn.Input(shape=(1,), dtype="string")
    tv = dn.layers.TextVectorization(max_tokens=25, output_mode="tf_idf", ngrams=2)
    tv.adapt(np.array(cases.CORPUS, dtype=object))
    sl = dn.layers.StringLookup(num_oov_indices=2)
    sl.adapt(np.array(cases.TOKENS))
    words = dn.Input(shape=(3,), dtype="string")
    return dn.Model([inp, words], [dn.layers.Dense(2)(tv(inp)), sl(words)])


def _text_inputs() -> list[np.ndarray]:
    texts = np.array(cases.TEXT_INPUTS, dtype=object).reshape(-1, 1)
    words = np.array([["a", "zz", "b"], ["c", "", "y"], ["q", "x", "a"]] * 2, dtype=object)
    return [texts, words]


def test_deepnum_file_layout_is_keras(tmp_path):
    model = _text_model()
    model.save(tmp_path / "m.keras")
    names = zipfile.ZipFile(tmp_path / "m.keras").namelist()
    assert "assets/layers/text_vectorization/vocabulary.txt" in names
    assert "assets/layers/text_vectorization/_lookup_layer/vocabulary.txt" in names
    assert "assets/layers/string_lookup/vocabulary.txt" in names
    vocab = zipfile.ZipFile(tmp_path / "m.keras").read("assets/layers/string_lookup/vocabulary.txt")
    lookup = [la for la in model.layers if isinstance(la, dn.layers.StringLookup)][0]
    assert vocab.decode().split("\n") == lookup.get_vocabulary()
    loaded = dn.models.load_model(tmp_path / "m.keras")
    for a, b in zip(_as_list(loaded(_text_inputs())), _as_list(model(_text_inputs()))):
        np.testing.assert_allclose(a, b, rtol=1e-6)

    def text_layer(m):
        return [la for la in m.layers if isinstance(la, dn.layers.TextVectorization)][0]

    assert text_layer(loaded).get_vocabulary() == text_layer(model).get_vocabulary()


def test_directory_format_keeps_assets(tmp_path):
    model = _text_model()
    model.save(tmp_path / "dir", zipped=False)
    assert (tmp_path / "dir" / "assets" / "layers" / "string_lookup" / "vocabulary.txt").exists()
    loaded = dn.models.load_model(tmp_path / "dir")
    for a, b in zip(_as_list(loaded(_text_inputs())), _as_list(model(_text_inputs()))):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.skipif(not HAS_TF, reason="Keras's lookup layers need TensorFlow")
def test_deepnum_text_file_opens_in_keras(tmp_path):
    keras = reference("keras")
    model = _text_model()
    model.save(tmp_path / "m.keras")
    k_model = keras.saving.load_model(tmp_path / "m.keras")
    k_tv = [la for la in k_model.layers if type(la).__name__ == "TextVectorization"][0]
    k_sl = [la for la in k_model.layers if type(la).__name__ == "StringLookup"][0]
    k_dense = [la for la in k_model.layers if type(la).__name__ == "Dense"][0]
    texts, words = _text_inputs()
    ours = _as_list(model([texts, words]))
    theirs = k_dense(k_tv(texts)).detach().numpy()
    np.testing.assert_allclose(ours[0], theirs, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ours[1], k_sl(words).detach().numpy())


def _numeric_model(keras_module) -> object:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype("float32") * 3 + 1
    inp = keras_module.Input(shape=(3,))
    norm = keras_module.layers.Normalization()
    norm.adapt(x)
    disc = keras_module.layers.Discretization(num_bins=4)
    disc.update_state(x)  # Keras's adapt() checks for tf.data, so needs TensorFlow
    disc.finalize_state()
    return keras_module.Model(inp, [norm(inp), disc(inp)]), x


@pytest.mark.parametrize("direction", ["deepnum_to_keras", "keras_to_deepnum"])
def test_normalization_and_discretization_round_trip(tmp_path, direction):
    keras = reference("keras")
    source, target = (dn, keras) if direction == "deepnum_to_keras" else (keras, dn)
    model, x = _numeric_model(source)
    model.save(tmp_path / "m.keras")
    loaded = target.saving.load_model(tmp_path / "m.keras")
    for a, b in zip(_as_list(model(x)), _as_list(loaded(x))):
        a = a.detach().numpy() if hasattr(a, "detach") else a
        b = b.detach().numpy() if hasattr(b, "detach") else b
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
