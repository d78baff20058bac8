"""Regularization layers: dropout, noise and activity regularization."""

from deepnum.layers.regularization.activity_regularization import ActivityRegularization
from deepnum.layers.regularization.dropout import (
    Dropout,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from deepnum.layers.regularization.noise import AlphaDropout, GaussianDropout, GaussianNoise
from deepnum.layers.regularization.stochastic_depth import StochasticDepth
