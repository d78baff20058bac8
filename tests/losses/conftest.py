"""Shared inputs for the loss tests: one random problem per kind of loss."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import reference

N, C = 6, 5


@pytest.fixture(scope="session")
def keras():
    return reference("keras")


def make_inputs(kind: str, dtype: str = "float32", seed: int = 0) -> tuple:
    """(y_true, y_pred) for a kind of loss, drawn away from kinks and clipping bounds."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, C, N)
    one_hot = np.eye(C)[labels]
    probs = rng.dirichlet(np.ones(C) * 2, N) * 0.9 + 0.02
    probs /= probs.sum(-1, keepdims=True)
    logits = rng.standard_normal((N, C)) * 2
    binary = rng.integers(0, 2, (N, C)).astype(float)
    unit = rng.uniform(0.05, 0.95, (N, C))
    reg_true, reg_pred = rng.standard_normal((N, C)), rng.standard_normal((N, C))
    groups = rng.permutation(np.arange(N) % 3)  # every label has a partner
    embeddings = reg_pred / np.linalg.norm(reg_pred, axis=-1, keepdims=True)
    table = {
        "regression": (reg_true, reg_pred),
        "positive": (np.abs(reg_true) + 0.1, np.abs(reg_pred) + 0.1),
        "binary_probs": (binary, unit),
        "binary_logits": (binary, logits),
        "hinge": (binary, reg_pred),
        "categorical_probs": (one_hot, probs),
        "categorical_logits": (one_hot, logits),
        "categorical_hinge": (one_hot, reg_pred),
        "distributions": (probs[::-1].copy(), probs),
        "sparse_probs": (labels, probs),
        "sparse_logits": (labels, logits),
        "masks": (binary.reshape(N, C, 1), unit.reshape(N, C, 1)),
        "embeddings": (groups, embeddings),
    }
    y_true, y_pred = table[kind]
    y_true = y_true if y_true.dtype.kind == "i" else y_true.astype(dtype)
    return y_true, y_pred.astype(dtype)


def sample_weight(dtype: str = "float32", seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.1, 2.0, N).astype(dtype)


def to_numpy(keras, value) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(value))
