"""Layers with Keras 3's names, arguments, defaults and weight layouts.

The package mirrors Keras's layer families: ``core``, ``activations``, ``convolutional``,
``pooling``, ``normalization``, ``regularization``, ``reshaping``, ``merging``, ``rnn`` and
``preprocessing``; the base class, input specs and serialization sit at the top.
"""

from deepnum.layers.activations import (
    ELU,
    Activation,
    LeakyReLU,
    Maxout,
    PReLU,
    ReLU,
    Softmax,
)
from deepnum.layers.context import clear_session
from deepnum.layers.convolutional import (
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Convolution1D,
    Convolution1DTranspose,
    Convolution2D,
    Convolution2DTranspose,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
)
from deepnum.layers.core import Dense, Embedding, Identity, Lambda, Masking
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer
from deepnum.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from deepnum.layers.normalization import BatchNormalization, LayerNormalization
from deepnum.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AvgPool1D,
    AvgPool2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPool1D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
)
from deepnum.layers.preprocessing import Rescaling
from deepnum.layers.regularization import (
    Dropout,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from deepnum.layers.reshaping import (
    Cropping1D,
    Cropping2D,
    Flatten,
    Permute,
    RepeatVector,
    Reshape,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)
from deepnum.layers.rnn import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
    TimeDistributed,
)
from deepnum.models.functional import Input, InputLayer
