"""Layers with Keras 3's names, arguments, defaults and weight layouts."""

from deepnum.layers.context import clear_session
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer
from deepnum.models.functional import Input, InputLayer

# Layer families (one module each) register their exports below.
