"""``keras.ops`` core functions (Keras's ``keras/src/ops/core.py``): conversion, casting,
shape and dtype queries, scatter and slice updates, control flow.

Each family is a private module whose ``__all__`` lists the names it contributes here.
"""

from deepnum.ops.numpy._creation import convert_to_numpy, convert_to_tensor
from deepnum.ops.numpy._elementwise import cast, stop_gradient
