"""One-line op tests, in the spirit of tinygrad's ``helper_test_op`` and Chainer's
``FunctionTestCase``.

``check_op(fn, torch_fn, *shapes)`` checks an op three ways:

1. forward, in float64, against PyTorch (or NumPy through ``np_fn``), and in float32 that the
   result stays float32 and is close to the float64 reference;
2. backward against ``deepnum.check_grad`` (central differences in float64) and against
   ``torch.autograd.grad`` on a random projection ⟨f(x), r⟩;
3. second order: the gradient of ⟨∇⟨f(x), r⟩, v⟩ against PyTorch's ``create_graph=True``
   (without a PyTorch reference, against central differences of the first derivative).

``fn`` receives deepnum Tensors, ``torch_fn`` torch tensors; both take the same positional
inputs, which are all floating point (close over integer arguments such as indices).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import deepnum as dn
from tests.conftest import reference

Shape = tuple[int, ...]


def make_inputs(
    shapes: Sequence[Shape], low: float = -2.0, high: float = 2.0, seed: int = 0
) -> list[np.ndarray]:
    """Random float64 arrays of the given shapes, uniform in ``[low, high)``."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, size=s) for s in shapes]


def to_numpy(value: Any) -> np.ndarray:
    """A deepnum or torch tensor (or anything array-like) as a NumPy array."""
    if isinstance(value, dn.Tensor):
        return value.numpy()
    if hasattr(value, "detach"):  # torch (force=True also converts torch's ZeroTensor)
        return value.detach().numpy(force=True)
    return np.asarray(value)


def torch_grads(torch_fn: Callable, xs: Sequence[np.ndarray], r: np.ndarray) -> list[np.ndarray]:
    """∇⟨torch_fn(x), r⟩ with respect to every input, by ``torch.autograd.grad``."""
    torch = reference("torch")
    ts = [torch.tensor(x, requires_grad=True) for x in xs]
    loss = (torch_fn(*ts) * torch.tensor(r)).sum()
    gs = torch.autograd.grad(loss, ts, allow_unused=True)
    return [np.zeros_like(x) if g is None else to_numpy(g) for g, x in zip(gs, xs)]


def torch_second(
    torch_fn: Callable, xs: Sequence[np.ndarray], r: np.ndarray, vs: Sequence[np.ndarray]
) -> list[np.ndarray]:
    """∇ₓ⟨∇ₓ⟨torch_fn(x), r⟩, v⟩ by double backward in PyTorch."""
    torch = reference("torch")
    ts = [torch.tensor(x, requires_grad=True) for x in xs]
    loss = (torch_fn(*ts) * torch.tensor(r)).sum()
    gs = torch.autograd.grad(loss, ts, create_graph=True, allow_unused=True)
    terms = [(g * torch.tensor(v)).sum() for g, v in zip(gs, vs) if g is not None]
    inner = sum(terms) if terms else None
    if inner is None or not inner.requires_grad:
        return [np.zeros_like(x) for x in xs]
    hs = torch.autograd.grad(inner, ts, allow_unused=True)
    return [np.zeros_like(x) if h is None else to_numpy(h) for h, x in zip(hs, xs)]


def dn_grads(fn: Callable, xs: Sequence[np.ndarray], r: np.ndarray) -> list[np.ndarray]:
    """∇⟨fn(x), r⟩ with respect to every input, by ``deepnum.grad``."""
    argnums = tuple(range(len(xs)))
    gs = dn.grad(lambda *ts: (fn(*ts) * r).sum(), argnums=argnums)(*xs)
    return [g.numpy() for g in gs]


def dn_second(
    fn: Callable, xs: Sequence[np.ndarray], r: np.ndarray, vs: Sequence[np.ndarray]
) -> list[np.ndarray]:
    """∇ₓ⟨∇ₓ⟨fn(x), r⟩, v⟩ by nesting ``deepnum.grad``."""
    argnums = tuple(range(len(xs)))
    first = dn.grad(lambda *ts: (fn(*ts) * r).sum(), argnums=argnums)

    def inner(*ts: Any) -> Any:
        return sum((g * v).sum() for g, v in zip(first(*ts), vs))

    return [h.numpy() for h in dn.grad(inner, argnums=argnums)(*xs)]


def assert_close(got: Any, want: Any, atol: float, rtol: float, what: str) -> None:
    got, want = to_numpy(got), to_numpy(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != reference {want.shape}"
    np.testing.assert_allclose(got, want, atol=atol, rtol=rtol, err_msg=what)


def check_forward(
    fn: Callable,
    torch_fn: Callable | None,
    xs: Sequence[np.ndarray],
    np_fn: Callable | None = None,
    atol: float = 1e-7,
    rtol: float = 1e-7,
    float32: bool = True,
) -> np.ndarray:
    """Compare ``fn`` with the reference in float64 (and float32); return the reference."""
    torch = reference("torch") if np_fn is None else None
    if np_fn is not None:
        want = np.asarray(np_fn(*xs))
    else:
        want = to_numpy(torch_fn(*[torch.tensor(x) for x in xs]))
    got = fn(*[dn.tensor(x) for x in xs])
    assert isinstance(got, dn.Tensor), f"expected a Tensor, got {type(got).__name__}"
    if want.dtype.kind == "f":
        assert got.dtype == np.float64, f"float64 inputs gave {got.dtype}"
    assert_close(got, want, atol, rtol, "forward (float64)")
    if float32 and want.dtype.kind == "f":
        got32 = fn(*[dn.tensor(x.astype(np.float32)) for x in xs])
        assert got32.dtype == np.float32, f"float32 inputs gave {got32.dtype}"
        assert_close(got32, want, 1e-4, 1e-4, "forward (float32)")
    return want


def check_op(
    fn: Callable,
    torch_fn: Callable | None,
    *shapes: Shape,
    inputs: Sequence[np.ndarray] | None = None,
    low: float = -2.0,
    high: float = 2.0,
    np_fn: Callable | None = None,
    grad: bool = True,
    second_order: bool = True,
    float32: bool = True,
    atol: float = 1e-7,
    rtol: float = 1e-7,
    grad_rtol: float = 1e-5,
    seed: int = 0,
) -> None:
    """Check the forward, first and second derivatives of ``fn`` against the references.

    Args:
        fn: the deepnum op applied to Tensors, e.g. ``dn.ops.add``.
        torch_fn: the PyTorch equivalent (``None`` with ``np_fn``: forward against NumPy and
            derivatives against numerical differentiation only).
        *shapes: the shapes of random inputs uniform in ``[low, high)``; or pass ``inputs``.
        np_fn: a NumPy reference for the forward instead of PyTorch.
        grad, second_order: which derivative checks to run.
        float32: also run the forward in float32.
        atol, rtol: forward tolerances; derivatives use 1e-6 / 1e-6.
        grad_rtol: the tolerance handed to ``check_grad``.
    """
    if inputs is None:
        xs = make_inputs(shapes, low, high, seed)
    else:
        xs = [np.array(x, dtype=np.float64) for x in inputs]
    want = check_forward(fn, torch_fn, xs, np_fn, atol, rtol, float32)
    if not grad:
        return
    dn.check_grad(fn, *xs, rtol=grad_rtol)
    rng = np.random.default_rng(seed + 1)
    r = rng.standard_normal(want.shape)
    if torch_fn is not None:
        for k, (g, t) in enumerate(zip(dn_grads(fn, xs, r), torch_grads(torch_fn, xs, r))):
            assert_close(g, t, 1e-6, 1e-6, f"gradient of input {k} vs torch.autograd")
    if not second_order:
        return
    vs = [rng.standard_normal(x.shape) for x in xs]
    if torch_fn is None:  # no reference: check the second derivative numerically instead
        first = dn.grad(lambda *ts: (fn(*ts) * r).sum(), argnums=tuple(range(len(xs))))
        dn.check_grad(lambda *ts: sum((g * v).sum() for g, v in zip(first(*ts), vs)), *xs)
        return
    got = dn_second(fn, xs, r, vs)
    for k, (h, t) in enumerate(zip(got, torch_second(torch_fn, xs, r, vs))):
        assert_close(h, t, 1e-6, 1e-6, f"second derivative of input {k} vs torch")
