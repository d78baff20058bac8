"""Utilities (Keras's ``keras.utils``)."""

from deepnum.utils.random import set_random_seed

__all__ = ["set_random_seed"]
