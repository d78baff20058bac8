"""``keras.ops.linalg``: decompositions, solvers and norms, differentiable where defined.

The membership is exactly Keras's; each family is a private module whose ``__all__`` lists
the names it contributes here.
"""

from deepnum.ops.linalg._decompositions import *
from deepnum.ops.linalg._jvp import *
from deepnum.ops.linalg._norms import *
from deepnum.ops.linalg._solve import *
from deepnum.ops.linalg._svd import *
