"""Batching rules of the neural-network, linear-algebra and signal ops (see
:mod:`deepnum.autodiff.batching_rules` for the conventions).

Ops over a leading sample axis (convolution, pooling, attention) fold the vmap batch into it:
``(batch, N, ...)`` runs as ``(batch·N, ...)`` and is unfolded after. Linear algebra on the
last two axes (and FFTs on the last axes) accepts leading axes as they are.
"""

from __future__ import annotations

from deepnum.autodiff.batching_rules import (
    align,
    batch_all,
    fresh,
    logical_ndim,
    rule_for,
    shift_axes,
    to_rank,
)
from deepnum.autodiff.function import Function
from deepnum.backend import get_array_module
from deepnum.losses.probabilistic import SigmoidCrossEntropy
from deepnum.ops.image import _linear_maps
from deepnum.ops.linalg import _base, _decompositions, _norms, _solve, _svd
from deepnum.ops.math import _fft
from deepnum.ops.nn import _conv, _depthwise, _fused, _normalization, _pooling
from deepnum.ops.numpy import _linalg_numpy, _statistics
from deepnum.ops.numpy._shape import reshape


# ------------------------------------------------------------------ dense layers
@rule_for(_fused.Linear)
def _linear(fn, args, batched, size):
    if batched[0] and not any(batched[1:]):
        return fn(*args)  # x (batch, ..., in) @ W: shared weights, one GEMM
    bias = args[2] if len(args) == 3 else None
    return _linear_per_example(args[0], args[1], bias, batched, size)


def _linear_per_example(x, w, bias, batched, size):
    """x W + b with weights that differ per example (e.g. under vmap(grad(...)))."""
    bx, bw = batched[0], batched[1]
    lead = tuple(x.shape[1:-1]) if bx else tuple(x.shape[:-1])
    k = x.shape[-1]
    x3 = reshape(x, (size if bx else 1, -1, k))
    if bw:
        y = BatchedMatmul()(x3, w)
    else:
        from deepnum.ops.numpy import matmul

        y = matmul(x3, w)
    y = reshape(y, (size,) + lead + (y.shape[-1],))
    if bias is not None:
        y = y + (to_rank(bias, len(lead) + 1) if batched[2] else bias)
    return y


class BatchedMatmul(Function):
    """Y[b] = X[b] W[b] for a batch of matrices W (B, in, out) and X (B or 1, L, in).

    When W is one matrix repeated along the batch (a zero stride: the weights that
    ``vmap(grad(...))`` differentiates per example), Y is one GEMM on the flattened batch;
    ∂L/∂W[b] = X[b]ᵀ G[b] is a batch of outer products (L = 1) written as a broadcast product,
    not as matrix products with an inner dimension of 1.
    """

    def forward(self, x, w):
        if w.strides[0] == 0 and x.shape[0] == w.shape[0]:
            n, rows, k = x.shape
            return (x.reshape(n * rows, k) @ w[0]).reshape(n, rows, w.shape[-1])
        return get_array_module(x).matmul(x, w)

    def backward(self, gy):
        from deepnum.ops.numpy import expand_dims, matmul, swapaxes
        from deepnum.ops.numpy._broadcast import sum_to

        x, w = self.inputs
        gx = gw = None
        if self.needs_input_grad[0]:
            gx = sum_to(BatchedMatmul()(gy, swapaxes(w, -1, -2)), x.shape)
        if self.needs_input_grad[1]:
            if x.shape[1] == 1:
                gw = expand_dims(x[:, 0], -1) * expand_dims(gy[:, 0], -2)
            else:
                gw = matmul(swapaxes(x, -1, -2), gy)
            gw = sum_to(gw, w.shape)
        return gx, gw


@rule_for(BatchedMatmul)
def _batched_matmul(fn, args, batched, size):
    """Nested vmap: the outer batch and BatchedMatmul's own batch merge into one."""
    from deepnum.ops.numpy._broadcast import broadcast_to

    x, w = batch_all(args, batched, size)
    n = w.shape[1]
    if x.shape[1] != n:  # x shared by every matrix of w
        x = broadcast_to(x, (size, n) + tuple(x.shape[2:]))
    y = BatchedMatmul()(
        reshape(x, (size * n,) + tuple(x.shape[2:])), reshape(w, (size * n,) + tuple(w.shape[2:]))
    )
    return reshape(y, (size, n) + tuple(y.shape[1:]))


@rule_for(_fused.SoftmaxCrossEntropy)
def _softmax_ce(fn, args, batched, size):
    logits, targets = batch_all(align(args, batched), batched, size)
    ndim = max(logical_ndim(a, b) for a, b in zip(args, batched))
    return fresh(fn, axis=shift_axes(fn.axis, ndim))(logits, targets)


@rule_for(SigmoidCrossEntropy)
def _sigmoid_ce(fn, args, batched, size):
    return fn(*align(args, batched))


@rule_for(_normalization.LayerNorm, _norms.VectorNorm)
def _normalize(fn, args, batched, size):
    (x,) = args
    return fresh(fn, axes=shift_axes(fn.axes, x.ndim - 1))(x)


# ------------------------------------------------------------------ sample-axis folding
def _fold(x):
    """(batch, N, ...) -> (batch·N, ...)."""
    return reshape(x, (-1,) + tuple(x.shape[2:]))


def _unfold(y, size):
    return reshape(y, (size, -1) + tuple(y.shape[1:]))


@rule_for(_conv.Conv, _conv.ConvGradInput)
def _conv_rule(fn, args, batched, size):
    from deepnum.autodiff.batching import loop_rule

    if any(batched[1:]):  # a kernel (or bias) per example
        return loop_rule(fn, args, batched, size)
    out = fresh(fn, _col=None)(_fold(args[0]), *args[1:])
    return _unfold(out, size)


@rule_for(_depthwise.DepthwiseConv, _depthwise.DepthwiseGradInput)
def _depthwise_rule(fn, args, batched, size):
    from deepnum.autodiff.batching import loop_rule

    if any(batched[1:]):  # a kernel (or bias) per example
        return loop_rule(fn, args, batched, size)
    return _unfold(fresh(fn)(_fold(args[0]), *args[1:]), size)


@rule_for(_pooling.MaxPool, _pooling.AvgPool)
def _pool(fn, args, batched, size):
    return _unfold(fresh(fn)(_fold(args[0])), size)


@rule_for(_pooling.MaxPoolScatter, _pooling.MaxPoolGather, _pooling.AvgPoolScatter)
def _pool_adjoint(fn, args, batched, size):
    params = {}
    if getattr(fn, "argmax", None) is not None:
        params["argmax"] = _tile(fn.argmax, size)
    if getattr(fn, "x_shape", None) is not None:
        params["x_shape"] = (size * fn.x_shape[0],) + tuple(fn.x_shape[1:])
    return _unfold(fresh(fn, **params)(_fold(args[0])), size)


def _tile(a, size):
    return get_array_module(a).concatenate([a] * size, axis=0)


# ------------------------------------------------------------------ last-axes ops
@rule_for(
    _base.DiagPart, _base.DiagEmbed, _decompositions.Cholesky, _decompositions.QR,
    _decompositions.Eigh, _svd.SVD, _svd.SVDVals, _svd.Pinv, _norms.Det, _solve.Inverse,
    _linalg_numpy.SlogDet, _fft.FFTN, _fft.RFFT, _fft.IRFFT,
)  # fmt: skip
def _leading_axes_free(fn, args, batched, size):
    return fn(*args)


@rule_for(_solve.Solve)
def _solve_rule(fn, args, batched, size):
    from deepnum.autodiff.batching import loop_rule

    a, b = args
    if logical_ndim(a, batched[0]) != 2 or logical_ndim(b, batched[1]) != 2:
        return loop_rule(fn, args, batched, size)
    return fn(*batch_all(args, batched, size))


@rule_for(_statistics.CorrelateFull)
def _correlate(fn, args, batched, size):
    from deepnum.autodiff.batching import loop_rule

    return loop_rule(fn, args, batched, size)


@rule_for(_linear_maps.AxisMatmul)
def _axis_matmul(fn, args, batched, size):
    from deepnum.autodiff.batching import loop_rule

    x, m = args
    if batched[1]:
        return loop_rule(fn, args, batched, size)
    return fresh(fn, axis=shift_axes(fn.axis, x.ndim - 1))(x, m)
