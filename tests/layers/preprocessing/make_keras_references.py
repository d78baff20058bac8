"""Record Keras's outputs on ``cases.py`` into ``keras_references.json`` and save ``.keras``
files of adapted lookup layers into ``keras_files/``.

Keras's string, lookup and hashing layers need TensorFlow; run this with a Python holding
TensorFlow and the pinned Keras 3 (KERAS_BACKEND=torch), from the repository root:

    KERAS_BACKEND=torch python -m tests.layers.preprocessing.make_keras_references
"""

from __future__ import annotations

import json
import os
import pathlib

import numpy as np

from tests.layers.preprocessing import cases

HERE = pathlib.Path(__file__).parent
FILES = HERE / "keras_files"


def _plain(value):
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SO":
            return [_plain(v) for v in value.tolist()]
        return value.tolist()
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _record(layer, adapt, call_input, **call_kwargs):
    if adapt is not None:
        layer.adapt(np.array(adapt, dtype=object if _is_text(adapt) else None))
    out = layer(np.array(call_input, dtype=object if _is_text(call_input) else None))
    entry = {"output": _plain(out), "config": _config(layer)}
    if hasattr(layer, "get_vocabulary"):
        entry["vocabulary"] = _plain(layer.get_vocabulary())
    idf = getattr(getattr(layer, "_lookup_layer", layer), "idf_weights", None)
    if idf is not None:
        entry["idf_weights"] = _plain(idf.numpy())
    return entry


def _config(layer) -> dict:
    config = layer.get_config()
    config.pop("dtype", None)
    config.pop("name", None)
    return json.loads(json.dumps(_plain(config)))


def _is_text(values) -> bool:
    flat = np.array(values, dtype=object).reshape(-1)
    return flat.size > 0 and isinstance(flat[0], str)


def lookups(keras) -> dict:
    out = {}
    for name, cls, kwargs, adapt, call_input in cases.LOOKUP_CASES:
        out[name] = _record(getattr(keras.layers, cls)(**kwargs), adapt, call_input)
    for name, kwargs, adapt, call_input in cases.TEXT_CASES:
        out[name] = _record(keras.layers.TextVectorization(**kwargs), adapt, call_input)
    for name, kwargs, kind in cases.HASH_CASES:
        layer = keras.layers.Hashing(**kwargs)
        out[name] = {"output": _plain(layer(cases.hash_input(kind))), "config": _config(layer)}
    for name, kwargs, values in cases.CROSS_CASES:
        layer = keras.layers.HashedCrossing(**kwargs)
        out[name] = {"output": _plain(layer(cases.cross_inputs(values))), "config": _config(layer)}
    return out


def _predict(keras, model, inputs):
    """Run a saved model layer by layer (Keras's torch backend cannot convert strings)."""
    values = {}
    for i, t in enumerate(model.inputs):
        values[id(t)] = inputs[i]
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        node = layer._inbound_nodes[0]
        args = [values[id(t)] for t in node.input_tensors]
        result = layer(args if len(args) > 1 else args[0])
        for t, r in zip(node.output_tensors, result if isinstance(result, list) else [result]):
            values[id(t)] = r
    return [_plain(values[id(t)]) for t in model.outputs]


def saved_models(keras) -> dict:
    FILES.mkdir(exist_ok=True)
    keras.utils.set_random_seed(0)
    texts = np.array(cases.TEXT_INPUTS, dtype=object).reshape(-1, 1)
    corpus = np.array(cases.CORPUS, dtype=object)
    out = {}

    inp = keras.Input(shape=(1,), dtype="string")
    tv = keras.layers.TextVectorization(max_tokens=30, output_sequence_length=6)
    tv.adapt(corpus)
    x = keras.layers.Embedding(30, 4)(tv(inp))
    x = keras.layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inp, keras.layers.Dense(1)(x))
    model.save(FILES / "text_int.keras")
    out["text_int"] = {"inputs": [_plain(texts)], "outputs": _predict(keras, model, [texts])}

    inp = keras.Input(shape=(1,), dtype="string")
    tv = keras.layers.TextVectorization(max_tokens=20, output_mode="tf_idf", ngrams=2)
    tv.adapt(corpus)
    model = keras.Model(inp, keras.layers.Dense(2)(tv(inp)))
    model.save(FILES / "text_tf_idf.keras")
    out["text_tf_idf"] = {"inputs": [_plain(texts)], "outputs": _predict(keras, model, [texts])}

    s_in = keras.Input(shape=(3,), dtype="string")
    i_in = keras.Input(shape=(3,), dtype="int64")
    sl = keras.layers.StringLookup(num_oov_indices=2, mask_token="")
    sl.adapt(np.array(cases.TOKENS, dtype=object))
    il = keras.layers.IntegerLookup(output_mode="count")
    il.adapt(np.array(cases.INTS))
    model = keras.Model([s_in, i_in], [sl(s_in), il(i_in)])
    model.save(FILES / "lookups.keras")
    s_data = np.array([["a", "", "q"], ["e", "b", "zz"]], dtype=object)
    i_data = np.array([[12, 1138, 42], [42, 1000, 36]])
    out["lookups"] = {
        "inputs": [_plain(s_data), _plain(i_data)],
        "outputs": _predict(keras, model, [s_data, i_data]),
    }
    return out


def main() -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    references = {"keras_version": keras.__version__, "cases": lookups(keras)}
    references["saved"] = saved_models(keras)
    with open(HERE / "keras_references.json", "w", encoding="utf-8") as f:
        json.dump(references, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()
