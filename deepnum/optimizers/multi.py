"""MultiOptimizer: different optimizers for different variables, chosen by variable path."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from typing import Any

from deepnum.autodiff.variable import Variable
from deepnum.optimizers.base import Optimizer
from deepnum.optimizers.loss_scale import LossScaleOptimizer


class OptimizerMap(MutableMapping):
    """Variable paths (exact, or regular expressions) → optimizers — Keras 3's
    ``OptimizerMap``.

    ``optimizer_map[path]`` returns the optimizer stored under exactly ``path``; otherwise the
    one whose key matches the whole path as a regular expression (``re.fullmatch``; two
    matches are an error); otherwise ``default_optimizer``. Calling the map on a variable looks
    up ``variable.path``.

    Args:
        default_optimizer: the optimizer of every variable no key matches.
        optimizer_map: an initial ``{key: optimizer}`` dict.

    Example:
        >>> import deepnum as dn
        >>> o = dn.optimizers
        >>> m = o.OptimizerMap(o.RMSprop(name="rms"), {"encoder/.*": o.SGD(name="sgd")})
        >>> m["encoder/dense/kernel"].name, m["decoder/dense/kernel"].name
        ('sgd', 'rms')
    """

    def __init__(
        self, default_optimizer: Optimizer, optimizer_map: dict[str, Optimizer] | None = None
    ) -> None:
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(
                "OptimizerMap: `default_optimizer` must be a deepnum Optimizer. "
                f"Received: {default_optimizer!r}"
            )
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(
                f"OptimizerMap: `optimizer_map` must be a dict. Received: {optimizer_map!r}"
            )
        self._default_optimizer = default_optimizer
        self._optimizer_map: dict[str, Optimizer] = {}
        for key, optimizer in (optimizer_map or {}).items():
            self[key] = optimizer

    @property
    def default_optimizer(self) -> Optimizer:
        return self._default_optimizer

    def __getitem__(self, key: str) -> Optimizer:
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matches = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(
                f"Multiple optimizers assigned to variable {key}: the keys {matches} all match."
            )
        return self._optimizer_map[matches[0]] if matches else self._default_optimizer

    def __setitem__(self, key: str, optimizer: Optimizer) -> None:
        if key in self._optimizer_map:
            raise ValueError(
                f"'{key}' already exists in the OptimizerMap with value "
                f"{self._optimizer_map[key]}. Please make sure to not use duplicated keys."
            )
        if not isinstance(key, str):
            raise ValueError(f"OptimizerMap: a key must be a string. Received: {key!r}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(
                f"OptimizerMap: a value must be a deepnum Optimizer. Received: {optimizer!r}"
            )
        if isinstance(optimizer, (LossScaleOptimizer, MultiOptimizer)):
            raise ValueError(f"OptimizerMap: the optimizer cannot be a {type(optimizer).__name__}.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key: str) -> None:
        del self._optimizer_map[key]

    def __len__(self) -> int:
        return len(self._optimizer_map)

    def __iter__(self) -> Iterator[str]:
        return iter(self._optimizer_map)

    def __call__(self, variable: Variable) -> Optimizer:
        return self[variable.path]

    def get_config(self) -> dict[str, Any]:
        from deepnum.optimizers import serialize

        return {
            "default_optimizer": serialize(self._default_optimizer),
            "optimizer_map": {k: serialize(v) for k, v in self._optimizer_map.items()},
        }

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> OptimizerMap:
        from deepnum.optimizers import deserialize

        default = deserialize(config["default_optimizer"], custom_objects=custom_objects)
        mapping = {
            k: deserialize(v, custom_objects=custom_objects)
            for k, v in (config.get("optimizer_map") or {}).items()
        }
        return cls(default, mapping)


class MultiOptimizer(Optimizer):
    """Update each variable with the optimizer an :class:`OptimizerMap` (or a function of the
    variable) assigns to it — Keras 3's ``MultiOptimizer``.

    :meth:`apply` hands each optimizer its own variables and gradients (each keeps its own
    state, learning rate and ``iterations``), then counts one iteration itself. There is no
    single learning rate: reading or setting ``learning_rate`` raises, as in Keras; use
    :attr:`optimizers`.

    Args:
        optimizer_map: an :class:`OptimizerMap`, or a function ``variable -> Optimizer``.
        loss_scale_factor: set on every inner optimizer (overriding theirs).
        name: the optimizer's name.

    Example:
        >>> import deepnum as dn
        >>> o = dn.optimizers
        >>> a, b = dn.Variable([1.0], name="a"), dn.Variable([1.0], name="b")
        >>> table = o.OptimizerMap(o.SGD(0.5, name="main"), {"b": o.SGD(0.1, name="slow")})
        >>> opt = o.MultiOptimizer(table)
        >>> opt.apply([dn.tensor([1.0]), dn.tensor([1.0])], [a, b])
        >>> round(float(a.numpy()[0]), 6), round(float(b.numpy()[0]), 6)
        (0.5, 0.9)
        >>> [p.name for p in opt.optimizers]    # the map's values, then the default
        ['slow', 'main']
    """

    def __init__(
        self,
        optimizer_map: OptimizerMap | Callable[[Variable], Optimizer],
        loss_scale_factor: float | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        if not callable(optimizer_map):
            raise TypeError(
                "MultiOptimizer: `optimizer_map` must be an OptimizerMap or a function "
                f"variable -> Optimizer. Received: {optimizer_map!r}"
            )
        self._optimizer_map = optimizer_map
        self._inner_optimizers: list[Optimizer] = []
        candidates = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        for optimizer in candidates + ([default] if default is not None else []):
            self._adopt(optimizer)

    def _adopt(self, optimizer: Optimizer) -> int:
        """Add ``optimizer`` to the inner optimizers (once); return its index."""
        for index, known in enumerate(self._inner_optimizers):
            if known is optimizer:
                return index
        optimizer.loss_scale_factor = self.loss_scale_factor
        self._inner_optimizers.append(optimizer)
        return len(self._inner_optimizers) - 1

    def build(self, var_list: Sequence[Variable]) -> None:
        """Assign every variable to its optimizer and build each with its own variables."""
        if self.built:
            return
        var_list = list(var_list)
        self._var_to_optimizer_idx: dict[int, int] = {}
        for variable in var_list:
            optimizer = self._optimizer_map(variable)
            if not isinstance(optimizer, Optimizer) or isinstance(
                optimizer, (LossScaleOptimizer, MultiOptimizer)
            ):
                raise ValueError(
                    f"MultiOptimizer: the optimizer for variable {variable.path!r} must be a "
                    "deepnum Optimizer, not a LossScaleOptimizer or MultiOptimizer. "
                    f"Received: {optimizer!r}"
                )
            self._var_to_optimizer_idx[id(variable)] = self._adopt(optimizer)
        for index, optimizer in enumerate(self._inner_optimizers):
            own = self._variables_of(index, var_list)
            if own:
                optimizer.build(own)
        super().build(var_list)

    def _variables_of(self, index: int, variables: Sequence[Any]) -> list[Any]:
        return [v for v in variables if self._var_to_optimizer_idx[id(v)] == index]

    @property
    def optimizers(self) -> list[Optimizer]:
        """The inner optimizers, in Keras's order (the map's values, then the default)."""
        return self._inner_optimizers

    @property
    def variables(self) -> list[Variable]:
        """Own variables (iteration, learning_rate), then each inner optimizer's."""
        out = list(self._variables)
        for optimizer in self._inner_optimizers:
            out.extend(optimizer.variables)
        return out

    @property
    def learning_rate(self) -> Any:
        raise AttributeError(
            "Learning rate cannot be accessed on a MultiOptimizer. Access the learning rate on "
            "the individual sub-optimizers instead (`optimizer.optimizers`)."
        )

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        raise AttributeError(
            "Learning rate cannot be set on a MultiOptimizer. Set the learning rate on the "
            "individual sub-optimizers instead (`optimizer.optimizers`)."
        )

    @property
    def loss_scale_factor(self) -> float | None:
        return getattr(self, "_loss_scale_factor", None)

    @loss_scale_factor.setter
    def loss_scale_factor(self, value: float | None) -> None:
        self._loss_scale_factor = value
        for optimizer in getattr(self, "_inner_optimizers", ()):
            optimizer.loss_scale_factor = value

    @property
    def iterations(self) -> Variable:
        return self._iterations

    def apply(
        self, grads: Sequence[Any], trainable_variables: Sequence[Variable] | None = None
    ) -> None:
        """Hand each inner optimizer its (gradient, variable) pairs, then count one step."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"{self.name}: when passing `grads` without variables, the optimizer must "
                    "already be built; call `optimizer.build(trainable_variables)` first."
                )
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(self._var_to_optimizer_idx):
            raise ValueError(
                f"{self.name}: gradients must match trainable variables one-to-one. Received "
                f"{len(grads)} gradients and {len(self._var_to_optimizer_idx)} variables."
            )
        self._check_variables_are_known(trainable_variables)
        for index, optimizer in enumerate(self._inner_optimizers):
            pairs = [
                (g, v)
                for g, v in zip(grads, trainable_variables)
                if self._var_to_optimizer_idx[id(v)] == index
            ]
            if pairs:
                optimizer.apply([g for g, _ in pairs], [v for _, v in pairs])
        self._iterations.data += 1

    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        for index, optimizer in enumerate(self._inner_optimizers):
            own = self._variables_of(index, var_list)
            if own:
                optimizer.finalize_variable_values(own)

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Own variables first, then each inner optimizer's (in :attr:`variables` order)."""
        if not self.built:
            raise ValueError(
                f"{self.name}: set_weights() needs a built optimizer; call "
                "`optimizer.build(trainable_variables)` first."
            )
        weights = list(weights)
        own = len(self._variables)
        for variable, weight in zip(self._variables, weights[:own]):
            variable.assign(weight)
        start = own
        for optimizer in self._inner_optimizers:
            count = len(optimizer.variables)
            if count and optimizer.built:
                optimizer.set_weights(weights[start : start + count])
            start += count

    def _saveable_children(self) -> list[tuple[str, Any]]:
        """The inner optimizers, which Keras also saves under ``optimizers/<name>``."""
        return [("optimizers", self._inner_optimizers)]

    def get_config(self) -> dict[str, Any]:
        return {
            "optimizer_map": _serialize_map(self._optimizer_map),
            "loss_scale_factor": self.loss_scale_factor,
            "name": self.name,
        }

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> MultiOptimizer:
        config = dict(config)
        config["optimizer_map"] = _deserialize_map(config["optimizer_map"], custom_objects)
        return cls(**config)


def _serialize_map(optimizer_map: Any) -> dict[str, Any]:
    """An OptimizerMap's Keras config, or a registered function's reference by name."""
    from deepnum.optimizers import serialize

    if isinstance(optimizer_map, OptimizerMap):
        return serialize(optimizer_map)
    name = getattr(optimizer_map, "_registered_name", None) or optimizer_map.__name__
    return {
        "module": getattr(optimizer_map, "__module__", None),
        "class_name": "function",
        "config": name,
        "registered_name": name,
    }


def _deserialize_map(config: Any, custom_objects: dict[str, Any] | None) -> Any:
    """Rebuild an OptimizerMap, or find a function among ``custom_objects`` and the
    registered objects (never by importing its module)."""
    from deepnum.layers.serialization import _CUSTOM
    from deepnum.optimizers import deserialize

    if isinstance(config, OptimizerMap) or callable(config):
        return config
    if not isinstance(config, dict) or config.get("class_name") != "function":
        return deserialize(config, custom_objects=custom_objects)
    for table in (custom_objects or {}, _CUSTOM):
        for key in (config.get("registered_name"), config.get("config")):
            if key in table:
                return table[key]
    raise ValueError(
        f"MultiOptimizer: unknown optimizer-map function {config.get('config')!r}. Register it "
        "with @deepnum.saving.register_keras_serializable() or pass it in `custom_objects`."
    )
