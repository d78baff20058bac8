"""The graph walk: Tensor.backward (grad, retain_graph, create_graph), .grad accumulation,
no_grad, long chains without recursion, and memory released during backward."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference

torch = reference("torch")


def _leaf(x):
    return dn.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)


# --------------------------------------------------------------------------- backward
def test_backward_with_explicit_grad_matches_torch():
    x = np.array([[0.5, -1.0], [2.0, 0.3]])
    g = np.array([[1.0, 2.0], [-1.0, 0.5]])
    t = _leaf(x)
    (ops.sin(t) * t).backward(grad=g)
    tt = torch.tensor(x, requires_grad=True)
    (torch.sin(tt) * tt).backward(torch.tensor(g))
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy())


def test_backward_on_a_non_scalar_without_grad_says_so():
    t = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"shape \(2,\) needs `grad`.*sum\(\)"):
        (t * 2).backward()


def test_backward_grad_of_the_wrong_shape():
    t = _leaf([1.0, 2.0])
    with pytest.raises(ValueError, match=r"grad has shape \(3,\) but the output has shape \(2,\)"):
        (t * 2).backward(grad=np.ones(3))


def test_backward_on_a_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        dn.tensor([1.0]).sum().backward()


def test_backward_on_a_leaf():
    t = _leaf(3.0)
    t.backward()
    assert t.grad.item() == 1.0


def test_grad_accumulates_across_two_backward_calls():
    t = _leaf([1.0, 2.0])
    y = (t * t).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(t.grad.numpy(), [4.0, 8.0])  # 2 · 2x
    (t * 3).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [7.0, 11.0])


def test_second_backward_without_retain_graph_raises_a_clear_error():
    t = _leaf([1.0, 2.0])
    y = ops.exp(t).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="a second time.*retain_graph=True"):
        y.backward()


def test_a_tensor_used_twice_gets_the_sum_of_both_paths():
    t = _leaf([1.0, 2.0])
    (t * t + ops.sin(t) * t).sum().backward()
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(t.grad.numpy(), 2 * x + np.sin(x) + x * np.cos(x))


def test_only_leaves_that_require_grad_get_grad():
    a, b = _leaf([1.0]), dn.tensor(np.array([2.0]))
    c = a * b
    (c * c).sum().backward()
    assert b.grad is None and c.grad is None
    np.testing.assert_allclose(a.grad.numpy(), [8.0])  # d/da (ab)² = 2ab²


def test_each_leaf_gets_its_own_writable_grad():
    a, b, c = _leaf(np.ones(3)), _leaf(np.ones(3)), _leaf(np.ones((3, 1)))
    (a + b + c.reshape(3)).sum().backward()  # one gradient array reaches all three leaves
    a.grad.data *= 0  # in-place updates, as optimizers and training loops do
    c.grad.data[...] = 5.0
    np.testing.assert_array_equal(b.grad.numpy(), np.ones(3))
    np.testing.assert_array_equal(a.grad.numpy(), np.zeros(3))


def test_grad_keeps_the_dtype_of_its_tensor_like_torch():
    t32 = dn.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = (t32 * np.array([0.5, 3.0])).sum()  # float64 constant: y is float64, as in NumPy
    assert y.dtype == np.float64
    y.backward()
    tt = torch.tensor([1.0, 2.0], requires_grad=True)
    (tt * torch.tensor([0.5, 3.0], dtype=torch.float64)).sum().backward()
    assert t32.grad.dtype == np.float32 and tt.grad.dtype == torch.float32
    np.testing.assert_array_equal(t32.grad.numpy(), tt.grad.numpy())
    h = dn.hessian(lambda x: (x**3 * np.ones(2)).sum())(np.ones(2, np.float32))
    assert h.dtype == np.float32


def test_without_create_graph_backward_records_nothing():
    t = _leaf([1.0, 2.0])
    ops.exp(ops.sin(t)).sum().backward()
    assert not t.grad.requires_grad and t.grad.creator is None


def test_create_graph_gives_a_differentiable_grad():
    x = np.array([0.3, 0.7])
    t = _leaf(x)
    ops.exp(ops.exp(t)).sum().backward(create_graph=True)
    g = t.grad
    assert g.requires_grad
    t.grad = None
    g.sum().backward()
    tt = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad(torch.exp(torch.exp(tt)).sum(), tt, create_graph=True)
    gt.sum().backward()
    np.testing.assert_allclose(g.numpy(), gt.detach().numpy())
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy())


def test_create_graph_third_order():
    t = _leaf(1.5)
    (t**4).backward(create_graph=True)
    g1 = t.grad
    t.grad = None
    g1.backward(create_graph=True)
    g2 = t.grad
    t.grad = None
    g2.backward()
    assert g1.item() == pytest.approx(4 * 1.5**3)
    assert g2.item() == pytest.approx(12 * 1.5**2)
    assert t.grad.item() == pytest.approx(24 * 1.5)


def test_multi_output_function_with_an_unused_output():
    t = _leaf(np.arange(6.0))
    a, b, c = ops.split(t, 3)
    (b * 2).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [0, 0, 2, 2, 0, 0])


# --------------------------------------------------------------------------- grad mode
def test_no_grad_records_nothing():
    t = _leaf([1.0, 2.0])
    with dn.no_grad():
        y = t * 2
        assert not dn.is_grad_enabled()
        with dn.enable_grad():
            z = t * 2
    assert dn.is_grad_enabled()
    assert not y.requires_grad and y.creator is None
    assert z.requires_grad


def test_no_grad_as_a_decorator_and_set_grad_enabled():
    t = _leaf([1.0])

    @dn.no_grad()
    def infer(x):
        return x * 2

    assert not infer(t).requires_grad and dn.is_grad_enabled()
    dn.set_grad_enabled(False)
    try:
        assert not (t * 2).requires_grad
    finally:
        dn.set_grad_enabled(True)
    assert (t * 2).requires_grad


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(KeyError), dn.no_grad():
        raise KeyError("inside no_grad")
    assert dn.is_grad_enabled()


# --------------------------------------------------------------------------- deep graphs
def test_10000_step_chain_without_recursion_error():
    x = 0.5
    t = _leaf(x)
    y = t
    for _ in range(10_000):
        y = ops.sin(y) * 1.0001 + 0.0001
    y.backward()
    tt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    yt = tt
    for _ in range(10_000):
        yt = torch.sin(yt) * 1.0001 + 0.0001
    yt.backward()
    np.testing.assert_allclose(t.grad.item(), tt.grad.item(), rtol=1e-10)


def test_1000_step_rnn_unroll_matches_torch():
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((4, 4)) * 0.5
    xs = rng.standard_normal((1000, 4))
    w = _leaf(w0)
    h = dn.tensor(np.zeros(4))
    for x_t in xs:
        h = ops.tanh(h @ w + x_t)
    (h * h).sum().backward()
    wt = torch.tensor(w0, requires_grad=True)
    ht = torch.zeros(4, dtype=torch.float64)
    for x_t in torch.tensor(xs):
        ht = torch.tanh(ht @ wt + x_t)
    (ht * ht).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_dropping_a_deep_graph_without_backward():
    y = _leaf(1.0)
    for _ in range(20_000):
        y = ops.sin(y)
    del y  # freeing the chain must not recurse into a RecursionError or a crash
    gc.collect()


def test_second_derivative_through_a_long_chain():
    t = _leaf(0.3)
    f = dn.grad(dn.grad(lambda x: _chain(x, 2000)))
    tt = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(_chain(tt, 2000, torch), tt, create_graph=True)
    (h,) = torch.autograd.grad(g, tt)
    np.testing.assert_allclose(f(t).item(), h.item(), rtol=1e-9)


def _chain(x, n, lib=ops):
    for _ in range(n):
        x = lib.sin(x) * 1.001
    return x


# --------------------------------------------------------------------------- memory
def _probe_memory(record):
    """An identity Function whose backward records the traced memory at that moment."""

    class Probe(dn.Function):
        def forward(self, x):
            return x

        def backward(self, gy):
            record.append(tracemalloc.get_traced_memory()[0])
            return gy

    return Probe()


def _chain_backward_memory(n, size=10_000):
    """Forward footprint, memory when backward is half-way, and backward's extra peak."""
    record: list[int] = []
    tracemalloc.start()
    try:
        t = _leaf(np.random.default_rng(0).standard_normal(size))
        y = t
        for i in range(n):
            y = ops.sin(y)  # Sin keeps its input: one array per step
            if i == n // 2:
                y = _probe_memory(record)(y)
        loss = y.sum()
        del y
        after_forward = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        loss.backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return after_forward, record[0], peak - after_forward


def test_backward_frees_intermediates_and_its_peak_does_not_grow_with_the_chain():
    nbytes = 10_000 * 8
    short_forward, _, short_peak = _chain_backward_memory(50)
    forward, half_way, peak = _chain_backward_memory(200)
    assert forward > 200 * nbytes  # the forward keeps one array per step
    # Half-way through backward, the inputs of the 100 processed steps are already freed.
    assert half_way < forward - 90 * nbytes
    # Backward's own peak is a few arrays, whatever the number of intermediates.
    assert peak < 8 * nbytes
    assert peak < short_peak + 2 * nbytes


def test_intermediates_are_released_after_backward():
    t = _leaf(np.ones(100))
    hidden = ops.sin(t)
    ref_tensor, ref_data = weakref.ref(hidden), weakref.ref(hidden.data)
    loss = ops.exp(hidden).sum()
    del hidden
    assert ref_tensor() is not None
    loss.backward()
    assert ref_tensor() is None and ref_data() is None
    assert loss.item() > 0  # the output itself is still there


def test_retain_graph_keeps_intermediates():
    t = _leaf(np.ones(100))
    hidden = ops.sin(t)
    ref = weakref.ref(hidden)
    loss = ops.exp(hidden).sum()
    del hidden
    loss.backward(retain_graph=True)
    assert ref() is not None
    del loss
    gc.collect()
    assert ref() is None
