"""Normalization layers."""

from deepnum.layers.normalization.batch_normalization import BatchNormalization
from deepnum.layers.normalization.layer_normalization import LayerNormalization
