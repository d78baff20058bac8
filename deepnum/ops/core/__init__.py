"""``keras.ops`` core functions (Keras's ``keras/src/ops/core.py``): conversion, casting,
shape and dtype queries, scatter and slice updates, control flow.

Each family is a private module whose ``__all__`` lists the names it contributes here.
"""

from deepnum.ops.core._control_flow import *
from deepnum.ops.core._convert import *
from deepnum.ops.core._custom_gradient import *
from deepnum.ops.core._scatter import *
