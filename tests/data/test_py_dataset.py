"""PyDataset (Keras 3's protocol) and the iterator helpers behind Dataset."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest

import deepnum as dn
from deepnum.data import PyDataset, iterate_py_dataset
from deepnum.data.iterators import background, batched_indices, buffer_shuffle
from tests.conftest import reference


class Batches(PyDataset):
    def __init__(self, n, batch_size, delay=0.0, fail_at=None, **kwargs):
        super().__init__(**kwargs)
        self.x = np.arange(n, dtype="float32")
        self.batch_size = batch_size
        self.delay = delay
        self.fail_at = fail_at
        self.epochs_ended = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        if index == self.fail_at:
            raise KeyError(f"batch {index}")
        if self.delay:
            time.sleep(self.delay * ((index * 7) % 3))  # out-of-order completion
        rows = self.x[index * self.batch_size : (index + 1) * self.batch_size]
        return rows, rows * 2

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_py_dataset_defaults_match_keras():
    keras = reference("keras")
    ours, theirs = PyDataset(), keras.utils.PyDataset()
    for name in ("workers", "use_multiprocessing", "max_queue_size"):
        assert getattr(ours, name) == getattr(theirs, name)
    assert dn.utils.PyDataset is PyDataset and dn.utils.Sequence is PyDataset


def test_py_dataset_protocol():
    ds = Batches(7, 3, workers=4, max_queue_size=2)
    assert (ds.workers, ds.use_multiprocessing, ds.max_queue_size) == (4, False, 2)
    assert len(ds) == ds.num_batches == 3
    assert [x.tolist() for x, _ in ds] == [[0, 1, 2], [3, 4, 5], [6]]
    ds.on_epoch_begin()
    ds.on_epoch_end()
    assert ds.epochs_ended == 1
    with pytest.raises(NotImplementedError, match="__getitem__"):
        PyDataset()[0]


def test_py_dataset_without_super_init_warns_and_uses_defaults():
    class NoSuper(PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 1

        def __getitem__(self, index):
            return index

    with pytest.warns(UserWarning, match="super"):
        assert NoSuper().workers == 1


def test_py_dataset_endless():
    class Endless(PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, index):
            return index

    assert list(itertools.islice(Endless(), 4)) == [0, 1, 2, 3]
    assert list(itertools.islice(iterate_py_dataset(Endless(workers=2)), 4)) == [0, 1, 2, 3]


@pytest.mark.parametrize("workers", [1, 3])
def test_iterate_py_dataset_keeps_order(workers):
    ds = Batches(20, 3, delay=0.002, workers=workers, max_queue_size=4)
    batches = list(iterate_py_dataset(ds))
    assert [x.tolist() for x, _ in batches] == [x.tolist() for x, _ in ds]


@pytest.mark.parametrize("workers", [1, 3])
def test_iterate_py_dataset_propagates_errors(workers):
    ds = Batches(20, 2, fail_at=4, workers=workers)
    seen = []
    with pytest.raises(KeyError, match="batch 4"):
        for x, _ in iterate_py_dataset(ds):
            seen.append(x[0])
    assert seen == [0, 2, 4, 6]


# -- iterators -----------------------------------------------------------------------------------
def test_buffer_shuffle_full_buffer_is_the_generator_permutation():
    items = list("abcdef")
    got = list(buffer_shuffle(items, 10, np.random.default_rng(3)))
    assert got == [items[i] for i in np.random.default_rng(3).permutation(6)]
    assert list(buffer_shuffle([], 3, np.random.default_rng(0))) == []


def test_buffer_shuffle_streams_infinite_input():
    out = list(
        itertools.islice(buffer_shuffle(itertools.count(), 8, np.random.default_rng(0)), 3000)
    )
    assert len(set(out)) == 3000
    assert all(v < i + 8 for i, v in enumerate(out))


def test_batched_indices_across_chunks():
    chunks = [np.arange(5), np.arange(10, 13)]
    assert [b.tolist() for b in batched_indices(chunks, 3, False)] == [
        [0, 1, 2],
        [3, 4, 10],
        [11, 12],
    ]
    assert [b.tolist() for b in batched_indices(chunks, 3, True)] == [[0, 1, 2], [3, 4, 10]]


def test_background_order_errors_and_overlap():
    assert list(background(lambda: iter(range(100)), 3)) == list(range(100))

    def broken():
        yield 1
        raise RuntimeError("boom")

    it = background(broken, 1)
    assert next(it) == 1
    with pytest.raises(RuntimeError, match="boom"):
        next(it)

    produced = threading.Event()

    def producer():
        yield 0
        produced.set()  # runs while the consumer still holds item 0
        yield 1

    it = background(producer, 1)
    assert next(it) == 0
    assert produced.wait(2.0)
    it.close()
