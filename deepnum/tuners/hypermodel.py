"""HyperModel: builds (and optionally trains) a model from hyperparameters, as in KerasTuner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class HyperModel:
    """Subclass it, or pass a plain ``build_model(hp)`` function to a tuner.

    Override ``build(hp)`` to return a compiled model; override ``fit(hp, model, *args,
    **kwargs)`` to tune the training too (batch size, epochs, data preprocessing). ``fit`` may
    return the History of ``model.fit`` (its best epoch counts), a dict of metrics, or a float
    (the objective's value).

    Args:
        name: an optional name shown in summaries.
        tunable: kept for KerasTuner compatibility.

    Example:
        >>> import deepnum as dn
        >>> class MyHyperModel(HyperModel):
        ...     def build(self, hp):
        ...         model = dn.Sequential([dn.Input((4,)), dn.layers.Dense(hp.Int("units", 2, 8))])
        ...         model.compile(optimizer="sgd", loss="mse")
        ...         return model
        ...
        ...     def fit(self, hp, model, *args, **kwargs):
        ...         return model.fit(*args, batch_size=hp.Choice("batch_size", [16, 32]), **kwargs)
    """

    def __init__(self, name: str | None = None, tunable: bool = True) -> None:
        self.name = name
        self.tunable = tunable

    def build(self, hp: Any) -> Any:
        """Return a compiled model for the hyperparameters ``hp``."""
        raise NotImplementedError(f"{type(self).__name__}.build(hp) is not implemented.")

    def fit(self, hp: Any, model: Any, *args: Any, **kwargs: Any) -> Any:
        """Train ``model``; the default is ``model.fit(*args, **kwargs)``."""
        return model.fit(*args, **kwargs)


class _FunctionHyperModel(HyperModel):
    """Wraps a ``build_model(hp)`` function."""

    def __init__(self, build_fn: Callable[[Any], Any]) -> None:
        super().__init__(name=getattr(build_fn, "__name__", None))
        self._build_fn = build_fn

    def build(self, hp: Any) -> Any:
        return self._build_fn(hp)


def get_hypermodel(hypermodel: Any) -> HyperModel:
    """A HyperModel from a HyperModel instance or a ``build_model(hp)`` function."""
    if isinstance(hypermodel, HyperModel):
        return hypermodel
    if isinstance(hypermodel, type):
        raise TypeError(
            f"hypermodel must be a HyperModel instance, received the class {hypermodel.__name__}; "
            f"pass {hypermodel.__name__}() instead."
        )
    if callable(hypermodel) and not hasattr(hypermodel, "fit"):
        return _FunctionHyperModel(hypermodel)
    raise TypeError(
        "hypermodel must be a build_model(hp) function or a HyperModel instance, received "
        f"{type(hypermodel).__name__}. To tune a model, write a function that builds and "
        "compiles it from hp."
    )
