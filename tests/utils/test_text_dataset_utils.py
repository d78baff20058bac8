"""text_dataset_from_directory: texts against Keras's own reader (_path_to_string_content_grain)
on the same files, labels, max_length, batching and fit."""

from __future__ import annotations

import os

import numpy as np
import pytest

from deepnum.utils import text_dataset_from_directory
from tests.conftest import reference

TEXTS = {
    "neg": ["bad film", "awful, really awful", "zzz", "no"],
    "pos": ["great film", "loved it — à la folie", "yes!\nsecond line"],
}


@pytest.fixture
def corpus(tmp_path):
    for cls, texts in TEXTS.items():
        os.makedirs(tmp_path / "c" / cls)
        for i, text in enumerate(texts):
            (tmp_path / "c" / cls / f"{i}.txt").write_text(text, encoding="utf-8")
        (tmp_path / "c" / cls / "skip.md").write_text("not a .txt file")
    return str(tmp_path / "c")


@pytest.mark.parametrize("max_length", [None, 3, 0, 100])
def test_texts_match_keras(corpus, max_length):
    reference("keras")
    from keras.src.utils.text_dataset_utils import _path_to_string_content_grain

    ds = text_dataset_from_directory(
        corpus, batch_size=3, max_length=max_length, seed=4, verbose=False
    )
    batches = list(ds)
    assert [len(x) for x, _ in batches] == [3, 3, 1]
    texts = np.concatenate([x for x, _ in batches])
    labels = np.concatenate([y for _, y in batches])
    assert texts.dtype == object and labels.dtype == np.int32
    by_label = {"neg": 0, "pos": 1}
    expected = sorted(
        (
            _path_to_string_content_grain(p, max_length),
            by_label[os.path.basename(os.path.dirname(p))],
        )
        for p in ds.file_paths
    )
    assert sorted(zip(texts, labels.tolist())) == expected


def test_unbatched_unlabelled_in_file_order(corpus):
    ds = text_dataset_from_directory(
        corpus, labels=None, batch_size=None, shuffle=False, verbose=False
    )
    assert list(ds) == [open(p, encoding="utf-8").read() for p in ds.file_paths]
    assert ds.class_names is None


def test_categorical_and_binary(corpus):
    for mode, check in (
        ("categorical", lambda y: y.dtype == np.float32 and y.shape == (7, 2)),
        ("binary", lambda y: y.dtype == np.float32 and y.shape == (7, 1)),
    ):
        ds = text_dataset_from_directory(corpus, label_mode=mode, shuffle=False, verbose=False)
        ((_, y),) = list(ds)
        assert check(y)
        assert np.argmax(y, 1).tolist() == [0] * 4 + [1] * 3 if mode == "categorical" else True


def test_non_utf8_file_is_named(corpus):
    with open(os.path.join(corpus, "neg", "0.txt"), "wb") as f:
        f.write(b"\xff\xfe\xfa")
    ds = text_dataset_from_directory(corpus, shuffle=False, verbose=False)
    with pytest.raises(ValueError, match="0.txt is not UTF-8"):
        list(ds)


def test_fits_a_text_model(corpus):
    import deepnum as dn

    ds = text_dataset_from_directory(corpus, batch_size=4, seed=0, verbose=False)
    lengths = ds.map(lambda x, y: (np.array([[len(t)] for t in x], "float32"), y))
    model = dn.Sequential([dn.Input((1,)), dn.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy")
    assert len(model.fit(lengths, epochs=1, verbose=0).history["loss"]) == 1
