"""``keras.ops`` math functions (Keras's ``keras/src/ops/math.py``): special functions, FFTs,
short-time Fourier transforms, segment reductions, top-k, distances and log-determinants.

Each family is a private module whose ``__all__`` lists the names it contributes here.
"""

from deepnum.ops.math._distance import *
from deepnum.ops.math._fft import *
from deepnum.ops.math._segment import *
from deepnum.ops.math._signal import *
from deepnum.ops.math._special import *
from deepnum.ops.math._topk import *
from deepnum.ops.numpy._reduction import logsumexp
