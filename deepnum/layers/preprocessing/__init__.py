"""Preprocessing layers."""

from deepnum.layers.preprocessing.rescaling import Rescaling
