"""The file listing, seeded shuffle and training/validation split of the
*_dataset_from_directory functions, against Keras's own index_directory and split on the same
folders: the same files in the same order for the same seed. Also split_dataset's signature."""

from __future__ import annotations

import os

import numpy as np
import pytest

from deepnum.utils import dataset_utils as ours
from deepnum.utils import (
    image_dataset_from_directory,
    split_dataset,
    text_dataset_from_directory,
)
from tests.conftest import reference


@pytest.fixture(scope="module")
def keras_dataset_utils():
    reference("keras")
    from keras.src.utils import dataset_utils

    return dataset_utils


def make_tree(root, spec: dict[str, int], ext=".png", nested=True, write=None):
    """``spec``: class folder -> number of files; a few in a nested subfolder, plus files
    that must be ignored (other extensions, hidden folders)."""
    for folder, count in spec.items():
        os.makedirs(os.path.join(root, folder), exist_ok=True)
        for i in range(count):
            sub = os.path.join(root, folder, "deep" if nested and i % 3 == 2 else "")
            os.makedirs(sub, exist_ok=True)
            name = f"f{i:02d}{ext.upper() if i % 4 == 3 else ext}"
            path = os.path.join(sub, name)
            (write or (lambda p, i: open(p, "wb").close()))(path, i)
        open(os.path.join(root, folder, "notes.csv"), "w").close()
    os.makedirs(os.path.join(root, ".hidden"), exist_ok=True)
    open(os.path.join(root, ".hidden", "x" + ext), "wb").close()
    return root


FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
CASES = [
    ("inferred", None, True, 7),
    ("inferred", None, True, 8),
    ("inferred", None, False, None),
    ("inferred", ["c", "a"], True, 3),
    (None, None, True, 11),
    ("list", None, True, 5),
    ("list", None, False, None),
]


@pytest.mark.parametrize("labels, class_names, shuffle, seed", CASES)
def test_index_directory_matches_keras(
    keras_dataset_utils, tmp_path, labels, class_names, shuffle, seed
):
    root = make_tree(str(tmp_path / "data"), {"a": 5, "b": 4, "c": 6})
    if labels == "list":
        labels = [i % 3 for i in range(16)]  # the hidden folder counts here, as in Keras
    args = (root, labels, FORMATS, class_names, shuffle, seed, False, False)
    paths, got_labels, names = ours.index_directory(*args)
    k_labels = list(labels) if isinstance(labels, list) else labels  # Keras shuffles it in place
    k_paths, k_got, k_names = keras_dataset_utils.index_directory(
        root, k_labels, FORMATS, class_names, shuffle, seed, False, False
    )
    assert paths == k_paths and names == k_names
    if got_labels is None:
        assert k_got is None
    else:
        np.testing.assert_array_equal(np.asarray(got_labels), np.asarray(k_got))
    if isinstance(labels, list):
        assert labels == [i % 3 for i in range(16)]  # the caller's list is left as it was


def test_follow_links_matches_keras(keras_dataset_utils, tmp_path):
    root = make_tree(str(tmp_path / "data"), {"a": 2, "b": 2}, nested=False)
    outside = make_tree(str(tmp_path / "outside"), {"z": 3}, nested=False)
    os.symlink(os.path.join(outside, "z"), os.path.join(root, "a", "linked"))
    for follow in (False, True):
        paths, _, _ = ours.index_directory(root, "inferred", FORMATS, None, True, 3, follow, False)
        k_paths, _, _ = keras_dataset_utils.index_directory(
            root, "inferred", FORMATS, None, True, 3, follow, False
        )
        assert paths == k_paths and len(paths) == (7 if follow else 4)


@pytest.mark.parametrize("split, subset", [(0.2, "training"), (0.2, "validation"), (0.5, "both")])
def test_directory_datasets_list_keras_files(keras_dataset_utils, tmp_path, split, subset):
    root = make_tree(str(tmp_path / "data"), {"a": 6, "b": 5, "c": 7}, ext=".txt")
    result = text_dataset_from_directory(
        root, seed=17, validation_split=split, subset=subset, verbose=False
    )
    k_paths, k_labels, _ = keras_dataset_utils.index_directory(
        root, "inferred", (".txt",), None, True, 17, False, False
    )
    parts = ["training", "validation"] if subset == "both" else [subset]
    datasets = result if subset == "both" else [result]
    for part, dataset in zip(parts, datasets):
        expected, expected_labels = keras_dataset_utils.get_training_or_validation_split(
            k_paths, k_labels, split, part
        )
        assert dataset.file_paths == expected
        assert dataset.class_names == ["a", "b", "c"]
        if part == "validation":  # not shuffled per epoch: the labels come in file order
            np.testing.assert_array_equal(np.concatenate([y for _, y in dataset]), expected_labels)


def test_validation_subsets_do_not_overlap(tmp_path):
    root = make_tree(str(tmp_path / "data"), {"a": 6, "b": 6}, ext=".txt")
    kwargs = {"seed": 1, "validation_split": 0.25, "verbose": False}
    train = text_dataset_from_directory(root, subset="training", **kwargs)
    val = text_dataset_from_directory(root, subset="validation", **kwargs)
    assert len(val.file_paths) == 3 and len(train.file_paths) == 9
    every = [
        os.path.join(folder, name)
        for cls in ("a", "b")
        for folder, _, names in os.walk(os.path.join(root, cls))
        for name in names
        if name.lower().endswith(".txt")
    ]
    assert sorted(train.file_paths + val.file_paths) == sorted(every)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"label_mode": "sparse"}, ValueError, "label_mode"),
        ({"labels": "folders"}, ValueError, "labels must be"),
        ({"labels": [0, 1], "class_names": ["a"]}, ValueError, "class_names"),
        ({"labels": [0, 1]}, ValueError, "one label per file"),
        ({"class_names": ["a", "zzz"]}, ValueError, "subfolders"),
        ({"label_mode": "binary"}, ValueError, "exactly 2 classes"),
        ({"validation_split": 0.2}, ValueError, "subset"),
        ({"validation_split": 0.2, "subset": "training"}, ValueError, "seed"),
        ({"validation_split": 1.5, "subset": "training", "seed": 1}, ValueError, "between 0"),
        ({"validation_split": 0.2, "subset": "test", "seed": 1}, ValueError, "subset"),
        ({"validation_split": 0.01, "subset": "training", "seed": 1}, ValueError, "training"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"max_length": -1}, ValueError, "max_length"),
        ({"format": "torch"}, ValueError, "format"),
    ],
)
def test_bad_arguments_name_the_argument(tmp_path, kwargs, error, message):
    root = make_tree(str(tmp_path / "data"), {"a": 3, "b": 3, "c": 3}, ext=".txt")
    with pytest.raises(error, match=message) as info:
        text_dataset_from_directory(root, verbose=False, **kwargs)
    assert "text_dataset_from_directory" in str(info.value)


def test_directory_errors(tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "a.png").write_bytes(b"")
    with pytest.raises(ValueError, match="no subfolders") as info:
        image_dataset_from_directory(flat, verbose=False)
    assert str(flat) in str(info.value)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        image_dataset_from_directory(tmp_path / "missing", verbose=False)
    empty = make_tree(str(tmp_path / "empty"), {"a": 0, "b": 0})
    with pytest.raises(ValueError, match="no files with the extensions"):
        image_dataset_from_directory(empty, verbose=False)


def test_verbose_counts(tmp_path, capsys):
    root = make_tree(str(tmp_path / "data"), {"a": 2, "b": 3}, ext=".txt")
    text_dataset_from_directory(root, validation_split=0.2, subset="both", seed=0)
    assert capsys.readouterr().out.splitlines() == [
        "Found 5 files belonging to 2 classes.",
        "Using 4 files for training.",
        "Using 1 files for validation.",
    ]


def test_split_dataset_has_keras_signature():
    import inspect

    keras = reference("keras")
    assert list(inspect.signature(split_dataset).parameters) == list(
        inspect.signature(keras.utils.split_dataset).parameters
    )
    left, right = split_dataset(np.arange(10), 0.7, preferred_backend="torch")
    assert [int(v) for v in right] == [7, 8, 9] and len(left) == 7
    with pytest.raises(TypeError, match="preferred_backend"):
        split_dataset(np.arange(10), 0.5, preferred_backend=3)
