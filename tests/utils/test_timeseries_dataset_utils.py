"""timeseries_dataset_from_array: every window and target against a brute-force NumPy
reference of Keras's definition, Keras's own test cases, shuffling and errors."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum.utils import timeseries_dataset_from_array


def reference_windows(data, targets, length, stride, rate, start, end):
    """Keras's windows, one by one: start s = i * stride (relative to start_index)."""
    start = start or 0
    end = len(data) if end is None else end
    count = end - start - (length - 1) * rate
    if targets is not None:
        count = min(count, len(targets))
    windows, window_targets = [], []
    for s in range(0, max(count, 0), stride):
        windows.append([data[start + s + k * rate] for k in range(length)])
        if targets is not None:
            window_targets.append(targets[start + s])
    return np.array(windows), np.array(window_targets)


def collect(dataset, with_targets):
    batches = list(dataset)
    if with_targets:
        return np.concatenate([x for x, _ in batches]), np.concatenate([y for _, y in batches])
    return np.concatenate(batches), None


CASES = [
    # (n, length, stride, rate, batch, start, end, with targets)
    (100, 9, 1, 1, 5, None, None, True),
    (50, 10, 1, 1, 5, None, None, False),
    (40, 4, 3, 2, 7, None, None, True),
    (40, 5, 2, 3, 4, 6, None, True),
    (40, 3, 1, 1, 8, 5, 30, True),
    (40, 6, 4, 1, 128, None, 33, False),
    (20, 3, 19, 1, 2, None, None, True),
    (10, 20, 1, 1, 2, None, None, True),  # longer than the data: no windows
]


@pytest.mark.parametrize("n, length, stride, rate, batch, start, end, with_targets", CASES)
def test_windows_match_the_definition(n, length, stride, rate, batch, start, end, with_targets):
    data = np.arange(n * 2, dtype="float64").reshape(n, 2)
    targets = np.arange(n) * 10 if with_targets else None
    ds = timeseries_dataset_from_array(
        data, targets, length, stride, rate, batch, start_index=start, end_index=end
    )
    want_x, want_y = reference_windows(data, targets, length, stride, rate, start, end)
    if len(want_x) == 0:
        assert list(ds) == []
        return
    got_x, got_y = collect(ds, with_targets)
    assert got_x.dtype == data.dtype
    np.testing.assert_array_equal(got_x, want_x)
    if with_targets:
        np.testing.assert_array_equal(got_y, want_y)
    assert max(len(b[0] if with_targets else b) for b in ds) <= batch


def test_keras_regression_example():
    # keras/src/utils/timeseries_dataset_utils_test.py: 7 windows of 3, target 3 steps ahead
    data = np.arange(10)
    ds = timeseries_dataset_from_array(data, data[3:], sequence_length=3, batch_size=1)
    pairs = [(x[0].tolist(), int(y[0])) for x, y in ds]
    assert pairs == [([i, i + 1, i + 2], i + 3) for i in range(7)]


def test_targets_shorter_than_the_data_limit_the_windows():
    ds = timeseries_dataset_from_array(np.arange(30), np.arange(5), 4, batch_size=None)
    assert [(w.tolist(), int(t)) for w, t in ds] == [(list(range(i, i + 4)), i) for i in range(5)]


def test_shuffle_is_seeded_reshuffled_and_keeps_pairs():
    data = np.arange(60)
    kwargs = {"sequence_length": 5, "batch_size": 4, "shuffle": True, "seed": 123}
    a = timeseries_dataset_from_array(data, data * 2, **kwargs)
    b = timeseries_dataset_from_array(data, data * 2, **kwargs)
    first_a, first_b = collect(a, True), collect(b, True)
    np.testing.assert_array_equal(first_a[0], first_b[0])
    np.testing.assert_array_equal(first_a[0][:, 0] * 2, first_a[1])
    want, _ = reference_windows(data, None, 5, 1, 1, None, None)
    assert sorted(map(tuple, first_a[0])) == sorted(map(tuple, want))
    assert not np.array_equal(first_a[0], want)
    assert not np.array_equal(collect(a, True)[0], first_a[0])  # a new order each epoch


def test_fit_on_windows():
    import deepnum as dn

    series = np.sin(np.linspace(0, 10, 80)).astype("float32")[:, None]
    ds = timeseries_dataset_from_array(series[:-5], series[5:], 5, batch_size=16)
    model = dn.Sequential([dn.Input((5, 1)), dn.layers.Flatten(), dn.layers.Dense(1)])
    model.compile("adam", "mse")
    assert len(model.fit(ds, epochs=2, verbose=0).history["loss"]) == 2


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"start_index": -1}, "start_index must be >= 0"),
        ({"start_index": 30}, "start_index must be lower"),
        ({"start_index": 5, "end_index": 5}, "end_index must be higher than start_index"),
        ({"end_index": 30}, "end_index must be lower"),
        ({"end_index": -2}, "end_index must be > 0"),
        ({"sampling_rate": 0}, "sampling_rate must be > 0"),
        ({"sampling_rate": 30}, "sampling_rate must be lower"),
        ({"sequence_stride": 0}, "sequence_stride must be > 0"),
        ({"sequence_stride": 30}, "sequence_stride must be lower"),
        ({"sequence_length": 0}, "sequence_length must be >= 1"),
        ({"format": "torch"}, "format"),
    ],
)
def test_bad_arguments(kwargs, message):
    args = {"sequence_length": 3, **kwargs}
    with pytest.raises(ValueError, match=message) as info:
        timeseries_dataset_from_array(np.arange(20), None, **args)
    assert "timeseries_dataset_from_array" in str(info.value)
