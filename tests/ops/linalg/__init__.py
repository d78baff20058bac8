"""Tests of keras.ops.linalg (and numpy.slogdet)."""
