"""deepnum.data.Dataset: slicing, batching, shuffling, map, prefetch, take/skip/repeat."""

from __future__ import annotations

import itertools
import math
import threading
import time

import numpy as np
import pytest

import deepnum as dn
from deepnum.data import INFINITE, UNKNOWN, Dataset


def _ids(ds):
    """The integer ids of a dataset of scalars (or of (id, ...) tuples), flattened over batches."""
    out = []
    for element in ds:
        first = element[0] if isinstance(element, tuple) else element
        out.extend(np.atleast_1d(first).tolist())
    return out


def _slow_path(ds):
    """The same pipeline forced through per-element iteration (map is not index-based)."""
    return ds.map(lambda *e: e if len(e) > 1 else e[0])


# -- from_tensor_slices --------------------------------------------------------------------------
def test_from_tensor_slices_structures():
    x, y = np.arange(12).reshape(4, 3), np.arange(4)
    assert [(a.tolist(), int(b)) for a, b in Dataset.from_tensor_slices((x, y))][1] == (
        [3, 4, 5],
        1,
    )
    elements = list(Dataset.from_tensor_slices({"img": x, "meta": (y, y * 2)}))
    assert len(elements) == 4
    assert set(elements[2]) == {"img", "meta"}
    assert elements[2]["img"].tolist() == [6, 7, 8] and int(elements[2]["meta"][1]) == 4
    # A list is one array, as in tf.data.
    assert [e.tolist() for e in Dataset.from_tensor_slices([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]
    # deepnum Tensors are accepted as arrays.
    assert len(Dataset.from_tensor_slices(dn.tensor(np.zeros((5, 2))))) == 5


def test_from_tensor_slices_length_mismatch_names_both_lengths():
    with pytest.raises(ValueError, match=r"\[0\] has 5 rows and the one at \[1\] has 4"):
        Dataset.from_tensor_slices((np.zeros((5, 2)), np.zeros(4)))
    with pytest.raises(ValueError, match=r"\['x'\] has 3 rows.*\['y'\] has 2"):
        Dataset.from_tensor_slices({"x": np.zeros(3), "y": np.zeros(2)})


@pytest.mark.parametrize(
    "tensors, match",
    [
        ((np.zeros(3), 5), "scalar"),
        ((), "empty tuple"),
        ({}, "empty dict"),
        ([[1, 2], [3]], "use a tuple"),
    ],
)
def test_from_tensor_slices_bad_input(tensors, match):
    with pytest.raises(ValueError, match=match):
        Dataset.from_tensor_slices(tensors)


# -- batch -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("n, batch_size", [(10, 3), (10, 5), (10, 10), (10, 32), (1, 1), (0, 4)])
@pytest.mark.parametrize("drop_remainder", [False, True])
def test_batch_counts_and_sizes(n, batch_size, drop_remainder):
    x, y = np.arange(n * 2, dtype="float32").reshape(n, 2), np.arange(n)
    ds = Dataset.from_tensor_slices((x, y)).batch(batch_size, drop_remainder=drop_remainder)
    expected = n // batch_size if drop_remainder else math.ceil(n / batch_size)
    batches = list(ds)
    assert len(batches) == len(ds) == ds.cardinality() == expected
    for i, (xb, yb) in enumerate(batches):
        rows = np.arange(i * batch_size, min((i + 1) * batch_size, n))
        np.testing.assert_array_equal(yb, rows)
        np.testing.assert_array_equal(xb, x[rows])
        assert xb.dtype == np.float32
    assert [b[1].tolist() for b in batches] == [b[1].tolist() for b in _slow_path(ds)] or (n == 0)


def test_batch_of_dicts_and_nested_batches():
    ds = Dataset.from_tensor_slices({"a": np.arange(5), "b": np.ones((5, 2))}).batch(2)
    first = next(iter(ds))
    assert first["a"].tolist() == [0, 1] and first["b"].shape == (2, 2)
    nested = Dataset.range(8).batch(2).batch(2)
    assert [b.shape for b in nested] == [(2, 2), (2, 2)]
    assert next(iter(nested)).tolist() == [[0, 1], [2, 3]]


def test_batch_of_ragged_elements_suggests_padding():
    ds = Dataset.from_generator(lambda: iter([np.zeros(2), np.zeros(3)])).batch(2)
    with pytest.raises(ValueError, match="pad_sequences"):
        list(ds)


# -- shuffle ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("buffer_size", [1, 4, 50, 100, 1000])
def test_shuffle_is_a_reproducible_permutation(buffer_size):
    ds = Dataset.range(100).shuffle(buffer_size, seed=42)
    order = _ids(ds)
    assert sorted(order) == list(range(100))
    assert _ids(Dataset.range(100).shuffle(buffer_size, seed=42)) == order  # same seed
    assert _ids(_slow_path(Dataset.range(100)).shuffle(buffer_size, seed=42)) == order
    if buffer_size == 1:
        assert order == list(range(100))  # a buffer of one cannot reorder
    else:
        assert order != list(range(100))
        assert _ids(Dataset.range(100).shuffle(buffer_size, seed=43)) != order
    # An element can move at most buffer_size - 1 places earlier.
    assert all(value < position + buffer_size for position, value in enumerate(order))


def test_shuffle_reshuffles_each_iteration_reproducibly():
    ds = Dataset.range(20).shuffle(20, seed=0)
    first, second = _ids(ds), _ids(ds)
    assert first != second
    again = Dataset.range(20).shuffle(20, seed=0)
    assert [_ids(again), _ids(again)] == [first, second]
    fixed = Dataset.range(20).shuffle(20, seed=0, reshuffle_each_iteration=False)
    assert _ids(fixed) == _ids(fixed)


def test_shuffle_without_seed_follows_set_random_seed():
    dn.utils.set_random_seed(5)
    a = _ids(Dataset.range(30).shuffle(30))
    dn.utils.set_random_seed(5)
    b = _ids(Dataset.range(30).shuffle(30))
    assert a == b and sorted(a) == list(range(30))


def test_shuffle_keeps_pairs_and_repeat_gives_new_orders():
    x, y = np.arange(40).reshape(20, 2), np.arange(20)
    ds = Dataset.from_tensor_slices((x, y)).shuffle(20, seed=1).repeat(2).batch(8)
    assert len(ds) == 5
    ys = []
    for xb, yb in ds:
        np.testing.assert_array_equal(xb, x[yb])
        ys.extend(yb.tolist())
    assert sorted(ys[:20]) == sorted(ys[20:]) == list(range(20))
    assert ys[:20] != ys[20:]


# -- map -------------------------------------------------------------------------------------------
def test_map_unpacks_tuples_and_passes_dicts():
    x, y = np.arange(6.0).reshape(3, 2), np.arange(3)
    ds = Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a * 2, b + 1)).batch(3)
    xb, yb = next(iter(ds))
    np.testing.assert_array_equal(xb, x * 2)
    np.testing.assert_array_equal(yb, y + 1)
    ds = Dataset.from_tensor_slices({"a": y}).map(lambda d: d["a"] * 10)
    assert _ids(ds) == [0, 10, 20]
    as_tuple = next(iter(Dataset.range(2).map(lambda v: [v, v])))
    assert isinstance(as_tuple, tuple)
    with pytest.raises(TypeError, match="callable"):
        Dataset.range(2).map(3)


# -- prefetch --------------------------------------------------------------------------------------
@pytest.mark.parametrize("buffer_size", [1, 3, dn.data.AUTOTUNE])
def test_prefetch_yields_the_same_batches(buffer_size):
    x, y = np.random.default_rng(0).normal(size=(50, 4)), np.arange(50)

    def pipeline():
        return Dataset.from_tensor_slices((x, y)).shuffle(50, seed=3).map(lambda a, b: (a, b))

    plain = list(pipeline().batch(7))
    fetched = list(pipeline().batch(7).prefetch(buffer_size))
    assert len(fetched) == len(plain) == 8
    for (xa, ya), (xb, yb) in zip(plain, fetched):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    ds = pipeline().batch(7).prefetch(buffer_size)
    assert len(ds) == 8 and len(list(ds)) == len(list(ds)) == 8  # re-iterable


def test_prefetch_runs_in_a_background_thread():
    names = []
    ds = Dataset.range(4).map(lambda v: names.append(threading.current_thread().name) or v)
    assert _ids(ds.prefetch(1)) == [0, 1, 2, 3]
    assert set(names) == {"deepnum-prefetch"}


def test_prefetch_propagates_worker_exceptions():
    def fail_on_five(v):
        if v == 5:
            raise ZeroDivisionError("element five")
        return v

    ds = Dataset.range(10).map(fail_on_five).batch(2).prefetch(2)
    seen = []
    with pytest.raises(ZeroDivisionError, match="element five"):
        for batch in ds:
            seen.append(batch.tolist())
    assert seen == [[0, 1], [2, 3]]  # batches before the failure arrive first


def test_prefetch_worker_stops_when_iteration_is_abandoned():
    before = {t for t in threading.enumerate() if t.name == "deepnum-prefetch"}
    iterator = iter(Dataset.range(10**6).map(lambda v: v).prefetch(2))
    assert int(next(iterator)) == 0
    iterator.close()
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        alive = {t for t in threading.enumerate() if t.name == "deepnum-prefetch"} - before
        if not alive:
            break
        time.sleep(0.01)
    assert not alive


# -- take / skip / repeat / cardinality ----------------------------------------------------------
@pytest.mark.parametrize("slow", [False, True])
def test_take_skip_repeat(slow):
    base = _slow_path(Dataset.range(5)) if slow else Dataset.range(5)
    assert _ids(base.take(3)) == [0, 1, 2]
    assert _ids(base.take(-1)) == [0, 1, 2, 3, 4]
    assert _ids(base.take(9)) == [0, 1, 2, 3, 4]
    assert _ids(base.skip(3)) == [3, 4]
    assert _ids(base.skip(-1)) == []
    assert _ids(base.repeat(2)) == [0, 1, 2, 3, 4] * 2
    assert _ids(base.repeat().take(12)) == list(itertools.islice(itertools.cycle(range(5)), 12))
    assert _ids(base.skip(1).repeat(2).batch(3)) == [1, 2, 3, 4, 1, 2, 3, 4]
    assert _ids(base.take(0).repeat()) == []  # an empty dataset repeated forever is empty


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: Dataset.range(10), 10),
        (lambda: Dataset.range(10).take(3), 3),
        (lambda: Dataset.range(10).skip(4), 6),
        (lambda: Dataset.range(10).skip(-1), 0),
        (lambda: Dataset.range(10).repeat(3).batch(4), 8),
        (lambda: Dataset.range(10).repeat(), INFINITE),
        (lambda: Dataset.range(10).repeat().take(25).batch(10), 3),
        (lambda: Dataset.range(10).repeat().batch(3), INFINITE),
        (lambda: Dataset.range(0).repeat(), 0),
        (lambda: Dataset.from_generator(lambda: range(3)), UNKNOWN),
        (lambda: Dataset.from_generator(lambda: range(3)).batch(2).take(5), UNKNOWN),
    ],
)
def test_cardinality(make, expected):
    assert make().cardinality() == expected


def test_len_of_infinite_or_unknown_raises_typeerror():
    with pytest.raises(TypeError, match="infinite"):
        len(Dataset.range(3).repeat())
    with pytest.raises(TypeError, match="unknown"):
        len(Dataset.from_generator(lambda: range(3)))
    assert list(Dataset.from_generator(lambda n: range(n), args=(3,))) == [0, 1, 2]
    assert "cardinality=infinite" in repr(Dataset.range(3).repeat())


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda ds: ds.batch(0), "batch_size"),
        (lambda ds: ds.batch(2.5), "batch_size"),
        (lambda ds: ds.shuffle(0), "buffer_size"),
        (lambda ds: ds.shuffle(4, seed=-1), "seed"),
        (lambda ds: ds.prefetch(0), "buffer_size"),
        (lambda ds: ds.take(-2), "count"),
        (lambda ds: ds.repeat(-3), "count"),
    ],
)
def test_bad_arguments_name_the_argument(build, match):
    with pytest.raises(ValueError, match=match):
        build(Dataset.range(4))


def test_from_generator_needs_a_callable():
    with pytest.raises(TypeError, match="generator function"):
        Dataset.from_generator(iter([1, 2]))


def test_large_pipeline_uses_the_index_path_quickly():
    x = np.zeros((60_000, 28, 28), dtype=np.uint8)
    y = np.arange(60_000)
    ds = Dataset.from_tensor_slices((x, y)).shuffle(60_000, seed=0).batch(128).prefetch(2)
    start = time.perf_counter()
    ys = np.concatenate([yb for _, yb in ds])
    assert time.perf_counter() - start < 2.0
    assert len(ds) == 469 and np.array_equal(np.sort(ys), y)
