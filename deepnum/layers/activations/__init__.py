"""Activation layers: ``Activation`` and the activations with parameters or options."""

from deepnum.layers.activations.activation import Activation
from deepnum.layers.activations.activation_layers import (
    ELU,
    LeakyReLU,
    Maxout,
    PReLU,
    ReLU,
    Softmax,
)
