"""Tests of keras.ops math functions (keras/src/ops/math.py)."""
