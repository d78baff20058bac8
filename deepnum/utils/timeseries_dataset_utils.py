"""``timeseries_dataset_from_array``: sliding windows over an array, with Keras's arguments and
Keras's windows, cut a batch at a time (no copy of the whole series per window)."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.data import Dataset
from deepnum.data.loader import LoaderDataset

CALLER = "timeseries_dataset_from_array"


def _check_indices(n: int, start_index: Any, end_index: Any) -> None:
    if start_index:
        if start_index < 0:
            raise ValueError(f"{CALLER}: start_index must be >= 0, received {start_index}.")
        if start_index >= n:
            raise ValueError(
                f"{CALLER}: start_index must be lower than the length of the data ({n}), "
                f"received start_index={start_index}."
            )
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(
                f"{CALLER}: end_index must be higher than start_index, received "
                f"start_index={start_index} and end_index={end_index}."
            )
        if end_index >= n:
            raise ValueError(
                f"{CALLER}: end_index must be lower than the length of the data ({n}), received "
                f"end_index={end_index}."
            )
        if end_index <= 0:
            raise ValueError(f"{CALLER}: end_index must be > 0, received end_index={end_index}.")


def _check_strides(n: int, sequence_stride: int, sampling_rate: int) -> None:
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"{CALLER}: {name} must be > 0, received {name}={value}.")
        if value >= n:
            raise ValueError(
                f"{CALLER}: {name} must be lower than the length of the data ({n}), received "
                f"{name}={value}."
            )


class WindowLoader:
    """Cuts the windows that start at a batch of positions: ``data[s + rate * arange(length)]``
    (one fancy index per batch), with ``targets[s]`` when there are targets."""

    def __init__(self, data: np.ndarray, targets: np.ndarray | None, length: int, rate: int):
        self.data, self.targets = data, targets
        self.offsets = np.arange(length) * rate

    def __call__(self, starts: np.ndarray) -> Any:
        windows = self.data[starts[:, None] + self.offsets]
        if self.targets is None:
            return windows
        return windows, self.targets[starts]


def timeseries_dataset_from_array(
    data: Any,
    targets: Any,
    sequence_length: int,
    sequence_stride: int = 1,
    sampling_rate: int = 1,
    batch_size: int | None = 128,
    shuffle: bool = False,
    seed: int | None = None,
    start_index: int | None = None,
    end_index: int | None = None,
    format: str = "tf",
) -> Dataset:
    """A dataset of sliding windows over ``data`` (and the matching targets), as Keras's.

    Window ``i`` starts at ``s_i = start_index + i * sequence_stride`` and holds
    ``data[s_i + k * sampling_rate]`` for ``k = 0 .. sequence_length - 1``; its target is
    ``targets[s_i]``. There are ``ceil(m / sequence_stride)`` windows, with
    ``m = min(end_index - start_index - (sequence_length - 1) * sampling_rate, len(targets))``.
    With ``shuffle``, the start positions are shuffled with ``np.random.RandomState(seed)``
    (as Keras), then each epoch's batches are drawn from a buffer of ``8 * batch_size``.

    Args:
        data: an array (or array-like) of timesteps, ``(n, ...)``.
        targets: an array of targets aligned with ``data`` (``targets[i]`` goes with the window
            starting at ``data[i]``), or ``None``.
        sequence_length: timesteps per window.
        sequence_stride: the step between window starts.
        sampling_rate: the step between timesteps within a window.
        batch_size: windows per batch; ``None``: single windows.
        shuffle: shuffle the windows.
        seed: the shuffling seed (``None``: ``np.random.randint(1e6)``).
        start_index: the first timestep used (default 0).
        end_index: one past the last timestep used (default ``len(data)``).
        format: ``"tf"`` or ``"grain"``: accepted for Keras's signature.

    Returns:
        A :class:`deepnum.data.Dataset` of ``windows`` ``(batch, sequence_length, ...)``, or of
        ``(windows, targets)``; it feeds ``fit`` directly.

    Example:
        >>> ds = timeseries_dataset_from_array(np.arange(10), None, 3, sequence_stride=3)
        >>> [w.tolist() for w in ds]
        [[[0, 1, 2], [3, 4, 5], [6, 7, 8]]]
    """
    data = np.asarray(data)
    if data.ndim == 0:
        raise ValueError(f"{CALLER}: data must be an array of timesteps, received a scalar.")
    if isinstance(sequence_length, bool) or not isinstance(sequence_length, (int, np.integer)):
        raise ValueError(f"{CALLER}: sequence_length must be an int, received {sequence_length!r}.")
    if sequence_length < 1:
        raise ValueError(f"{CALLER}: sequence_length must be >= 1, received {sequence_length}.")
    n = len(data)
    _check_indices(n, start_index, end_index)
    _check_strides(n, sequence_stride, sampling_rate)
    if format not in ("tf", "grain"):
        raise ValueError(f'{CALLER}: format must be "tf" or "grain", received format={format!r}.')
    start = start_index or 0
    end = n if end_index is None else end_index
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.intp)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(positions)
    window_targets = None if targets is None else targets[start:end]
    loader = WindowLoader(data[start:end], window_targets, sequence_length, sampling_rate)
    dataset: Dataset = LoaderDataset(positions, loader)
    buffer_size = batch_size * 8 if batch_size is not None else 1024
    if shuffle:
        dataset = dataset.shuffle(buffer_size, seed=seed)
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    return dataset
