"""Iterator algorithms behind :class:`~deepnum.data.Dataset`: buffered shuffle, index batching
and a background-thread prefetcher. Plain functions on Python iterators, tested on their own.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

# How many uniform draws the streaming shuffle takes from the generator at once.
_DRAW_BLOCK = 1024


def buffer_shuffle(items: Iterable[Any], buffer_size: int, rng: np.random.Generator) -> Iterator:
    """Shuffle a stream with a fixed-size buffer, as ``tf.data.Dataset.shuffle`` does.

    The buffer is filled with the first ``buffer_size`` items. When the stream ends before the
    buffer is full (``buffer_size >= n``), the items come out in ``rng.permutation(n)`` order: a
    uniform shuffle. Otherwise each step yields a uniformly chosen buffer slot and refills it with
    the next item, so an item moves at most ``buffer_size - 1`` places earlier.

    Args:
        items: any iterable (possibly infinite).
        buffer_size: the number of items held at once, ``>= 1``.
        rng: the generator that draws the slots.

    Returns:
        An iterator over the same items in shuffled order.

    Example:
        >>> sorted(buffer_shuffle(range(5), 10, np.random.default_rng(0)))
        [0, 1, 2, 3, 4]
    """
    iterator = iter(items)
    buffer: list[Any] = []
    for item in iterator:
        buffer.append(item)
        if len(buffer) >= buffer_size:
            break
    else:  # the whole stream fits in the buffer
        for j in rng.permutation(len(buffer)):
            yield buffer[j]
        return
    # Draws start only once an item is left over, so a stream that exactly fills the buffer
    # gets the same permutation as a shorter one (and as the index path of Dataset.shuffle).
    draws, used = None, _DRAW_BLOCK
    for item in iterator:
        if used == _DRAW_BLOCK:
            draws, used = rng.random(_DRAW_BLOCK), 0
        j = int(draws[used] * len(buffer))
        used += 1
        yield buffer[j]
        buffer[j] = item
    for j in rng.permutation(len(buffer)):
        yield buffer[j]


def batched_indices(
    chunks: Iterable[np.ndarray], batch_size: int, drop_remainder: bool
) -> Iterator[np.ndarray]:
    """Regroup a stream of index arrays into arrays of ``batch_size`` indices.

    Args:
        chunks: 1-D integer arrays, in order (e.g. one permutation per epoch).
        batch_size: indices per batch.
        drop_remainder: drop a final batch shorter than ``batch_size``.

    Returns:
        An iterator over 1-D index arrays.

    Example:
        >>> [b.tolist() for b in batched_indices([np.arange(5)], 2, False)]
        [[0, 1], [2, 3], [4]]
    """
    pending = np.empty(0, dtype=np.intp)
    for chunk in chunks:
        pending = np.concatenate([pending, chunk]) if pending.size else np.asarray(chunk)
        n_full = len(pending) // batch_size
        for b in range(n_full):
            yield pending[b * batch_size : (b + 1) * batch_size]
        pending = pending[n_full * batch_size :]
    if pending.size and not drop_remainder:
        yield pending


_ITEM, _END, _ERROR = 0, 1, 2


def background(make_iterator: Callable[[], Iterable[Any]], buffer_size: int) -> Iterator:
    """Run an iterator in a background thread, keeping up to ``buffer_size`` items ready.

    The worker thread produces the next items while the caller works on the current one (the
    classic prefetch). An exception raised in the worker is re-raised in the caller, at the
    position where the failing item would have come. Closing the returned generator (or
    dropping it) stops the worker.

    Args:
        make_iterator: called once, in the worker thread, to create the source iterator.
        buffer_size: how many items may wait in the queue, ``>= 1``.

    Returns:
        A generator over the same items in the same order.

    Example:
        >>> list(background(lambda: range(3), 1))
        [0, 1, 2]
    """
    slots: queue.Queue = queue.Queue(maxsize=buffer_size)
    stop = threading.Event()

    def put(message: tuple[int, Any]) -> bool:
        while not stop.is_set():
            try:
                slots.put(message, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        iterator = None
        try:
            iterator = iter(make_iterator())
            for item in iterator:
                if not put((_ITEM, item)):
                    return
            put((_END, None))
        except BaseException as error:  # handed to the consumer, which re-raises it
            put((_ERROR, error))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=work, name="deepnum-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, payload = slots.get()
            if kind == _END:
                return
            if kind == _ERROR:
                raise payload
            yield payload
    finally:
        stop.set()
