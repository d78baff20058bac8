"""Merging layers (Add, Concatenate, Dot, …) and their functional forms."""

from deepnum.layers.merging.custom_scale import CustomScaleLayer
from deepnum.layers.merging.merge import (
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
