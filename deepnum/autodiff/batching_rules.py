"""Batching rules: how ``vmap`` computes each Function class on a whole batch at once.

A rule is ``rule(fn, args, batched, size) -> outputs``. ``fn`` is the Function the traced code
created (its parameters are those of one example: ``Sum(axes=(0,))`` reduces axis 0 of an
example); ``args`` are its inputs one level down, where ``batched[i]`` says that ``args[i]``
holds the batch along axis 0; ``size`` is the batch size. The rule returns the outputs with the
batch along axis 0, computed with deepnum ops (so they are differentiable, to any order).

The patterns, by family:

* elementwise: the batched inputs get size-1 axes after the batch axis so that every input
  broadcasts as it would for one example, then ``fn`` runs as it is;
* an axis parameter k becomes k + 1 (reductions, softmax, cumulative sums, joins, flips);
* shapes get the batch size in front (reshape, broadcast_to), permutations keep axis 0 first;
* matmul / linear run as one GEMM on the flattened batch when the weights are shared;
* indexing gets a full slice in front.

Classes without a rule run once per example (``batching.loop_rule``). More rules:
:mod:`deepnum.autodiff.batching_rules_nn`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from deepnum.ops.core import _convert, _scatter, _transfer
from deepnum.ops.math import _special
from deepnum.ops.nn import _activations, _complex, _smooth_activations, _softmax
from deepnum.ops.numpy import (
    _arithmetic,
    _bessel,
    _broadcast,
    _creation,
    _cumulative,
    _einsum,
    _elementwise,
    _exponential,
    _indexing,
    _joining,
    _padding,
    _products,
    _promotion,
    _rearranging,
    _reduction,
    _rounding,
    _shape,
    _sorting,
    _statistics,
    _triangular,
    _trigonometric,
)
from deepnum.ops.numpy._broadcast import broadcast_to
from deepnum.ops.numpy._shape import reshape

RULES: dict[type, Callable] = {}


def rule_for(*classes: type) -> Callable:
    """Register the decorated function as the batching rule of ``classes``."""

    def register(rule: Callable) -> Callable:
        for cls in classes:
            RULES[cls] = rule
        return rule

    return register


def fresh(fn: Any, **params: Any) -> Any:
    """A copy of the (not yet run) Function ``fn`` with some parameters replaced."""
    out = copy.copy(fn)
    out.__dict__.update(params)
    return out


def logical_ndim(x: Any, batched: bool) -> int:
    return x.ndim - 1 if batched else x.ndim


def to_rank(x: Any, rank: int) -> Any:
    """A batched ``x`` (batch axis first) with size-1 axes after the batch axis, so that its
    example has ``rank`` axes and broadcasts against unbatched operands as one example would."""
    missing = rank - (x.ndim - 1)
    if missing <= 0:
        return x
    return reshape(x, (x.shape[0],) + (1,) * missing + tuple(x.shape[1:]))


def align(args: list, batched: list[bool], extra_rank: int = 0) -> list:
    """The inputs of an elementwise op, batched ones brought to the common rank."""
    rank = max([extra_rank] + [logical_ndim(a, b) for a, b in zip(args, batched)])
    return [to_rank(a, rank) if b else a for a, b in zip(args, batched)]


def materialize(x: Any, size: int) -> Any:
    """An unbatched ``x`` repeated along a new batch axis (a broadcast view)."""
    return broadcast_to(reshape(x, (1,) + tuple(x.shape)), (size,) + tuple(x.shape))


def batch_all(args: list, batched: list[bool], size: int) -> list:
    """Every input with the batch axis first (unbatched ones repeated)."""
    return [a if b else materialize(a, size) for a, b in zip(args, batched)]


def shift_axes(axes: Any, ndim: int) -> Any:
    """Axes of an example (None: all of them; an int; a tuple) as axes of the batch."""
    if axes is None:
        return tuple(range(1, ndim + 1))
    if isinstance(axes, int):
        return axes % ndim + 1 if ndim else 1
    return tuple(a % ndim + 1 for a in axes)


# ------------------------------------------------------------------ elementwise
_UNARY = [
    _arithmetic.Negative, _arithmetic.Reciprocal, _arithmetic.PowerScalar,
    _bessel.I0, _bessel.I1, _creation.Copy, _promotion.Cast, _convert.Cast, _convert.Identity,
    _exponential.Exp, _exponential.Exp2, _exponential.Expm1, _exponential.Log,
    _exponential.Log2, _exponential.Log10, _exponential.Log1p, _exponential.Sqrt,
    _exponential.Cbrt, _trigonometric.Sin, _trigonometric.Cos, _trigonometric.Tan,
    _trigonometric.Sinh, _trigonometric.Cosh, _trigonometric.Tanh, _trigonometric.Arcsin,
    _trigonometric.Arccos, _trigonometric.Arctan, _trigonometric.Arcsinh,
    _trigonometric.Arccosh, _trigonometric.Arctanh, _trigonometric.Sinc, _elementwise.Abs,
    _elementwise.NanToNum, _statistics.SqrtZeroGrad, _activations.ReLU, _activations.Clip,
    _activations.LeakyReLU, _activations.Linear01, _activations.Shrink, _activations.Threshold,
    _activations.HardSiLU, _activations.SparsePlus, _smooth_activations.Sigmoid,
    _smooth_activations.LogSigmoid, _smooth_activations.Softplus, _smooth_activations.Softsign,
    _smooth_activations.SiLU, _smooth_activations.GELU, _smooth_activations.ELU,
    _smooth_activations.Squareplus, _smooth_activations.TanhShrink, _special.Erf,
    _special.Erfc, _special.Erfinv, _special.Rsqrt, _complex.Real, _complex.Imag,
    _transfer.ToDevice,
]  # fmt: skip
_BINARY = [
    _arithmetic.Add, _arithmetic.Subtract, _arithmetic.Multiply, _arithmetic.Divide,
    _arithmetic.Mod, _arithmetic.Fmod, _arithmetic.Power, _elementwise.Maximum,
    _elementwise.Minimum, _elementwise.Fmax, _elementwise.Fmin, _trigonometric.Arctan2,
    _trigonometric.Hypot, _exponential.LogAddExp, _rounding.NextAfter, _complex.Complex,
]  # fmt: skip


@rule_for(*_UNARY)
def _unary(fn, args, batched, size):
    return fn(args[0])


@rule_for(*_BINARY)
def _binary(fn, args, batched, size):
    return fn(*align(args, batched))


@rule_for(_elementwise.Clip)
def _clip(fn, args, batched, size):
    ranks = [getattr(b, "ndim", 0) for b in (fn.lo, fn.hi)]
    return fn(*align(args, batched, max(ranks)))


@rule_for(_elementwise.Where)
def _where(fn, args, batched, size):
    return fn(*align(args, batched, getattr(fn.condition, "ndim", 0)))


# ------------------------------------------------------------------ reductions
@rule_for(
    _reduction.Sum, _reduction.Mean, _reduction.Max, _reduction.Min, _reduction.Prod,
    _reduction.LogSumExp, _statistics.Var, _softmax.Softmax, _softmax.LogSoftmax,
)  # fmt: skip
def _over_axes(fn, args, batched, size):
    (x,) = args
    return fresh(fn, axes=shift_axes(fn.axes, x.ndim - 1))(x)


@rule_for(
    _cumulative.Cumsum, _cumulative.Cumprod, _joining.Split, _scatter.Unstack, _softmax.Sparsemax
)
def _over_axis(fn, args, batched, size):
    (x,) = args
    return fresh(fn, axis=shift_axes(fn.axis, x.ndim - 1))(x)


@rule_for(_rearranging.Flip)
def _flip(fn, args, batched, size):
    return fresh(fn, axes=shift_axes(fn.axes, args[0].ndim - 1))(args[0])


@rule_for(_rearranging.Roll)
def _roll(fn, args, batched, size):
    return fresh(fn, axes=shift_axes(fn.axes, args[0].ndim - 1))(args[0])


@rule_for(_sorting.Permute)
def _permute(fn, args, batched, size):
    (x,) = args
    order = fn.order.reshape((1,) + fn.order.shape)
    return fresh(fn, order=order, axis=shift_axes(fn.axis, x.ndim - 1))(x)


@rule_for(_triangular.Tril)
def _last_two_axes(fn, args, batched, size):
    return fn(args[0])


@rule_for(_triangular.Diagonal)
def _diagonal(fn, args, batched, size):
    n = args[0].ndim - 1
    return fresh(fn, axis1=shift_axes(fn.axis1, n), axis2=shift_axes(fn.axis2, n))(args[0])


@rule_for(_triangular.DiagonalScatter)
def _diagonal_scatter(fn, args, batched, size):
    n = len(fn.shape)
    return fresh(
        fn,
        shape=(size,) + tuple(fn.shape),
        axis1=shift_axes(fn.axis1, n),
        axis2=shift_axes(fn.axis2, n),
    )(args[0])


# ------------------------------------------------------------------ joins
@rule_for(_joining.Concatenate, _joining.Stack)
def _join(fn, args, batched, size):
    n = max(logical_ndim(a, b) for a, b in zip(args, batched))
    n += isinstance(fn, _joining.Stack)
    return fresh(fn, axis=shift_axes(fn.axis, n))(*batch_all(args, batched, size))


# ------------------------------------------------------------------ shapes
@rule_for(_shape.Reshape)
def _reshape(fn, args, batched, size):
    return fresh(fn, shape=(size,) + tuple(fn.shape))(args[0])


@rule_for(_shape.Transpose)
def _transpose(fn, args, batched, size):
    return fresh(fn, axes=(0,) + tuple(a + 1 for a in fn.axes))(args[0])


@rule_for(_broadcast.BroadcastTo)
def _broadcast_to(fn, args, batched, size):
    x = to_rank(args[0], len(fn.shape))
    return fresh(fn, shape=(size,) + tuple(fn.shape))(x)


@rule_for(_broadcast.SumTo)
def _sum_to(fn, args, batched, size):
    from deepnum.ops.numpy import sum as _sum

    (x,) = args
    lead = x.ndim - 1 - len(fn.shape)
    if lead > 0:
        x = _sum(x, axis=tuple(range(1, lead + 1)))
    return fresh(fn, shape=(size,) + tuple(fn.shape))(x)


@rule_for(_padding.Pad)
def _pad(fn, args, batched, size):
    return fresh(fn, widths=((0, 0),) + tuple(fn.widths))(args[0])


# ------------------------------------------------------------------ products
@rule_for(_products.MatMul)
def _matmul(fn, args, batched, size):
    a, b = args
    ba, bb = batched
    if not bb and b.ndim == 2 and logical_ndim(a, ba) >= 1:  # shared weights: one GEMM
        k = a.shape[-1]
        out = fn(reshape(a, (-1, k)), b)
        return reshape(out, tuple(a.shape[:-1]) + (b.shape[-1],))
    if not ba and a.ndim == 2 and logical_ndim(b, bb) == 1:  # W @ x for a batch of x
        from deepnum.ops.numpy import swapaxes

        return fn(b, swapaxes(a, 0, 1))
    if ba and bb and a.ndim == b.ndim == 3 and 1 in (a.shape[1], b.shape[2]):
        return _vector_matrix(a, b)
    return _matmul_general(fn, a, b, ba, bb)


def _vector_matrix(a, b):
    """A batch of row-vector @ matrix (or matrix @ column-vector) products.

    ``matmul`` gives a 1-d operand a size-1 axis, so the weight's adjoint, one outer product
    per example (the per-example gradient of ``x @ W`` under ``vmap(grad)``), would be a
    matmul contracting that size-1 axis, several times slower than the broadcast product
    ``BatchedMatmul`` computes it with; and with the weights one matrix repeated along the
    batch, its forward is one GEMM.
    """
    from deepnum.autodiff.batching_rules_nn import BatchedMatmul
    from deepnum.ops.numpy._shape import swapaxes

    if a.shape[1] == 1:  # (B, 1, K) @ (B, K, N)
        return BatchedMatmul()(a, b)
    # (B, M, K) @ (B, K, 1) = ((B, 1, K) @ (B, K, M))ᵀ
    out = BatchedMatmul()(swapaxes(b, -1, -2), swapaxes(a, -1, -2))
    return swapaxes(out, -1, -2)


def _matmul_general(fn, a, b, ba, bb):
    """Both operands as stacks of matrices (1-d operands promoted, then squeezed)."""
    from deepnum.ops.numpy import expand_dims, squeeze

    a_vec, b_vec = logical_ndim(a, ba) == 1, logical_ndim(b, bb) == 1
    if a_vec:
        a = expand_dims(a, -2)
    if b_vec:
        b = expand_dims(b, -1)
    rank = max(logical_ndim(a, ba), logical_ndim(b, bb))
    a = to_rank(a, rank) if ba else a
    b = to_rank(b, rank) if bb else b
    out = fn(a, b)
    if a_vec and b_vec:
        return squeeze(out, (-2, -1))
    if a_vec:
        return squeeze(out, -2)
    return squeeze(out, -1) if b_vec else out


@rule_for(_einsum.Einsum)
def _einsum_rule(fn, args, batched, size):
    letter = next(c for c in "zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA"
                  if c not in "".join(fn.subs) + fn.out)  # fmt: skip
    subs = [letter + s if b else s for s, b in zip(fn.subs, batched)]
    return fresh(fn, subs=subs, out=letter + fn.out)(*args)


# ------------------------------------------------------------------ indexing
def _is_advanced(i: Any) -> bool:
    return hasattr(i, "ndim") and not isinstance(i, (int, slice))


@rule_for(_indexing.GetItem)
def _getitem(fn, args, batched, size):
    from deepnum.ops.numpy import moveaxis

    (x,) = args
    index = fn.index
    positions = [k for k, i in enumerate(index) if _is_advanced(i)]
    if positions and any(isinstance(i, int) and not isinstance(i, bool) for i in index):
        positions = sorted(positions + [k for k, i in enumerate(index) if isinstance(i, int)])
    out = fresh(fn, index=(slice(None),) + tuple(index))(x)
    if positions and positions[-1] - positions[0] + 1 != len(positions):
        # Separated advanced indices put their broadcast axes first (NumPy's rule): the
        # batch axis comes after them.
        adv = max(index[k].ndim if _is_advanced(index[k]) else 0 for k in positions)
        out = moveaxis(out, adv, 0)
    return out


@rule_for(_indexing.ScatterAdd, _scatter.ScatterAdd)
def _scatter_add(fn, args, batched, size):
    from deepnum.autodiff.batching import loop_rule

    if any(_is_advanced(i) for i in fn.index):
        return loop_rule(fn, args, batched, size)
    return fresh(fn, index=(slice(None),) + tuple(fn.index), shape=(size,) + tuple(fn.shape))(
        args[0]
    )


@rule_for(_scatter.SetAt)
def _set_at(fn, args, batched, size):
    from deepnum.autodiff.batching import loop_rule

    if any(_is_advanced(i) for i in fn.index):
        return loop_rule(fn, args, batched, size)
    x, u = batch_all(args, batched, size)
    return fresh(fn, index=(slice(None),) + tuple(fn.index))(x, to_rank(u, x.ndim - 1))


# The rules of the other families, registered on import.
from deepnum.autodiff import batching_rules_nn, custom  # noqa: E402, F401

RULES[custom.CustomVJPCall] = custom.batched_custom_vjp
