"""``keras.ops``: differentiable operations with Keras's names, signatures and semantics.

The sub-namespaces are Keras's: ``numpy``, ``nn``, ``linalg``, ``image``, and (as in Keras's
sources) ``math`` and ``core``. This namespace holds all of them but ``image``, as
``keras.ops`` does, plus a few ops deepnum adds beyond Keras: the fused ``linear`` and softmax
cross-entropies, the recurrent scans, ``conv1d``/``conv2d``, the convolutions with a fused bias
(``fused_conv``, ``fused_depthwise_conv``, ``fused_separable_conv``), ``getitem``, ``flatten``
and ``to_device``.
"""

from deepnum.ops import core, image, linalg, math, nn, numpy
from deepnum.ops._einops import rearrange
from deepnum.ops.core import *

# Beyond keras.ops.
from deepnum.ops.core._transfer import to_device
from deepnum.ops.linalg import *
from deepnum.ops.math import *
from deepnum.ops.nn import *
from deepnum.ops.nn._conv import conv1d, conv2d, fused_conv
from deepnum.ops.nn._conv_variants import fused_depthwise_conv, fused_separable_conv
from deepnum.ops.nn._fused import linear, softmax_cross_entropy, sparse_softmax_cross_entropy
from deepnum.ops.nn._recurrent import gru, lstm, simple_rnn
from deepnum.ops.numpy import *
from deepnum.ops.numpy._broadcast import sum_to
from deepnum.ops.numpy._indexing import getitem
from deepnum.ops.numpy._shape import flatten
