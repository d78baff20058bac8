"""HyperParameters: the search space and the current values, as KerasTuner defines them.

A model-building function asks for each hyperparameter by name::

    def build_model(hp):
        units = hp.Int("units", 32, 512, step=32)
        lr = hp.Float("lr", 1e-4, 1e-1, sampling="log")
        ...

The first call registers the hyperparameter in ``hp.space`` and returns its value: the default
outside a search, the trial's value inside one. Later calls with the same name return the same
value.
"""

from __future__ import annotations

import contextlib
import copy
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from deepnum.tuners import hp_types
from deepnum.tuners.hp_types import Condition, HyperParameter

ValueSource = Callable[[HyperParameter], Any]


class HyperParameters:
    """A container for a hyperparameter space and the values of one trial.

    Attributes:
        values: dict from name to the current value of every *active* hyperparameter.
        space: list of the registered hyperparameters, parents before their children.

    Example:
        >>> hp = HyperParameters()
        >>> hp.Int("units", 8, 64, step=8)
        8
        >>> hp.Choice("activation", ["relu", "tanh"])
        'relu'
        >>> with hp.conditional_scope("activation", ["tanh"]):
        ...     print(hp.Float("scale", 0.5, 2.0))
        None
        >>> hp.values
        {'units': 8, 'activation': 'relu'}
    """

    def __init__(self) -> None:
        self._name_scopes: list[str] = []
        self._conditions: list[Condition] = []
        self._hps: dict[str, list[HyperParameter]] = defaultdict(list)
        self._space: list[HyperParameter] = []
        self.values: dict[str, Any] = {}
        self.active_scopes: list[list[Condition]] = []
        self.inactive_scopes: list[list[Condition]] = []
        # Where a new hyperparameter's value comes from: None gives the default; a tuner sets
        # a function that draws it from the Optuna trial.
        self._source: ValueSource | None = None

    # ------------------------------------------------------------------ scopes
    @contextlib.contextmanager
    def name_scope(self, name: str) -> Iterator[None]:
        """Prefix the names registered inside with ``name/``."""
        self._name_scopes.append(str(name))
        try:
            yield
        finally:
            self._name_scopes.pop()

    @contextlib.contextmanager
    def conditional_scope(self, parent_name: str, parent_values: Any) -> Iterator[None]:
        """Hyperparameters created inside are active only when ``parent_name`` takes one of
        ``parent_values``; when inactive they are registered but return ``None``.

        The Python code inside the scope runs in either case, so test the parent's value
        before using a child's.

        Args:
            parent_name: name of an already registered hyperparameter.
            parent_values: a value or a list of values of the parent that activate the scope.

        Example:
            >>> hp = HyperParameters()
            >>> kind = hp.Choice("model", ["mlp", "cnn"])
            >>> with hp.conditional_scope("model", ["cnn"]):
            ...     filters = hp.Int("filters", 8, 32)
            >>> filters is None
            True
        """
        parent_name = self._get_name(parent_name)
        if parent_name not in self._hps:
            raise ValueError(
                f"conditional_scope: the parent hyperparameter {parent_name!r} is not defined; "
                f"register it first (known: {sorted(self._hps)})."
            )
        if not isinstance(parent_values, (list, tuple)):
            parent_values = [parent_values]
        condition = Condition(parent_name, tuple(parent_values))
        self._conditions.append(condition)
        scopes = self.active_scopes if condition.is_active(self.values) else self.inactive_scopes
        scopes.append(copy.copy(self._conditions))
        try:
            yield
        finally:
            self._conditions.pop()

    @contextlib.contextmanager
    def _maybe_conditional_scope(
        self, parent_name: str | None, parent_values: Any
    ) -> Iterator[None]:
        if parent_name:
            with self.conditional_scope(parent_name, parent_values):
                yield
        else:
            yield

    # ------------------------------------------------------------------ queries
    def is_active(self, hyperparameter: HyperParameter | str) -> bool:
        """Whether all parent conditions of a hyperparameter (or of any of that name) hold."""
        if isinstance(hyperparameter, HyperParameter):
            return self._conditions_hold(hyperparameter.conditions)
        return any(
            self._conditions_hold(h.conditions) for h in self._hps.get(str(hyperparameter), [])
        )

    def get(self, name: str) -> Any:
        """The current value of ``name``.

        Raises:
            ValueError: the hyperparameter exists but is inactive in this trial.
            KeyError: no hyperparameter of that name was registered.
        """
        name = self._get_name(name)
        if name in self.values:
            return self.values[name]
        if name in self._hps:
            raise ValueError(f"Hyperparameter {name!r} is inactive: its parent condition is unmet.")
        raise KeyError(f"Hyperparameter {name!r} does not exist (known: {sorted(self._hps)}).")

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def __contains__(self, name: str) -> bool:
        try:
            self.get(name)
        except (KeyError, ValueError):
            return False
        return True

    @property
    def space(self) -> list[HyperParameter]:
        return self._space

    # ------------------------------------------------------------------ definers
    def Int(
        self,
        name: str,
        min_value: int,
        max_value: int,
        step: int | None = None,
        sampling: str = "linear",
        default: int | None = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> int | None:
        """Register (or look up) an integer hyperparameter and return its value.

        ``max_value`` is included. See :class:`deepnum.tuners.hp_types.Int` for ``step`` and
        ``sampling``; ``parent_name``/``parent_values`` open a one-off conditional scope.

        Example:
            >>> HyperParameters().Int("layers", 1, 3, default=2)
            2
        """
        with self._maybe_conditional_scope(parent_name, parent_values):
            return self._retrieve(
                hp_types.Int(
                    self._get_name(name),
                    min_value,
                    max_value,
                    step,
                    sampling,
                    default,
                    self._conditions,
                )
            )

    def Float(
        self,
        name: str,
        min_value: float,
        max_value: float,
        step: float | None = None,
        sampling: str = "linear",
        default: float | None = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> float | None:
        """Register (or look up) a float hyperparameter and return its value.

        ``sampling="log"`` spreads the draws evenly over the decades (learning rates);
        ``"reverse_log"`` concentrates them near ``max_value`` (momentum, beta2).

        Example:
            >>> HyperParameters().Float("lr", 1e-4, 1e-1, sampling="log", default=1e-3)
            0.001
        """
        with self._maybe_conditional_scope(parent_name, parent_values):
            return self._retrieve(
                hp_types.Float(
                    self._get_name(name),
                    min_value,
                    max_value,
                    step,
                    sampling,
                    default,
                    self._conditions,
                )
            )

    def Choice(
        self,
        name: str,
        values: Any,
        ordered: bool | None = None,
        default: Any = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> Any:
        """Register (or look up) a choice among ``values`` and return its value.

        Example:
            >>> HyperParameters().Choice("optimizer", ["adam", "sgd"])
            'adam'
        """
        with self._maybe_conditional_scope(parent_name, parent_values):
            return self._retrieve(
                hp_types.Choice(self._get_name(name), values, ordered, default, self._conditions)
            )

    def Boolean(
        self,
        name: str,
        default: bool = False,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> bool | None:
        """Register (or look up) a boolean hyperparameter and return its value.

        Example:
            >>> HyperParameters().Boolean("batch_norm")
            False
        """
        with self._maybe_conditional_scope(parent_name, parent_values):
            return self._retrieve(hp_types.Boolean(self._get_name(name), default, self._conditions))

    def Fixed(
        self, name: str, value: Any, parent_name: str | None = None, parent_values: Any = None
    ) -> Any:
        """Register a constant: recorded with each trial, never tuned.

        Example:
            >>> HyperParameters().Fixed("epochs", 10)
            10
        """
        with self._maybe_conditional_scope(parent_name, parent_values):
            return self._retrieve(hp_types.Fixed(self._get_name(name), value, self._conditions))

    # ------------------------------------------------------------------ registry
    def _retrieve(self, hp: HyperParameter) -> Any:
        if self._exists(hp.name, hp.conditions):
            return self.values.get(hp.name) if self._conditions_hold(hp.conditions) else None
        return self._register(hp)

    def _register(self, hp: HyperParameter, overwrite: bool = False) -> Any:
        for condition in self._conditions:
            if condition.name == hp.name:
                raise ValueError(
                    f"A conditional hyperparameter cannot share its parent's name {hp.name!r}."
                )
        self._hps[hp.name].append(hp)
        self._space.append(hp)
        if not self._conditions_hold(hp.conditions):
            return None  # inactive: the build must not rely on a value
        if overwrite or hp.name not in self.values:
            self.values[hp.name] = hp.default if self._source is None else self._source(hp)
        return self.values[hp.name]

    def _exists(self, name: str, conditions: tuple) -> bool:
        return any(h.conditions == tuple(conditions) for h in self._hps.get(name, []))

    def _conditions_hold(self, conditions: Any) -> bool:
        return all(c.is_active(self.values) for c in conditions)

    def _get_name(self, name: str) -> str:
        return "/".join([*self._name_scopes, str(name)])

    # ------------------------------------------------------------------ copy and config
    def merge(self, hps: HyperParameters | list[HyperParameter], overwrite: bool = True) -> None:
        """Add the hyperparameters of ``hps``; existing ones are replaced if ``overwrite``."""
        space = hps.space if isinstance(hps, HyperParameters) else list(hps)
        for hp in space:
            if self._exists(hp.name, hp.conditions):
                if not overwrite:
                    continue
                self._hps[hp.name] = [
                    h for h in self._hps[hp.name] if h.conditions != hp.conditions
                ]
                self._space = [
                    h
                    for h in self._space
                    if not (h.name == hp.name and h.conditions == hp.conditions)
                ]
            self._register(hp, overwrite=overwrite)

    def lookup(self, name: str, conditions: tuple = ()) -> HyperParameter | None:
        """The registered hyperparameter of that name (and conditions, when several)."""
        candidates = self._hps.get(name, [])
        for hp in candidates:
            if hp.conditions == tuple(conditions):
                return hp
        return candidates[0] if candidates else None

    def get_config(self) -> dict:
        """JSON-safe description: ``{"space": [...], "values": {...}}``."""
        return {"space": [hp_types.serialize(h) for h in self._space], "values": dict(self.values)}

    @classmethod
    def from_config(cls, config: dict) -> HyperParameters:
        hps = cls()
        for item in config.get("space", []):
            hp = hp_types.deserialize(item)
            hps._hps[hp.name].append(hp)
            hps._space.append(hp)
        hps.values = dict(config.get("values", {}))
        return hps

    def copy(self) -> HyperParameters:
        return HyperParameters.from_config(self.get_config())

    def __repr__(self) -> str:
        return f"HyperParameters(values={self.values})"
