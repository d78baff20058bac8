"""``keras.ops.image``: resizing, affine and colour transforms, patches and filters.

The membership is exactly Keras's; each family is a private module whose ``__all__`` lists
the names it contributes here. Images are channels_last by default, as in Keras.
"""

from deepnum.ops.image._color import *
from deepnum.ops.image._crop_pad import *
from deepnum.ops.image._elastic import *
from deepnum.ops.image._filters import *
from deepnum.ops.image._patches import *
from deepnum.ops.image._resize import *
from deepnum.ops.image._sampling import *
from deepnum.ops.image._scale_translate import *
from deepnum.ops.image._ssim import *
from deepnum.ops.image._warps import *
