"""Lookups and TextVectorization: adapt from every kind of data (streamed a batch at a time),
vocabulary files, custom callables, training a model on raw strings, and the errors for bad
arguments."""

from __future__ import annotations

import collections
import math

import numpy as np
import pytest

import deepnum as dn
from tests.layers.preprocessing import cases

CORPUS = np.array(cases.CORPUS * 3, dtype=object)


def _texts(source: str):
    """The corpus as arrays, lists, datasets, generators and PyDatasets."""

    class Batches(dn.data.PyDataset):
        def __len__(self):
            return math.ceil(len(CORPUS) / 4)

        def __getitem__(self, i):
            return CORPUS[4 * i : 4 * i + 4]

    return {
        "array": CORPUS,
        "unicode": CORPUS.astype(str),
        "list": CORPUS.tolist(),
        "dataset": dn.data.Dataset.from_tensor_slices(CORPUS.astype(str)).batch(5),
        "unbatched_dataset": dn.data.Dataset.from_tensor_slices(CORPUS.astype(str)),
        "labelled_dataset": dn.data.Dataset.from_tensor_slices(
            (CORPUS, np.zeros(len(CORPUS)))
        ).batch(7),
        "generator": (CORPUS[i : i + 3] for i in range(0, len(CORPUS), 3)),
        "py_dataset": Batches(),
    }[source]


SOURCES = ["unicode", "list", "dataset", "unbatched_dataset", "labelled_dataset", "generator"]


@pytest.mark.parametrize("source", SOURCES + ["py_dataset"])
def test_text_vectorization_adapts_from_any_source_to_the_same_state(source):
    whole = dn.layers.TextVectorization(output_mode="tf_idf", max_tokens=30)
    whole.adapt(_texts("array"))
    streamed = dn.layers.TextVectorization(output_mode="tf_idf", max_tokens=30)
    streamed.adapt(_texts(source))
    assert streamed.get_vocabulary() == whole.get_vocabulary()
    np.testing.assert_allclose(
        streamed._lookup_layer.idf_weights, whole._lookup_layer.idf_weights, rtol=1e-6
    )


def test_vocabulary_is_ordered_by_count_then_token_descending():
    """Keras's rule, checked against a Counter: (count, token) descending."""
    tokens = [w for t in cases.CORPUS for w in t.lower().split()]
    layer = dn.layers.StringLookup()
    layer.adapt(np.array(tokens, dtype=object))
    counts = collections.Counter(tokens)
    expected = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
    assert layer.get_vocabulary(include_special_tokens=False) == expected
    assert layer.vocabulary_size() == len(expected) + 1


def test_integer_lookup_adapts_in_batches_and_inverts():
    data = np.random.default_rng(0).integers(0, 50, size=(200, 5))
    layer = dn.layers.IntegerLookup(max_tokens=20)
    layer.adapt(data[i : i + 16] for i in range(0, 200, 16))
    counts = collections.Counter(data.ravel().tolist())
    expected = sorted(counts, key=lambda t: (counts[t], t), reverse=True)[:19]
    assert layer.get_vocabulary() == [-1] + expected
    inverse = dn.layers.IntegerLookup(vocabulary=layer.get_vocabulary(), invert=True)
    ids = layer(data).numpy()
    restored = np.asarray(inverse(ids))
    known = np.isin(data, expected)
    np.testing.assert_array_equal(restored[known], data[known])
    assert (restored[~known] == -1).all()


def test_vocabulary_files(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("cat\ndog\nbird\n", encoding="utf-8")
    lookup = dn.layers.StringLookup(vocabulary=str(path))
    assert lookup.get_vocabulary() == ["[UNK]", "cat", "dog", "bird"]
    assert lookup(np.array(["dog", "fish"])).numpy().tolist() == [2, 0]
    assert lookup.get_config()["vocabulary"] is None  # saved as an asset instead
    tv = dn.layers.TextVectorization(vocabulary=str(path))
    assert tv(np.array(["Bird, cat!"])).numpy().tolist() == [[4, 2]]
    ints = tmp_path / "ints.txt"
    ints.write_text("7\n3\n", encoding="utf-8")
    assert dn.layers.IntegerLookup(vocabulary=str(ints))(np.array([3, 7, 5])).numpy().tolist() == [
        2,
        1,
        0,
    ]


def test_custom_standardize_and_split_callables():
    def standardize(x):
        return np.char.replace(np.char.lower(x), "-", " ")

    def split(x):
        return [s.split(",") for s in x]

    layer = dn.layers.TextVectorization(standardize=standardize, split=split)
    layer.adapt(np.array(["A-B,c,c", "c,D"]))
    assert layer.get_vocabulary() == ["", "[UNK]", "c", "d", "a b"]
    assert layer(np.array(["c,x", "A-B"])).numpy().tolist() == [[2, 1], [4, 0]]


def test_text_vectorization_streams_large_data_with_bounded_batches():
    def batches():
        rng = np.random.default_rng(0)
        words = np.array([f"w{i}" for i in range(300)])
        for _ in range(20):
            yield np.array([" ".join(rng.choice(words, 12)) for _ in range(50)])

    layer = dn.layers.TextVectorization(max_tokens=100)
    layer.adapt(batches())
    counts = collections.Counter(w for b in batches() for t in b for w in t.split())
    expected = sorted(counts, key=lambda t: (counts[t], t), reverse=True)[:98]
    assert layer.get_vocabulary(include_special_tokens=False) == expected


def test_model_trains_on_raw_strings():
    texts = np.array([["good movie great"], ["bad film awful"], ["great good fun"], ["awful bad"]])
    texts, y = np.tile(texts, (8, 1)), np.tile(np.array([1, 0, 1, 0], "float32"), 8)
    vectorize = dn.layers.TextVectorization(max_tokens=20, output_sequence_length=4)
    vectorize.adapt(texts)
    inp = dn.Input(shape=(1,), dtype="string")
    x = dn.layers.GlobalAveragePooling1D()(dn.layers.Embedding(20, 8)(vectorize(inp)))
    model = dn.Model(inp, dn.layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer=dn.optimizers.Adam(0.05), loss="binary_crossentropy")
    losses = model.fit(texts, y, epochs=4, batch_size=8, verbose=0).history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    more = model.fit(texts.astype(object), y, epochs=1, batch_size=8, verbose=0).history["loss"]
    assert more[0] < losses[0]
    ds = dn.data.Dataset.from_tensor_slices((texts, y)).batch(8)
    assert model.evaluate(ds, verbose=0) < losses[0]
    assert model.predict(texts[:3], verbose=0).shape == (3, 1)


# ------------------------------------------------------------------------ bad input
BAD = [
    (lambda: dn.layers.StringLookup(output_mode="bag"), "output_mode"),
    (lambda: dn.layers.IntegerLookup(output_mode="one-hot"), "output_mode"),
    (lambda: dn.layers.TextVectorization(output_mode="ints"), "output_mode"),
    (lambda: dn.layers.Hashing(4, output_mode="tf_idf"), "output_mode"),
    (lambda: dn.layers.HashedCrossing(4, output_mode="count"), "output_mode"),
    (lambda: dn.layers.CategoryEncoding(4, output_mode="int"), "output_mode"),
    (lambda: dn.layers.Discretization(num_bins=3, output_mode="tf_idf"), "output_mode"),
    (lambda: dn.layers.StringLookup(vocabulary=["a", "b", "a"]), "repeated"),
    (lambda: dn.layers.IntegerLookup(vocabulary=[1, 2, 2]), "repeated"),
    (lambda: dn.layers.TextVectorization(vocabulary=["x", "y", "x"]), "repeated"),
    (lambda: dn.layers.StringLookup(vocabulary=[]), "vocabulary"),
    (lambda: dn.layers.StringLookup(mask_token="a", vocabulary=["b", "a"]), "mask_token"),
    (lambda: dn.layers.StringLookup(max_tokens=3, vocabulary=["a", "b", "c"]), "max_tokens"),
    (lambda: dn.layers.StringLookup(sparse=True, output_mode="multi_hot"), "sparse"),
    (lambda: dn.layers.CategoryEncoding(4, sparse=True), "sparse"),
    (lambda: dn.layers.TextVectorization(ragged=True), "ragged"),
    (lambda: dn.layers.TextVectorization(split="comma"), "split"),
    (lambda: dn.layers.TextVectorization(standardize="upper"), "standardize"),
    (lambda: dn.layers.TextVectorization(output_mode="count", output_sequence_length=4),
     "output_sequence_length"),
    (lambda: dn.layers.StringLookup(output_mode="tf_idf", vocabulary=["a"]), "idf_weights"),
    (lambda: dn.layers.StringLookup(idf_weights=[1.0], vocabulary=["a"]), "idf_weights"),
    (lambda: dn.layers.StringLookup(invert=True, output_mode="count"), "invert"),
    (lambda: dn.layers.StringLookup(vocabulary="/no/such/vocab.txt"), "does not exist"),
    (lambda: dn.layers.Discretization(), "num_bins"),
    (lambda: dn.layers.Discretization(num_bins=2, bin_boundaries=[0.0]), "num_bins"),
    (lambda: dn.layers.Normalization(mean=1.0), "variance"),
    (lambda: dn.layers.Hashing(0), "num_bins"),
    (lambda: dn.layers.STFTSpectrogram(mode="power"), "mode"),
    (lambda: dn.layers.MelSpectrogram(fft_length=16, sequence_length=32), "fft_length"),
]  # fmt: skip


@pytest.mark.parametrize("make, word", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_arguments_are_named(make, word):
    with pytest.raises(ValueError, match=word):
        make()


EMPTY = [np.array([], dtype=str), [], iter([]), dn.data.Dataset.from_tensor_slices(np.zeros((0,)))]


@pytest.mark.parametrize(
    "layer",
    [
        lambda: dn.layers.StringLookup(),
        lambda: dn.layers.IntegerLookup(),
        lambda: dn.layers.TextVectorization(),
        lambda: dn.layers.Normalization(),
        lambda: dn.layers.Discretization(num_bins=3),
    ],
)
@pytest.mark.parametrize("empty", range(len(EMPTY)))
def test_adapt_on_empty_data_is_an_error(layer, empty):
    data = EMPTY[empty]
    data = iter([]) if empty == 2 else data
    with pytest.raises(ValueError, match="adapt"):
        layer().adapt(data)


def test_out_of_vocabulary_with_no_oov_indices_is_an_error():
    layer = dn.layers.StringLookup(vocabulary=["a"], num_oov_indices=0)
    assert layer(np.array(["a"])).numpy().tolist() == [0]
    with pytest.raises(ValueError, match="num_oov_indices"):
        layer(np.array(["a", "b"]))


def test_adapt_after_a_fixed_vocabulary_is_an_error():
    with pytest.raises(ValueError, match="static vocabulary"):
        dn.layers.StringLookup(vocabulary=["a"]).adapt(np.array(["b"]))


def test_category_encoding_refuses_values_out_of_range():
    with pytest.raises(ValueError, match="num_tokens"):
        dn.layers.CategoryEncoding(3)(np.array([[0, 3]]))


def test_sentiment_example_runs(monkeypatch, capsys):
    import os
    import runpy
    import sys

    script = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples")
    script = os.path.join(script, "sentiment_from_text_files.py")
    monkeypatch.setattr(sys, "argv", [script, "--epochs", "2"])
    runpy.run_path(script, run_name="__main__")
    out = capsys.readouterr().out
    assert "test accuracy" in out and "reloaded model" in out
