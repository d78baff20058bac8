"""Regularization layers: dropout."""

from deepnum.layers.regularization.dropout import (
    Dropout,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
