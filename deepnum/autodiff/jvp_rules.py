"""Forward-mode rules: the tangent of each Function's outputs from its inputs' tangents.

A rule is ``rule(fn, primals, tangents, outputs) -> tangent(s)``; ``fn`` has run on
``primals``; a tangent of ``None`` is zero. Rules are written in deepnum ops, so tangents can be
differentiated again (and batched: ``jacfwd`` is ``vmap`` of these rules).

The families share a few patterns:

* linear maps (reshape, sum, indexing, concatenation, FFT, ...): J·t is the map applied to t;
* multilinear maps (multiply, matmul, einsum, linear, convolution): the sum over the inputs of
  the map with that input replaced by its tangent;
* elementwise functions and softmax-like maps have a symmetric Jacobian, so J·t = Jᵀ·t is
  their backward applied to t;
* reductions with ∂y/∂x = w (max, prod, logsumexp, variance, norms): J·t = Σ w·t over the
  reduced axes, w being the backward of a cotangent of ones.

A class without a rule gets its tangent from two reverse passes over that one operation
(:func:`deepnum.autodiff.forward.fallback_jvp`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deepnum.autodiff import batching_rules as br
from deepnum.autodiff import batching_rules_nn
from deepnum.autodiff.tensor import Tensor
from deepnum.losses.probabilistic import SigmoidCrossEntropy
from deepnum.ops.core import _convert, _scatter, _transfer
from deepnum.ops.linalg import _base, _decompositions, _norms, _solve
from deepnum.ops.math import _fft, _signal
from deepnum.ops.nn import (
    _complex,
    _conv,
    _depthwise,
    _fold,
    _fused,
    _normalization,
    _pooling,
    _softmax,
)
from deepnum.ops.numpy import (
    _arithmetic,
    _broadcast,
    _creation,
    _cumulative,
    _einsum,
    _elementwise,
    _indexing,
    _joining,
    _padding,
    _products,
    _promotion,
    _rearranging,
    _reduction,
    _shape,
    _sorting,
    _statistics,
    _triangular,
)

JVP_RULES: dict[type, Callable] = {}


def rule_for(*classes: type) -> Callable:
    """Register the decorated function as the forward-mode rule of ``classes``."""

    def register(rule: Callable) -> Callable:
        for cls in classes:
            JVP_RULES[cls] = rule
        return rule

    return register


def zeros(x: Tensor) -> Tensor:
    """A zero tangent for ``x`` (the same for every example of any transform)."""
    return Tensor._make(x.xp.zeros(x.shape, dtype=x.dtype))


def bind(fn: Any, inputs: list, outputs: Any) -> Any:
    """``fn`` with its inputs and outputs set as after a recorded call (for its backward)."""
    if fn.inputs is not None:
        return fn
    outs = outputs if type(outputs) is tuple else (outputs,)
    fn.inputs = tuple(inputs)
    fn.needs_input_grad = (True,) * len(inputs)
    fn._out_refs = [lambda o=o: o for o in outs]  # strong: nothing else holds them
    fn._out_meta = [(o.shape, o.dtype) for o in outs]
    fn._saved = tuple(o.data for o in outs)  # some backwards read the output arrays
    return fn


def _add(a: Any, b: Any) -> Any:
    if a is None:
        return b
    return a if b is None else a + b


# ------------------------------------------------------------------ linear maps
_LINEAR = [
    _arithmetic.Negative, _creation.Copy, _promotion.Cast, _convert.Cast, _convert.Identity,
    _shape.Reshape, _shape.Transpose, _broadcast.BroadcastTo, _broadcast.SumTo, _reduction.Sum,
    _reduction.Mean, _cumulative.Cumsum, _joining.Concatenate, _joining.Stack, _joining.Split,
    _scatter.Unstack, _indexing.GetItem, _indexing.ScatterAdd, _scatter.ScatterAdd,
    _scatter.SetAt, _rearranging.Flip, _rearranging.Roll, _triangular.Tril,
    _triangular.Diagonal, _triangular.DiagonalScatter, _sorting.Permute, _fft.FFTN, _fft.RFFT,
    _fft.IRFFT, _base.DiagPart, _base.DiagEmbed, _pooling.AvgPool, _pooling.AvgPoolScatter,
    _pooling.MaxPoolScatter, _pooling.MaxPoolGather, _fold.Unfold, _fold.Fold,
    _transfer.ToDevice, _signal.OverlapAdd, _elementwise.Where,
]  # fmt: skip


@rule_for(*_LINEAR)
def _linear_map(fn, primals, tangents, outputs):
    ts = [zeros(p) if t is None else t for p, t in zip(primals, tangents)]
    return br.fresh(fn)(*ts)


@rule_for(_padding.Pad)
def _pad(fn, primals, tangents, outputs):
    return br.fresh(fn, value=0)(tangents[0])


# ------------------------------------------------------------------ multilinear maps
@rule_for(
    _arithmetic.Multiply,
    _products.MatMul,
    _einsum.Einsum,
    _fused.Linear,
    _conv.Conv,
    _depthwise.DepthwiseConv,
    batching_rules_nn.BatchedMatmul,
)
def _multilinear(fn, primals, tangents, outputs):
    """Σₖ f(x₁, …, ẋₖ, …, xₙ); a bias (the third input of linear and conv) enters linearly."""
    n = 2 if isinstance(fn, (_fused.Linear, _conv.Conv, _depthwise.DepthwiseConv)) else len(primals)
    total = None
    for k in range(n):
        if tangents[k] is None:
            continue
        args = list(primals[:n])
        args[k] = tangents[k]
        total = _add(total, br.fresh(fn, _col=None)(*args))
    if total is None:
        total = zeros(outputs)
    if len(primals) > n and tangents[n] is not None:
        total = total + tangents[n]  # d(x W + b) = … + ḃ (broadcast over the rows)
    return total


# ------------------------------------------------------------------ elementwise
@rule_for(_arithmetic.Add)
def _add_rule(fn, primals, tangents, outputs):
    return _add(tangents[0], tangents[1])


@rule_for(_arithmetic.Subtract)
def _subtract(fn, primals, tangents, outputs):
    tx, ty = tangents
    return tx if ty is None else (-ty if tx is None else tx - ty)


@rule_for(_arithmetic.Divide)
def _divide(fn, primals, tangents, outputs):
    """d(x/y) = (ẋ − (x/y)·ẏ)/y."""
    tx, ty = tangents
    y = primals[1]
    if ty is None:
        return tx / y
    num = -outputs * ty if tx is None else tx - outputs * ty
    return num / y


def symmetric(fn, primals, tangents, outputs):
    """J·t = Jᵀ·t, the backward applied to the tangent (unary ops with a symmetric Jacobian:
    elementwise functions, softmax, layer normalization, sparsemax)."""
    return bind(fn, primals, outputs).backward(tangents[0])


def elementwise(fn, primals, tangents, outputs):
    """An elementwise op of several inputs: Σₖ ∂f/∂xₖ · ẋₖ, each term the backward of the op
    bound to inputs broadcast to the output's shape (so nothing is summed back)."""
    from deepnum.ops.numpy import broadcast_to

    shape = outputs.shape
    wide = [p if p.shape == shape else broadcast_to(p, shape) for p in primals]
    total = None
    for k, t in enumerate(tangents):
        if t is None:
            continue
        t = t if t.shape == shape else broadcast_to(t, shape)
        node = bind(br.fresh(fn), wide, outputs)
        node.needs_input_grad = tuple(i == k for i in range(len(wide)))
        total = _add(total, node.backward(t)[k])
    return total if total is not None else zeros(outputs)


for _cls in br._UNARY:
    JVP_RULES.setdefault(_cls, symmetric)
for _cls in br._BINARY + [SigmoidCrossEntropy]:
    JVP_RULES.setdefault(_cls, elementwise)
for _cls in (_elementwise.Clip, _softmax.Softmax, _softmax.Sparsemax, _normalization.LayerNorm):
    JVP_RULES[_cls] = symmetric
for _cls in (_complex.Real, _complex.Imag, _complex.Complex):
    JVP_RULES[_cls] = _linear_map


@rule_for(_softmax.LogSoftmax)
def _log_softmax(fn, primals, tangents, outputs):
    """d log softmax(x) = ẋ − Σ softmax(x)·ẋ."""
    from deepnum.ops.numpy import exp
    from deepnum.ops.numpy import sum as _sum

    t = tangents[0]
    return t - _sum(exp(outputs) * t, axis=fn.axes, keepdims=True)


# ------------------------------------------------------------------ weighted reductions
@rule_for(
    _reduction.Max, _reduction.Min, _reduction.Prod, _reduction.LogSumExp, _statistics.Var,
    _norms.VectorNorm, _fused.SoftmaxCrossEntropy,
)  # fmt: skip
def _weighted_reduction(fn, primals, tangents, outputs):
    """y = r(x) reduced over axes with ∂y/∂x = w: ẏ = Σ w·ẋ over those axes."""
    from deepnum.ops.numpy import sum as _sum

    ones = Tensor._make(outputs.xp.ones(outputs.shape, dtype=outputs.dtype))
    weights = bind(fn, primals, outputs).backward(ones)
    weights = weights if isinstance(weights, tuple) else (weights,)
    axes = getattr(fn, "axes", None)
    axis = getattr(fn, "axis", None)
    keepdims = getattr(fn, "keepdims", False)
    total = None
    for w, t in zip(weights, tangents):
        if t is not None and w is not None:
            total = _add(total, w * t)
    if total is None:
        return zeros(outputs)
    return _sum(total, axis=axes if axis is None else axis, keepdims=keepdims)


# ------------------------------------------------------------------ linear algebra
@rule_for(_solve.Inverse)
def _inverse_rule(fn, primals, tangents, outputs):
    """d(A⁻¹) = −A⁻¹ Ȧ A⁻¹."""
    from deepnum.ops.numpy import matmul

    return -matmul(matmul(outputs, tangents[0]), outputs)


@rule_for(_solve.Solve)
def _solve_rule(fn, primals, tangents, outputs):
    """X = A⁻¹B: Ẋ = A⁻¹(Ḃ − Ȧ X)."""
    from deepnum.ops.numpy import matmul

    a = primals[0]
    ta, tb = tangents
    rhs = tb if ta is None else (-matmul(ta, outputs) if tb is None else tb - matmul(ta, outputs))
    return _solve.Solve()(a, rhs)


@rule_for(_norms.Det)
def _det(fn, primals, tangents, outputs):
    """d det A = det A · tr(A⁻¹ Ȧ)."""
    from deepnum.ops.linalg import inv
    from deepnum.ops.numpy import matmul, trace

    a, t = primals[0], tangents[0]
    return outputs * trace(matmul(inv(a), t), axis1=-2, axis2=-1)


@rule_for(_decompositions.Cholesky)
def _cholesky(fn, primals, tangents, outputs):
    """A = L Lᵀ: L̇ = L Φ(L⁻¹ Ȧ L⁻ᵀ), Φ taking the lower triangle with half the diagonal."""
    from deepnum.ops.linalg import inv
    from deepnum.ops.numpy import matmul, swapaxes, tril, triu

    li = inv(outputs)
    m = matmul(matmul(li, tangents[0]), swapaxes(li, -1, -2))
    diagonal = m - tril(m, -1) - triu(m, 1)
    return matmul(outputs, tril(m, -1) + 0.5 * diagonal)


@rule_for(_pooling.MaxPool)
def _max_pool(fn, primals, tangents, outputs):
    """The tangent at each window's winner (the argmax of a forward pass on the primal)."""
    node = br.fresh(fn, need_argmax=True, argmax=None)
    node.forward(primals[0].data)
    return _pooling.MaxPoolGather(fn.win, node.argmax)(tangents[0])
