"""Tiny problems and hypermodels shared by the tuner tests (and the multi-process worker)."""

from __future__ import annotations

import math

import numpy as np

import deepnum as dn
from deepnum.tuners import HyperModel


def regression_data(n: int = 96, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """y = x @ w + noise with standardized x: SGD converges for lr up to ~1."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    w = np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")
    y = x @ w + 0.1 * rng.normal(size=(n, 1)).astype("float32")
    return x, y


def build_linear(hp) -> dn.Model:
    """Linear regression trained by SGD; the learning rate is the hyperparameter."""
    model = dn.Sequential([dn.Input((4,)), dn.layers.Dense(1)])
    lr = hp.Float("lr", 1e-5, 1.0, sampling="log")
    model.compile(optimizer=dn.optimizers.SGD(lr), loss="mse")
    return model


def build_mlp(hp) -> dn.Model:
    """A one-hidden-layer regressor: units and learning rate."""
    model = dn.Sequential(
        [
            dn.Input((4,)),
            dn.layers.Dense(hp.Int("units", 2, 8, step=2), activation="tanh"),
            dn.layers.Dense(1),
        ]
    )
    lr = hp.Float("lr", 1e-3, 0.3, sampling="log")
    model.compile(optimizer=dn.optimizers.SGD(lr), loss="mse")
    return model


class Analytic(HyperModel):
    """A hypermodel without a network: ``define(hp)`` registers the hyperparameters and
    ``score(values)`` is the objective, so hundreds of trials run in a second."""

    def __init__(self, define, score=None) -> None:
        super().__init__()
        self.define = define
        self.score = score or (lambda values: 0.0)
        self.fit_calls = 0

    def build(self, hp):
        self.define(hp)
        return None

    def fit(self, hp, model, *args, **kwargs):
        self.fit_calls += 1
        return float(self.score(hp.values))


def log_bowl(values: dict) -> float:
    """Minimum at lr = 10**-2.5, measured in decades."""
    return (math.log10(values["lr"]) + 2.5) ** 2
