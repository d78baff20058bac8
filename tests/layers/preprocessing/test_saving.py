"""Adapted preprocessing state in ``.keras`` files, both ways with Keras: vocabularies as
``assets/<layer path>/vocabulary.txt``, IDF weights under ``vars/idf_weights``, Normalization's
mean/variance/count as variables, Discretization's boundaries in the config."""

from __future__ import annotations

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


def _twins() -> dict[str, dn.Model]:
    """deepnum's models built as make_keras_references built the Keras files in keras_files/."""
    corpus = np.array(cases.CORPUS, dtype=object)
    inp = dn.Input(shape=(1,), dtype="string")
    tv = dn.layers.TextVectorization(max_tokens=30, output_sequence_length=6)
    tv.adapt(corpus)
    x = dn.layers.GlobalAveragePooling1D()(dn.layers.Embedding(30, 4)(tv(inp)))
    text_int = dn.Model(inp, dn.layers.Dense(1)(x))
    inp = dn.Input(shape=(1,), dtype="string")
    tv = dn.layers.TextVectorization(max_tokens=20, output_mode="tf_idf", ngrams=2)
    tv.adapt(corpus)
    text_tf_idf = dn.Model(inp, dn.layers.Dense(2)(tv(inp)))
    s_in, i_in = dn.Input(shape=(3,), dtype="string"), dn.Input(shape=(3,), dtype="int64")
    sl = dn.layers.StringLookup(num_oov_indices=2, mask_token="")
    sl.adapt(np.array(cases.TOKENS, dtype=object))
    il = dn.layers.IntegerLookup(output_mode="count")
    il.adapt(np.array(cases.INTS))
    lookups = dn.Model([s_in, i_in], [sl(s_in), il(i_in)])
    return {"text_int": text_int, "text_tf_idf": text_tf_idf, "lookups": lookups}


PREPROCESSING = ("InputLayer", "TextVectorization", "StringLookup", "IntegerLookup")


def _layers(archive: zipfile.ZipFile) -> list[dict]:
    """Each layer's class, module, config (less the generated names) and build_config."""
    out = []
    for layer in json.loads(archive.read("config.json"))["config"]["layers"]:
        config = {k: v for k, v in layer["config"].items() if k != "name"}
        if isinstance(config.get("dtype"), dict):  # Keras numbers policies it shares
            config["dtype"] = {k: v for k, v in config["dtype"].items() if k != "shared_object_id"}
        build = layer.get("build_config") or None  # Keras writes {} for the lookups
        if layer["class_name"] in ("Dense", "Embedding"):  # the width that sizes the weights
            build = build["input_shape"][-1]
        elif layer["class_name"] not in PREPROCESSING:  # compared in the layers' own tests
            build = None
        out.append((layer["class_name"], layer["module"], config, build))
    return out


def _weights(archive: zipfile.ZipFile, stateful_only: bool) -> dict[str, np.ndarray]:
    import io

    h5py = reference("h5py")
    found = {}
    with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as f:
        f.visititems(
            lambda name, obj: found.__setitem__(name, obj[()]) if hasattr(obj, "shape") else None
        )
    if stateful_only:  # the adapted state (IDF weights), not the randomly initialised weights
        return {k: v for k, v in found.items() if "dense" not in k and "embedding" not in k}
    return {k: v.shape for k, v in found.items()}


@pytest.mark.parametrize("name", sorted(SAVED))
def test_deepnum_files_hold_what_keras_writes(tmp_path, name):
    """What Keras reads from a .keras file, member by member, equals what Keras itself wrote
    for the same model adapted on the same data (keras_files/, made by
    make_keras_references.py): the member names, the vocabulary assets byte for byte, every
    layer's config and build_config, the weight file's layout, and the adapted IDF weights."""
    model = _twins()[name]
    model.save(tmp_path / "m.keras")
    ours = zipfile.ZipFile(tmp_path / "m.keras")
    theirs = zipfile.ZipFile(HERE / "keras_files" / f"{name}.keras")
    assert sorted(ours.namelist()) == sorted(theirs.namelist())
    for member in theirs.namelist():
        if member.startswith("assets/"):
            assert ours.read(member) == theirs.read(member), member
    assert _layers(ours) == _layers(theirs)
    assert _weights(ours, False) == _weights(theirs, False)
    state, want = _weights(ours, True), _weights(theirs, True)
    assert state.keys() == want.keys()
    for key in want:
        np.testing.assert_allclose(state[key], want[key], rtol=1e-6, err_msg=key)


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
