"""Normalization layers."""

from deepnum.layers.normalization.batch_normalization import BatchNormalization
from deepnum.layers.normalization.group_normalization import GroupNormalization
from deepnum.layers.normalization.layer_normalization import LayerNormalization
from deepnum.layers.normalization.rms_normalization import RMSNormalization
from deepnum.layers.normalization.spectral_normalization import SpectralNormalization
from deepnum.layers.normalization.unit_normalization import UnitNormalization
