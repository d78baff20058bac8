"""Models: the Functional graph, Sequential and subclassed models."""

from deepnum.models.functional import Input, InputLayer, KerasTensor
from deepnum.models.model import Model
from deepnum.models.sequential import Sequential

__all__ = ["Input", "InputLayer", "KerasTensor", "Model", "Sequential"]
