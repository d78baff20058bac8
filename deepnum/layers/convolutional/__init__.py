"""Convolution layers: Conv1D/2D/3D, their transposes, depthwise and separable convolutions."""

from deepnum.layers.convolutional.conv import (
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Convolution1D,
    Convolution1DTranspose,
    Convolution2D,
    Convolution2DTranspose,
)
from deepnum.layers.convolutional.conv3d import (
    Conv3D,
    Conv3DTranspose,
    Convolution3D,
    Convolution3DTranspose,
)
from deepnum.layers.convolutional.depthwise_conv import (
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
)
