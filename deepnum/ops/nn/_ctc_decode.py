"""CTC decoding, Keras 3's ``ops.ctc_decode``: greedy (best path) and beam search.

Greedy: the most likely class per frame; frames past a sequence's length become blanks, a
repeated class is merged into one (``merge_repeated``), blanks are dropped and the labels move
to the front, padded with −1. The score is minus the sum of the chosen logits.

Beam search over log-softmax scores keeps, for every distinct label prefix, two log
probabilities: ending in a label (emit) or in a blank (masked). Each frame extends every beam
by every class (a blank, or a repeat of the last label right after it, leave the prefix
unchanged), merges equal prefixes with log-sum-exp and keeps the ``beam_width`` best. This is
the algorithm of Keras's JAX and PyTorch backends, with their tie-breaking: classes are visited
in reverse order and prefixes are deduplicated in the order of the same 64-bit polynomial hash.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.nn._inputs import int_array

__all__ = ["ctc_decode"]

_PAD = -1
_HASH_BASE = 2654435769  # Knuth's multiplicative constant; int64 wrap-around is intended


def _greedy(x: Any, lengths: Any, merge_repeated: bool, blank: int) -> tuple[Any, Any]:
    xp = get_array_module(x)
    batch, steps, _ = x.shape
    labels = x.argmax(axis=-1).astype("int32")
    scores = x.max(axis=-1)
    beyond = xp.arange(steps)[None, :] >= lengths[:, None]
    labels = xp.where(beyond, blank, labels)
    scores = xp.where(beyond, 0, scores)
    if merge_repeated and steps > 1:
        repeat = xp.zeros_like(beyond)
        repeat[:, 1:] = labels[:, 1:] == labels[:, :-1]
        labels = xp.where(repeat, blank, labels)
    invalid = labels == blank
    labels = xp.where(invalid, _PAD, labels).astype("int32")
    order = xp.where(invalid, steps, xp.arange(steps)[None, :])
    order = xp.argsort(order, axis=-1, kind="stable")
    labels = xp.take_along_axis(labels, order, axis=-1)
    return labels[None], -scores.sum(axis=1, keepdims=True).astype(x.dtype)


def _unique_rows(paths: Any, size: int) -> tuple[Any, Any]:
    """Distinct rows (hash order), padded with −1 rows to ``size``, and each row's index."""
    xp = get_array_module(paths)
    n, steps = paths.shape
    powers = xp.power(xp.asarray(_HASH_BASE, dtype="int64"), xp.arange(steps, dtype="int64"))
    hashes = ((paths.astype("int64") + 1) * powers).sum(axis=1)
    order = xp.argsort(hashes, kind="stable")
    rows, keys = paths[order], hashes[order]
    first = xp.ones(n, dtype=bool)
    first[1:] = ~((keys[1:] == keys[:-1]) & (rows[1:] == rows[:-1]).all(axis=1))
    inverse = xp.empty(n, dtype="int64")
    inverse[order] = xp.cumsum(first) - 1
    unique = rows[first]
    if unique.shape[0] < size:
        fill = xp.full((size - unique.shape[0], steps), _PAD, dtype=unique.dtype)
        unique = xp.concatenate([unique, fill])
    return unique, inverse


def _merge(inverse: Any, scores: Any, size: int) -> Any:
    """log Σ exp(scores) per bucket ``inverse`` (−∞ for empty buckets)."""
    xp = get_array_module(scores)
    top = scores.max()
    top = top if bool(xp.isfinite(top)) else 0
    total = xp.bincount(inverse, weights=xp.exp(scores - top), minlength=size)
    filled = total > 0
    logs = xp.log(xp.where(filled, total, 1)) + top
    return xp.where(filled, logs, -xp.inf).astype(scores.dtype)


def _extend(paths: Any, scores: Any, masked: Any, frame: Any, blank: int) -> tuple:
    """Every beam extended by every class of one frame."""
    xp = get_array_module(paths)
    classes = frame.shape[0]
    paths = xp.repeat(paths, classes, axis=0)
    scores = xp.repeat(scores, classes)
    prev_masked = xp.repeat(masked, classes)
    rows = xp.arange(paths.shape[0])
    tail = (paths == _PAD).argmax(axis=1)
    last = xp.where(tail == 0, _PAD, paths[rows, tail - 1])
    labels = xp.arange(classes, dtype=paths.dtype)
    labels[blank] = _PAD
    labels = xp.tile(labels, paths.shape[0] // classes)
    masked = labels == _PAD
    labels = xp.where(~prev_masked & (last == labels), _PAD, labels)
    paths[rows, tail] = labels
    return paths, scores + xp.tile(frame, paths.shape[0] // classes), masked


def _prune(paths: Any, scores: Any, masked: Any, classes: int, width: int) -> tuple:
    """Merge equal prefixes and keep the ``width`` best (emit and blank tracks)."""
    xp = get_array_module(paths)
    unique, inverse = _unique_rows(paths, 2 * classes * width)
    n = unique.shape[0]
    emit = _merge(inverse, xp.where(masked, -xp.inf, scores), n)
    blank = _merge(inverse, xp.where(masked, scores, -xp.inf), n)
    best = xp.argsort(xp.logaddexp(emit, blank), kind="stable")[-width:]
    paths = xp.concatenate([unique[best], unique[best]])
    flags = xp.concatenate([xp.zeros(width, dtype=bool), xp.ones(width, dtype=bool)])
    return paths, xp.concatenate([emit[best], blank[best]]), flags


def _beam_one(x: Any, length: int, width: int, top_paths: int, blank: int) -> tuple:
    xp = get_array_module(x)
    steps, classes = x.shape
    first = min(classes, width)
    paths = xp.full((2 * width, steps), _PAD, dtype="int32")
    best = xp.argsort(x[0], kind="stable")[-first:]
    paths[:first, 0] = xp.where(best == blank, _PAD, best)
    scores = xp.full(2 * width, -xp.inf, dtype=x.dtype)
    scores[:first] = x[0, best]
    masked = paths[:, 0] == _PAD
    for t in range(1, length):
        paths, scores, masked = _extend(paths, scores, masked, x[t], blank)
        paths, scores, masked = _prune(paths, scores, masked, classes, width)
    unique, inverse = _unique_rows(paths, 2 * classes * width)
    merged = _merge(inverse, scores, unique.shape[0])
    top = xp.argsort(merged, kind="stable")[-top_paths:][::-1]
    return unique[top], merged[top]


def _beam_search(x: Any, lengths: Any, width: int, top_paths: int, blank: int) -> tuple:
    xp = get_array_module(x)
    classes = x.shape[2]
    shifted = x - x.max(axis=-1, keepdims=True)
    logp = shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))
    flipped = xp.ascontiguousarray(logp[:, :, ::-1])  # ties resolved as Keras's backends do
    results = [
        _beam_one(flipped[b], int(lengths[b]), width, top_paths, classes - blank - 1)
        for b in range(x.shape[0])
    ]
    paths = xp.stack([p for p, _ in results])
    scores = xp.stack([s for _, s in results])
    paths = xp.where(paths == _PAD, _PAD, classes - paths - 1).astype("int32")
    return paths.transpose(1, 0, 2), scores


def ctc_decode(
    inputs: Any,
    sequence_lengths: Any,
    strategy: str = "greedy",
    beam_width: int = 100,
    top_paths: int = 1,
    merge_repeated: bool = True,
    mask_index: int | None = 0,
) -> tuple[Tensor, Tensor]:
    """Decode the output of a CTC model (Keras's ``ops.ctc_decode``).

    Args:
        inputs: logits, (batch, max_length, num_classes); not softmax-normalised.
        sequence_lengths: (batch,) valid frames per sequence.
        strategy: ``"greedy"`` or ``"beam_search"``.
        beam_width: beams kept per frame (beam search).
        top_paths: decoded sequences returned per sample (beam search).
        merge_repeated: merge repeated classes (greedy; beam search always does).
        mask_index: the blank class (None: the last class).

    Returns:
        ``(paths, scores)``: int32 labels (top_paths, batch, max_length), padded with −1
        (top_paths is 1 for greedy); scores (batch, top_paths): minus the sum of the best
        logits for greedy, the log probability of each sequence for beam search.

    Example:
        >>> import numpy as np
        >>> logits = np.log(np.array([[[0.1, 0.9], [0.1, 0.9], [0.9, 0.1], [0.1, 0.9]]]))
        >>> ctc_decode(logits, [4])[0].numpy().tolist()
        [[[1, 1, -1, -1]]]
    """
    x = as_tensor(inputs)
    if x.ndim != 3:
        raise ValueError(
            "ctc_decode: `inputs` must be logits of shape (batch, max_length, num_classes), "
            f"received shape {shape_str(x.shape)}."
        )
    data = x.data if x.dtype.kind == "f" else x.data.astype("float32")
    batch, steps, classes = data.shape
    lengths = int_array(sequence_lengths, data).reshape(-1)
    if lengths.shape != (batch,):
        raise ValueError(
            f"ctc_decode: `sequence_lengths` must have shape ({batch},), received "
            f"{shape_str(lengths.shape)}."
        )
    blank = classes - 1 if mask_index is None else int(mask_index)
    if not 0 <= blank < classes:
        raise ValueError(f"ctc_decode: mask_index={mask_index} is not a class in [0, {classes}).")
    if strategy == "greedy":
        paths, scores = _greedy(data, lengths, bool(merge_repeated), blank)
    elif strategy == "beam_search":
        if int(beam_width) < 1 or int(top_paths) < 1:
            raise ValueError(
                f"ctc_decode: beam_width and top_paths must be positive, received "
                f"beam_width={beam_width}, top_paths={top_paths}."
            )
        lengths = [int(v) for v in lengths.tolist()]
        paths, scores = _beam_search(data, lengths, int(beam_width), int(top_paths), blank)
    else:
        raise ValueError(
            f"ctc_decode: invalid strategy {strategy!r}; supported values are 'greedy' and "
            "'beam_search'."
        )
    return Tensor._make(paths), Tensor._make(scores)
