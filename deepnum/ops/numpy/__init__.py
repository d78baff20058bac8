"""``keras.ops.numpy``: differentiable ops with NumPy's names, signatures and semantics.

The membership is exactly Keras's. Each family lives in a private module, forward and backward
side by side, whose ``__all__`` lists the names it contributes here.
"""

from deepnum.ops.numpy._arithmetic import *
from deepnum.ops.numpy._bessel import *
from deepnum.ops.numpy._bitwise import *
from deepnum.ops.numpy._broadcast import *
from deepnum.ops.numpy._comparison import *
from deepnum.ops.numpy._complex import *
from deepnum.ops.numpy._creation import *
from deepnum.ops.numpy._cumulative import *
from deepnum.ops.numpy._einsum import *
from deepnum.ops.numpy._elementwise import *
from deepnum.ops.numpy._exponential import *
from deepnum.ops.numpy._grids import *
from deepnum.ops.numpy._histograms import *
from deepnum.ops.numpy._indexing import *
from deepnum.ops.numpy._joining import *
from deepnum.ops.numpy._linalg_numpy import *
from deepnum.ops.numpy._logical import *
from deepnum.ops.numpy._logical_reductions import *
from deepnum.ops.numpy._nan_reductions import *
from deepnum.ops.numpy._padding import *
from deepnum.ops.numpy._products import *
from deepnum.ops.numpy._quantiles import *
from deepnum.ops.numpy._rearranging import *
from deepnum.ops.numpy._reduction import *
from deepnum.ops.numpy._rounding import *
from deepnum.ops.numpy._sets import *
from deepnum.ops.numpy._shape import *
from deepnum.ops.numpy._sorting import *
from deepnum.ops.numpy._statistics import *
from deepnum.ops.numpy._triangular import *
from deepnum.ops.numpy._trigonometric import *
from deepnum.ops.numpy._vectorize import *
from deepnum.ops.numpy._windows import *
