"""Models: the Functional graph, Sequential and subclassed models."""

from deepnum.models.functional import Input, InputLayer, KerasTensor
