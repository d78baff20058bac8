"""to_categorical, pad_sequences, normalize and split_dataset against Keras 3."""

from __future__ import annotations

import random

import numpy as np
import pytest

import deepnum as dn
from deepnum.data import Dataset
from tests.conftest import reference


@pytest.fixture(scope="module")
def keras():
    return reference("keras")


# -- to_categorical ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "labels, num_classes",
    [
        ([0, 1, 2, 3], None),
        ([0, 1, 2, 3], 4),
        ([1, 1, 0], 5),
        (np.array([[0], [2], [1]]), None),  # trailing 1 is squeezed
        (np.array([[0, 1], [2, 1]]), 3),  # 2-D labels keep their shape
        (np.array([[[1], [0]], [[2], [2]]]), 4),  # (2, 2, 1) -> (2, 2, 4)
        (np.array(3), None),  # a scalar label
        (np.array([2.0, 0.0]), None),  # float labels are cast to int
        ([0, 1], 0),  # 0 means "infer", as in Keras
        (np.arange(5, dtype=np.uint8), 7),
    ],
)
def test_to_categorical_matches_keras(keras, labels, num_classes):
    expected = keras.utils.to_categorical(labels, num_classes=num_classes)
    got = dn.utils.to_categorical(labels, num_classes=num_classes)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("labels, num_classes", [([0, 5], 3), ([-1, 0], 3)])
def test_to_categorical_out_of_range_names_label_and_num_classes(labels, num_classes):
    with pytest.raises(ValueError, match=r"\[0, 3\).*label (5|-1)"):
        dn.utils.to_categorical(labels, num_classes=num_classes)


def test_to_categorical_empty_labels_need_num_classes():
    with pytest.raises(ValueError, match="num_classes"):
        dn.utils.to_categorical([])
    assert dn.utils.to_categorical([], num_classes=3).shape == (0, 3)


# -- pad_sequences -------------------------------------------------------------------------------
SEQUENCES = [[1], [2, 3], [4, 5, 6], [], [7, 8, 9, 10, 11]]

PAD_CASES = [
    {},
    {"maxlen": 2},
    {"maxlen": 3, "padding": "post"},
    {"maxlen": 3, "truncating": "post"},
    {"maxlen": 3, "padding": "post", "truncating": "post"},
    {"maxlen": 8},
    {"maxlen": 8, "padding": "post", "value": -1},
    {"value": 9},
    {"value": -1.7},  # cast to int32 like np.full
    {"dtype": "float32", "value": 0.5},
    {"dtype": "float64", "maxlen": 4, "padding": "post", "truncating": "post", "value": np.nan},
    {"dtype": "int64", "maxlen": 1},
    {"dtype": "uint8", "maxlen": 2, "truncating": "post"},
]


@pytest.mark.parametrize("kwargs", PAD_CASES)
def test_pad_sequences_matches_keras(keras, kwargs):
    expected = keras.utils.pad_sequences(SEQUENCES, **kwargs)
    got = dn.utils.pad_sequences(SEQUENCES, **kwargs)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def _ragged_object_array():
    out = np.empty(3, dtype=object)
    out[:] = [[1, 2, 3, 4, 5], [6], [7, 8]]
    return out


@pytest.mark.parametrize(
    "sequences, kwargs",
    [
        ([np.arange(3), np.arange(5), np.arange(1)], {"maxlen": 4}),  # a list of arrays
        (np.arange(12).reshape(3, 4), {"maxlen": 3, "truncating": "post"}),  # a 2-D array
        ([[[1, 2], [3, 4]], [[5, 6]], []], {}),  # items that are vectors
        ([[[1, 2], [3, 4]], [[5, 6]]], {"maxlen": 3, "padding": "post", "dtype": "float32"}),
        ([[], [], []], {}),  # all empty, maxlen None -> width 0
        ([], {"maxlen": 3}),  # no sequences
        ([["a", "b"], ["c"]], {"dtype": object, "value": "<pad>"}),
        ([["a", "b"], ["c"]], {"dtype": "<U5", "value": "-", "padding": "post"}),
        ([(1, 2, 3), (4,)], {"maxlen": 2}),  # tuples as sequences
        (_ragged_object_array(), {"maxlen": 4}),  # what imdb.load_data returns
    ],
)
def test_pad_sequences_more_inputs_match_keras(keras, sequences, kwargs):
    expected = keras.utils.pad_sequences(sequences, **kwargs)
    got = dn.utils.pad_sequences(sequences, **kwargs)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_pad_sequences_edge_cases_keras_rejects():
    # Keras fails on both (max of an empty list; broadcasting into width 0): deepnum answers.
    assert dn.utils.pad_sequences([]).shape == (0, 0)
    np.testing.assert_array_equal(dn.utils.pad_sequences([[1, 2], [3]], maxlen=0), np.zeros((2, 0)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"padding": "middle"}, "padding"),
        ({"truncating": "both"}, "truncating"),
        ({"maxlen": -1}, "maxlen"),
        ({"maxlen": 2.5}, "maxlen"),
        ({"value": "x"}, "dtype=object"),
    ],
)
def test_pad_sequences_bad_arguments_name_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dn.utils.pad_sequences([[1, 2], [3]], **kwargs)


def test_pad_sequences_rejects_non_sequences_and_mixed_item_shapes():
    with pytest.raises(ValueError, match="item 1 is 5"):
        dn.utils.pad_sequences([[1], 5])
    with pytest.raises(ValueError, match="sequence 1"):
        dn.utils.pad_sequences([[[1, 2]], [[1, 2, 3]]])


# -- normalize -----------------------------------------------------------------------------------
@pytest.mark.parametrize("order", [1, 2, 3, np.inf])
@pytest.mark.parametrize("axis", [-1, 1])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normalize_matches_keras(keras, rng, order, axis, dtype):
    x = rng.normal(size=(4, 5, 3)).astype(dtype)
    x[0, :, :] = 0  # zero vectors stay zero
    expected = keras.utils.normalize(x, axis=axis, order=order)
    got = dn.utils.normalize(x, axis=axis, order=order)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_normalize_integers_and_axis_zero(keras):
    x = np.array([[3, 0], [4, 0]])
    np.testing.assert_allclose(dn.utils.normalize(x), keras.utils.normalize(x))
    # Keras turns axis=0 into -1 (`axis or -1`); deepnum normalizes the columns, as documented.
    np.testing.assert_allclose(dn.utils.normalize(x, axis=0), [[0.6, 0.0], [0.8, 0.0]])


@pytest.mark.parametrize("axis", [2, -3, None])
def test_normalize_bad_axis(axis):
    with pytest.raises(ValueError, match="axis"):
        dn.utils.normalize(np.ones((2, 2)), axis=axis)


# -- split_dataset -------------------------------------------------------------------------------
SPLIT_SIZES = [
    (0.8, None),
    (None, 0.3),
    (0.25, 0.5),
    (3, None),
    (None, 4),
    (2, 5),
    (0.5, 3),
    (0.55, None),  # round(5.5) == 6 in Python (banker's rounding: 5.5 -> 6)
    (0.45, None),  # round(4.5) == 4
]


def _keras_split_sizes(left_size, right_size, total):
    """Keras's size rules (shared by its TensorFlow and torch paths; the torch path then also
    requires the two sizes to add up to the total, which the TensorFlow path does not)."""
    from keras.src.utils.dataset_utils import _rescale_dataset_split_sizes

    return _rescale_dataset_split_sizes(left_size, right_size, total)


@pytest.mark.parametrize("left_size, right_size", SPLIT_SIZES)
def test_split_dataset_sizes_match_keras(keras, left_size, right_size):
    data = np.arange(20).reshape(10, 2)
    expected = _keras_split_sizes(left_size, right_size, 10)
    left, right = dn.utils.split_dataset(data, left_size=left_size, right_size=right_size)
    assert (len(left), len(right)) == expected
    assert isinstance(left, Dataset) and isinstance(right, Dataset)
    if sum(expected) == 10:  # the public Keras function (torch path) agrees
        k_left, k_right = keras.utils.split_dataset(
            data, left_size=left_size, right_size=right_size
        )
        assert (len(k_left), len(k_right)) == expected


@pytest.mark.parametrize(
    "left_size, right_size",
    [
        (0, 0),
        (10, None),
        (-1, None),
        (1.0, None),
        (0.0, 0.5),
        (0.7, 0.6),
        (8, 5),
        (0.01, None),
        ("a", None),
    ],
)
def test_split_dataset_invalid_sizes_fail_like_keras(keras, left_size, right_size):
    with pytest.raises((ValueError, TypeError)) as keras_error:
        _keras_split_sizes(left_size, right_size, 10)
    with pytest.raises(keras_error.type):
        dn.utils.split_dataset(np.arange(10), left_size=left_size, right_size=right_size)


def test_split_dataset_needs_a_size(keras):
    with pytest.raises(ValueError, match="left_size=None and right_size=None"):
        keras.utils.split_dataset(np.arange(10))
    with pytest.raises(ValueError, match="left_size=None and right_size=None"):
        dn.utils.split_dataset(np.arange(10))


def test_split_dataset_without_shuffle_keeps_order():
    x, y = np.arange(10).reshape(5, 2), np.arange(5)
    left, right = dn.utils.split_dataset((x, y), left_size=2, right_size=2)
    assert [int(b) for _, b in left] == [0, 1]
    assert [int(b) for _, b in right] == [3, 4]  # the last samples, like Keras


def test_split_dataset_shuffle_is_seeded_permutation(keras):
    x, y = np.arange(30).reshape(10, 3), np.arange(10) * 10
    left, right = dn.utils.split_dataset([x, y], left_size=0.7, shuffle=True, seed=7)
    left_y = [int(b) for _, b in left]
    right_y = [int(b) for _, b in right]
    assert sorted(left_y + right_y) == list(range(0, 100, 10))
    order = list(range(10))
    random.Random(7).shuffle(order)  # the permutation Keras's split draws from its seed
    assert left_y == [10 * i for i in order[:7]]
    for xb, yb in left:
        np.testing.assert_array_equal(xb, x[yb // 10])  # rows stay paired
    again, _ = dn.utils.split_dataset([x, y], left_size=0.7, shuffle=True, seed=7)
    assert [int(b) for _, b in again] == left_y
    other, _ = dn.utils.split_dataset([x, y], left_size=0.7, shuffle=True, seed=8)
    assert [int(b) for _, b in other] != left_y
    # Keras's split holds the same samples overall.
    k_left, k_right = keras.utils.split_dataset([x, y], left_size=0.7, shuffle=True, seed=7)
    assert len(k_left) == 7 and len(k_right) == 3


def test_split_dataset_dicts_and_datasets():
    data = {"a": np.arange(6), "b": np.arange(6) * 2.0}
    left, right = dn.utils.split_dataset(data, right_size=2)
    assert [int(e["a"]) for e in right] == [4, 5]
    ds = Dataset.from_tensor_slices((np.arange(6), np.arange(6) + 1))
    left, right = dn.utils.split_dataset(ds, left_size=0.5)
    assert [(int(a), int(b)) for a, b in left] == [(0, 1), (1, 2), (2, 3)]
    assert len(right.batch(2)) == 2


def test_split_dataset_bad_inputs():
    with pytest.raises(ValueError, match="5 rows.*4"):
        dn.utils.split_dataset((np.zeros(5), np.zeros(4)), left_size=0.5)
    with pytest.raises(ValueError, match="finite"):
        dn.utils.split_dataset(Dataset.range(3).repeat(), left_size=0.5)
    with pytest.raises(ValueError, match="empty"):
        dn.utils.split_dataset([], left_size=0.5)
