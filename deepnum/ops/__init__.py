"""Differentiable operations with NumPy's names (like ``keras.ops``).

Each family lives in its own module, forward and backward side by side.
"""

from deepnum.ops.arithmetic import (
    add,
    divide,
    multiply,
    negative,
    power,
    square,
    subtract,
    true_divide,
)
from deepnum.ops.broadcast import broadcast_to, sum_to
from deepnum.ops.conv import (
    conv,
    conv1d,
    conv2d,
    conv_transpose,
    depthwise_conv,
    separable_conv,
)
from deepnum.ops.creation import (
    arange,
    convert_to_numpy,
    convert_to_tensor,
    eye,
    full,
    full_like,
    ones,
    ones_like,
    zeros,
    zeros_like,
)
from deepnum.ops.ctc import ctc_loss
from deepnum.ops.indexing import getitem, one_hot, take, take_along_axis
from deepnum.ops.linalg import dot, einsum, inner, matmul, outer, tensordot
from deepnum.ops.math import (
    abs,
    absolute,
    arctan,
    cast,
    clip,
    cos,
    cosh,
    exp,
    log,
    log1p,
    maximum,
    minimum,
    sign,
    sin,
    sinh,
    sqrt,
    stop_gradient,
    tan,
    tanh,
    where,
)
from deepnum.ops.nn import (
    linear,
    log_softmax,
    relu,
    sigmoid,
    softmax,
    softmax_cross_entropy,
    sparse_softmax_cross_entropy,
)
from deepnum.ops.pooling import average_pool, max_pool
from deepnum.ops.recurrent import gru, lstm, simple_rnn
from deepnum.ops.reduction import argmax, argmin, logsumexp, max, mean, min, prod, std, sum, var
from deepnum.ops.shape import (
    concatenate,
    expand_dims,
    flatten,
    moveaxis,
    pad,
    repeat,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    tile,
    transpose,
)
from deepnum.ops.special import erf
from deepnum.ops.transfer import to_device

__all__ = [name for name in dir() if not name.startswith("_")]
