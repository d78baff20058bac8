"""``keras.ops.nn``: activations, convolution, pooling, normalization, attention and losses.

The membership is exactly Keras's. Each family lives in a private module, forward and backward
side by side, whose ``__all__`` lists the names it contributes here; ops that deepnum adds
beyond Keras (the fused ``linear``, the recurrent scans) are exported by ``deepnum.ops``.
"""

from deepnum.ops.nn._activations import *
from deepnum.ops.nn._adaptive_pooling import *
from deepnum.ops.nn._attention import *
from deepnum.ops.nn._complex import *
from deepnum.ops.nn._conv import *
from deepnum.ops.nn._conv_variants import *
from deepnum.ops.nn._ctc import *
from deepnum.ops.nn._ctc_decode import *
from deepnum.ops.nn._encoding import *
from deepnum.ops.nn._fold import *
from deepnum.ops.nn._losses import *
from deepnum.ops.nn._normalization import *
from deepnum.ops.nn._pooling import *
from deepnum.ops.nn._smooth_activations import *
from deepnum.ops.nn._softmax import *
from deepnum.ops.nn._space_depth import *
