"""``keras.ops`` math functions (Keras's ``keras/src/ops/math.py``): special functions, FFTs,
segment reductions, top-k.

Each family is a private module whose ``__all__`` lists the names it contributes here.
"""

from deepnum.ops.math._special import *
from deepnum.ops.numpy._reduction import logsumexp
