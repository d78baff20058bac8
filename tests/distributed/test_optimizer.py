"""DistributedOptimizer and its GradientReducer: transparent in one process, averaging under
MPI (one flat buffer in buckets, exact or float16)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import distributed


def _train(optimizer, steps: int = 3) -> list[np.ndarray]:
    dn.utils.set_random_seed(0)
    w = dn.Variable(np.array([[1.0, -2.0], [0.5, 3.0]], dtype="float32"))
    b = dn.Variable(np.zeros(2, dtype="float32"))
    for step in range(steps):
        grads = [np.full((2, 2), 0.1 * (step + 1), "float32"), np.array([1.0, -1.0], "float32")]
        optimizer.apply_gradients(zip(grads, [w, b]))
    return [w.numpy(), b.numpy()]


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop", "adagrad", "lion", "nadam"])
def test_wraps_any_optimizer_transparently_in_one_process(name):
    expected = _train(dn.optimizers.get(name))
    wrapped = distributed.DistributedOptimizer(dn.optimizers.get(name))
    got = _train(wrapped)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)
    assert int(wrapped.iterations) == 3
    assert wrapped.variables == wrapped.optimizer.variables
    assert wrapped.get_config() == wrapped.optimizer.get_config()


def test_learning_rate_and_attributes_are_the_wrapped_optimizers():
    inner = dn.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    opt = distributed.DistributedOptimizer(inner)
    opt.learning_rate = 0.05
    assert float(inner.learning_rate) == pytest.approx(0.05)
    assert opt.momentum == 0.9 and opt.name == inner.name
    opt.local_weight = 0.5  # the wrapper's own attribute
    assert opt.local_weight == 0.5 and not hasattr(inner, "local_weight")
    assert distributed.DistributedOptimizer(opt).optimizer is inner  # no double wrapping
    assert "SGD" in repr(opt)


def test_rejects_bad_options():
    with pytest.raises(ValueError, match="compression must be None or 'fp16'"):
        distributed.DistributedOptimizer("sgd", compression="int8")
    with pytest.raises(ValueError, match="bucket_bytes must be an integer >= 1024"):
        distributed.DistributedOptimizer("sgd", bucket_bytes=10)


def test_reducer_in_one_process_scales_and_keeps_none():
    reducer = distributed.GradientReducer()
    g = np.arange(4, dtype="float32")
    same, missing = reducer.reduce([g, None], weight=1.0)
    assert same is g and missing is None
    np.testing.assert_array_equal(reducer.reduce([dn.tensor(g)], weight=0.5)[0], g / 2)


def test_mpi_custom_loop_averages_the_gradients(collectives):
    # Three ranks send gradients 1, 2, 3: SGD(0.5) steps by the mean 2.
    assert collectives["custom_loop_weights"] == [0.0, 1.0]
    assert collectives["iterations"] == 1
    assert collectives["learning_rate_forwarded"] == 0.25


@pytest.mark.parametrize(
    "name, tolerance", [("exact", 1e-6), ("fp16", 3e-3), ("fp16_user_op", 3e-3)]
)
def test_mpi_reducer_buckets(collectives, name, tolerance):
    assert collectives[f"{name}_buckets"] == 3  # 4 KiB buckets over 2,937 floats
    assert collectives[f"{name}_identical"]
    assert collectives[f"{name}_none_kept"]
    assert collectives[f"{name}_max_error"] < tolerance
