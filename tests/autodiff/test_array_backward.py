"""The engine's two walks agree: gradients from ``backward_arrays`` (the raw-array walk used
when the backward pass is not recorded) equal those of the Tensor-level ``backward`` (the
walk used under ``create_graph``), op by op, with broadcasting; and a custom Function without
``backward_arrays`` still works in the raw-array walk."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.autodiff.test_function import Cube

rng = np.random.default_rng(0)
A = rng.standard_normal((3, 4))
B = rng.standard_normal((1, 4))  # broadcast against A
M = rng.standard_normal((4, 2))
P = rng.uniform(0.5, 2.0, (3, 4))

CASES = {
    "add": (lambda a, b: a + b, [A, B]),
    "subtract": (lambda a, b: a - b, [A, B]),
    "multiply": (lambda a, b: a * b, [A, B]),
    "divide": (lambda a, b: a / b, [A, P]),
    "negative": (lambda a: -a, [A]),
    "sum axis": (lambda a: ops.sum(a, axis=1, keepdims=False), [A]),
    "sum all": (lambda a: ops.sum(a), [A]),
    "broadcast_to": (lambda b: ops.broadcast_to(b, (3, 4)), [B]),
    "reshape": (lambda a: ops.reshape(a, (4, 3)), [A]),
    "transpose": (lambda a: ops.transpose(a, (1, 0)), [A]),
    "matmul": (lambda a, m: ops.matmul(a, m), [A, M]),
    "linear": (lambda a, m: dn.ops.linear(a, m, np.arange(2.0)), [A, M]),
    "relu": (lambda a: ops.relu(a), [A]),
}


def grads(fn, arrays, create_graph: bool):
    xs = [dn.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*xs)
    weight = np.random.default_rng(1).standard_normal(y.shape)
    (y * weight).sum().backward(create_graph=create_graph)
    return [x.grad.numpy() for x in xs]


@pytest.mark.parametrize("name", list(CASES))
def test_array_walk_matches_tensor_walk(name):
    fn, arrays = CASES[name]
    for fast, recorded in zip(grads(fn, arrays, False), grads(fn, arrays, True)):
        np.testing.assert_allclose(fast, recorded, rtol=1e-12, atol=1e-12)


def test_function_without_backward_arrays_runs_in_the_array_walk():
    assert Cube.backward_arrays is None
    x = dn.tensor([1.0, 2.0], requires_grad=True)
    (Cube()(x) * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 24.0])
    x.grad.data *= 0  # a writable array of its own
    assert not x.grad.numpy().any()


def test_full_sum_gradient_is_a_private_writable_array():
    x = dn.tensor(np.ones(5), requires_grad=True)
    x.sum().backward()
    x.grad.data[0] = 7.0  # must not write through a zero-stride view
    np.testing.assert_array_equal(x.grad.numpy(), [7.0, 1.0, 1.0, 1.0, 1.0])
