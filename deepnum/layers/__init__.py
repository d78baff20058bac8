"""Layers with Keras 3's names, arguments, defaults and weight layouts."""

# Layer families (one module each) register their exports below.
from deepnum.layers.activation_layers import ELU, LeakyReLU, Maxout, PReLU, ReLU, Softmax
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
)
from deepnum.layers.core import Activation, Dense, Embedding, Identity, Lambda, Masking
from deepnum.layers.depthwise_conv import (
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
)
from deepnum.layers.dropout import Dropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
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
from deepnum.layers.recurrent import GRU, LSTM, SimpleRNN
from deepnum.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from deepnum.layers.spatial_reshaping import (
    Cropping1D,
    Cropping2D,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)
from deepnum.layers.wrappers import Bidirectional, TimeDistributed
from deepnum.models.functional import Input, InputLayer
