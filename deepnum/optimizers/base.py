"""The Optimizer base class: slots, the apply loop, clipping, weight decay, EMA, accumulation.

A concrete optimizer (see ``sgd.py``, ``adam.py``, ...) does two things, as in Keras 3:
``build(var_list)`` creates its slot variables with :meth:`Optimizer.add_optimizer_variables`,
and ``update_step(gradient, variable, learning_rate)`` updates one variable and its slots in
place with ``xp`` ufuncs (``out=``). Everything else — gradient filtering, clipping, weight
decay, gradient accumulation, the EMA of the weights, the iteration counter — lives here and
follows Keras's order of operations, so deepnum and Keras produce the same numbers.

Flat buffers: slots of variables that share one float dtype and device are views into one
contiguous buffer per slot kind. With ``optimizer.flat_parameters = True`` (before the first
update) the trainable variables are moved into one flat buffer too, and each step gathers the
gradients into a flat gradient buffer and runs ``update_step`` once over everything.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.autodiff.variable import Variable
from deepnum.backend import get_array_module, to_numpy
from deepnum.layers.context import snake_case, unique_name
from deepnum.optimizers import clipping
from deepnum.optimizers.flat import FlatLayout, FlatParameters
from deepnum.optimizers.schedules import LearningRateSchedule
from deepnum.optimizers.schedules import deserialize as deserialize_schedule
from deepnum.optimizers.schedules import serialize as serialize_schedule
from deepnum.optimizers.state import OptimizerState


def check_number(
    owner: str,
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Raise a ValueError naming ``owner``, the argument, the allowed range and the value."""
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        lo = "-inf" if low is None else f"{'(' if low_open else '['}{low}"
        hi = "inf" if high is None else f"{high}{')' if high_open else ']'}"
        raise ValueError(
            f"{owner}: argument `{name}` must be a number in {lo}, {hi}. Received: {name}={value!r}"
        )


class Optimizer(OptimizerState):
    """Base class of deepnum's optimizers (Keras 3's ``keras.optimizers.Optimizer``).

    Each :meth:`apply` does, in Keras's order: drop ``None`` gradients (with a warning);
    divide by ``loss_scale_factor``; with gradient accumulation, add to the accumulators and
    stop unless this call completes a group; clip; apply weight decay; ``update_step`` for
    every variable; update the EMA of the weights; apply variable constraints;
    ``iterations += 1``.

    Args:
        learning_rate: a float ≥ 0, a :class:`LearningRateSchedule` (evaluated at
            ``iterations`` before each update) or a zero-argument callable.
        weight_decay: if set, decoupled weight decay ``w ← w · (1 − weight_decay · lr)``
            before each update.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together to this global L2 norm.
        use_ema: keep an exponential moving average of the weights,
            ``avg ← m · avg + (1 − m) · w`` after each update (``avg = w`` at the first).
        ema_momentum: ``m`` above, in [0, 1].
        ema_overwrite_frequency: every this many iterations, copy the averages into the
            weights; ``None``: only :meth:`finalize_variable_values` does.
        loss_scale_factor: gradients are divided by it (for a loss scaled by :meth:`scale_loss`).
        gradient_accumulation_steps: ≥ 2: update only every this many calls, with the mean of
            the accumulated gradients; ``iterations`` then counts updates, while a learning-rate
            schedule sees the number of calls.
        name: the optimizer's name (default: snake-case class name, made unique).

    Example:
        >>> import deepnum as dn
        >>> w = dn.Variable([1.0, 2.0], name="w")
        >>> opt = dn.optimizers.SGD(learning_rate=0.5)
        >>> iterations = opt.apply_gradients([(dn.tensor([1.0, -1.0]), w)])
        >>> w.numpy().tolist(), int(iterations)
        ([0.5, 2.5], 1)
    """

    #: Move the trainable variables into one flat buffer at ``build`` (see module docstring).
    #: Code that caches a variable's ``.data`` array across ``build`` would then see stale
    #: values, which is why it is off by default; set it on the class or an instance.
    flat_parameters: bool = False
    #: True for optimizers whose update of a variable depends on the whole variable (its norm,
    #: its shape: Lamb, Adafactor, Muon); they never run ``update_step`` on the flat buffer.
    _per_variable_update: bool = False

    def __init__(
        self,
        learning_rate: Any,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        owner = type(self).__name__
        if kwargs.pop("decay", None) is not None:
            warnings.warn(
                "Argument `decay` is no longer supported and will be ignored.", stacklevel=2
            )
        if kwargs:
            raise ValueError(f"{owner}: argument(s) not recognized: {kwargs}")
        for arg, value in (
            ("weight_decay", weight_decay),
            ("clipnorm", clipnorm),
            ("clipvalue", clipvalue),
            ("global_clipnorm", global_clipnorm),
            ("loss_scale_factor", loss_scale_factor),
        ):
            if value is not None:
                check_number(owner, arg, value, 0)
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                f"{owner}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        if gradient_accumulation_steps is not None and (
            not isinstance(gradient_accumulation_steps, int) or gradient_accumulation_steps < 2
        ):
            raise ValueError(
                f"{owner}: `gradient_accumulation_steps` must be an integer >= 2. "
                f"Received: gradient_accumulation_steps={gradient_accumulation_steps!r}"
            )
        if use_ema:
            check_number(owner, "ema_momentum", ema_momentum, 0, 1)
            if ema_overwrite_frequency is not None and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    f"{owner}: `ema_overwrite_frequency` must be an integer >= 1 or None. "
                    f"Received: ema_overwrite_frequency={ema_overwrite_frequency!r}"
                )
        # Keras's automatic names (adam, adam_1, ...), reset by clear_session like layer names.
        self.name = name or unique_name(snake_case(owner))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        super().__init__()
        self.built = False
        self._trainable_variables_indices: dict[int, int] = {}
        self._iterations = self.add_variable((), initializer=0, dtype="int64", name="iteration")
        self._learning_rate: Any = None
        self._set_learning_rate(learning_rate)

    # ------------------------------------------------------------------ learning rate, step
    @property
    def iterations(self) -> Variable | Tensor:
        """The number of updates applied so far (a Variable; ``int(opt.iterations)``)."""
        if self.gradient_accumulation_steps:
            return Tensor(self._iterations.data // self.gradient_accumulation_steps)
        return self._iterations

    def _step_count(self) -> int:
        """``int(self.iterations)``: the update count that bias corrections and EMA use."""
        count = int(self._iterations.data)
        steps = self.gradient_accumulation_steps
        return count // steps if steps else count

    @property
    def learning_rate(self) -> Any:
        """The current learning rate: a float32 Variable, or the schedule at ``iterations``."""
        return self._get_current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate: Any) -> None:
        self._set_learning_rate(learning_rate)

    def _get_current_learning_rate(self) -> Any:
        if isinstance(self._learning_rate, LearningRateSchedule):
            return self._learning_rate(self._iterations)
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate
        return self._learning_rate()

    def _set_learning_rate(self, learning_rate: Any) -> None:
        # Wrappers (LossScaleOptimizer, MultiOptimizer) override the public property; the
        # constructor still creates this optimizer's own `learning_rate` variable, as Keras.
        owner = type(self).__name__
        if isinstance(learning_rate, LearningRateSchedule) or (
            callable(learning_rate) and not isinstance(learning_rate, Tensor)
        ):
            if isinstance(self._learning_rate, Variable):
                self._variables.remove(self._learning_rate)
            self._learning_rate = learning_rate
            return
        if isinstance(self._learning_rate, LearningRateSchedule):
            raise TypeError(
                f"{owner} was created with a LearningRateSchedule as its `learning_rate`, so its "
                "learning rate cannot be set to a number; create the optimizer with a float "
                "`learning_rate` instead."
            )
        value = float(learning_rate) if isinstance(learning_rate, Tensor) else learning_rate
        check_number(owner, "learning_rate", value, 0)
        if isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(value)
            return
        self._learning_rate = self.add_variable((), initializer=value, name="learning_rate")
        # Keras's order: iteration, learning_rate, then the slots.
        self._variables.insert(1, self._variables.pop())

    def _current_learning_rate(self) -> float:
        learning_rate = self._get_current_learning_rate()
        return float(to_numpy(getattr(learning_rate, "data", learning_rate)))

    def build(self, var_list: Sequence[Variable]) -> None:
        """Create the optimizer state for ``var_list`` (subclasses add their slots after).

        Args:
            var_list: the trainable variables this optimizer will update.
        """
        var_list = list(var_list)
        self._trainable_variables = var_list
        self._trainable_variables_indices = {id(v): i for i, v in enumerate(var_list)}
        self._layout = FlatLayout(var_list) if FlatLayout.fits(var_list) else None
        flat_ok = self.flat_parameters and not self._per_variable_update
        if flat_ok and self._layout and FlatParameters.can_adopt(var_list):
            self._flat = FlatParameters(self._layout, var_list)
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(var_list, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(
                var_list, "gradient_accumulator"
            )
        self.built = True

    def _get_variable_index(self, variable: Variable) -> int:
        return self._trainable_variables_indices[id(variable)]

    @property
    def gradient_views(self) -> list[Any] | None:
        """With ``flat_parameters``: per-variable views of the flat gradient buffer.

        A backward pass that writes the gradients straight into these arrays (and passes them
        to :meth:`apply`) saves the gather copy. ``None`` when the flat path is off.
        """
        return None if self._flat is None else self._flat.grad_views

    # ------------------------------------------------------------------ applying gradients
    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Variable]]) -> Variable:
        """Apply ``(gradient, variable)`` pairs; returns ``iterations`` (as tf.keras does)."""
        grads, variables = zip(*grads_and_vars)
        self.apply(list(grads), list(variables))
        return self._iterations

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Variable] | None = None):
        """Update the variables from their gradients (builds the optimizer on first use).

        Args:
            grads: one gradient per variable (Tensor, array or ``None`` for "no gradient").
            trainable_variables: the variables; may be omitted once built (then ``grads``
                must match the variables of ``build`` one to one).
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"{self.name}: when passing `grads` without variables, the optimizer must "
                    "already be built; call `optimizer.build(trainable_variables)` first."
                )
            if len(grads) != len(self._trainable_variables):
                raise ValueError(
                    f"{self.name}: received {len(grads)} gradients, but the optimizer tracks "
                    f"{len(self._trainable_variables)} trainable variables."
                )
            variables = list(self._trainable_variables)
        else:
            variables = list(trainable_variables)
            if not self.built:
                self.build(variables)
            self._check_variables_are_known(variables)
        grads, variables = self._filter_empty_gradients(grads, variables)
        grads = [self._as_gradient(g, v) for g, v in zip(grads, variables)]
        flat = self._gather_flat(grads, variables)
        if flat is not None:
            grads, variables = flat.grad_views, list(self._trainable_variables)
        if self.loss_scale_factor is not None:
            scale = self.loss_scale_factor
            grads = [_divide(g, scale, inplace=flat is not None) for g in grads]
        self._backend_apply_gradients(grads, variables, flat)
        for variable in variables:
            constraint = getattr(variable, "constraint", None)
            if constraint is not None:
                variable.assign(constraint(variable))
        self._iterations.data += 1

    def _as_gradient(self, grad: Any, variable: Variable) -> Any:
        grad = grad.data if isinstance(grad, Tensor) else grad
        grad = get_array_module(variable.data).asarray(grad).astype(variable.dtype, copy=False)
        if grad.shape != variable.shape:
            raise ValueError(
                f"{self.name}: the gradient for variable {variable.path!r} has shape "
                f"{shape_str(grad.shape)}, but the variable has shape {shape_str(variable.shape)}."
            )
        return grad

    def _gather_flat(self, grads: list[Any], variables: list[Variable]) -> FlatParameters | None:
        """The flat state with the gradients gathered, when every variable has a gradient."""
        flat = self._flat
        if flat is None or len(variables) != len(self._trainable_variables):
            return None
        ordered: list[Any] = [None] * len(variables)
        for grad, variable in zip(grads, variables):
            ordered[self._get_variable_index(variable)] = grad
        if any(g is None for g in ordered):
            return None
        if not flat.holds(self._trainable_variables):
            # Some variable's storage was replaced: its updates must go to the new array.
            self._flat = None
            return None
        flat.gather(ordered)
        return flat

    def _backend_apply_gradients(
        self, grads: list[Any], variables: list[Variable], flat: FlatParameters | None
    ) -> None:
        """Accumulation, clipping, weight decay, the update and the EMA, in Keras's order."""
        steps = self.gradient_accumulation_steps
        units = [flat.variable] if flat is not None else variables
        if steps:
            accumulators = [self.slot("gradient_accumulator", u) for u in units]
            unit_grads = [flat.grad] if flat is not None else grads
            if (int(self._iterations.data) + 1) % steps == 0:
                if flat is not None:
                    flat.grad += accumulators[0]
                    flat.grad /= steps
                else:
                    grads = [(g + a) / steps for g, a in zip(grads, accumulators)]
                self._clip_decay_update(grads, variables, flat)
                for accumulator in accumulators:
                    accumulator[...] = 0
            else:
                for accumulator, grad in zip(accumulators, unit_grads):
                    accumulator += grad
        else:
            self._clip_decay_update(grads, variables, flat)

        if self.use_ema:
            units = [flat.variable] if flat is not None else self._trainable_variables
            self._update_model_variables_moving_average(units)
            frequency = self.ema_overwrite_frequency
            if frequency and (self._step_count() + 1) % frequency == 0:
                for unit in units:
                    unit.data[...] = self.slot("average", unit)

    def _clip_decay_update(
        self, grads: list[Any], variables: list[Variable], flat: FlatParameters | None
    ) -> None:
        grads = self._clip_gradients(grads, inplace=flat is not None)
        self._apply_weight_decay(variables, flat)
        learning_rate = self._current_learning_rate()
        if flat is not None:
            self._backend_update_step([flat.grad], [flat.variable], learning_rate)
        else:
            self._backend_update_step(grads, variables, learning_rate)

    def _backend_update_step(
        self, grads: list[Any], variables: list[Variable], learning_rate: float
    ) -> None:
        """Run :meth:`update_step` on each (gradient, variable); Nadam hooks in here."""
        for grad, variable in zip(grads, variables):
            self.update_step(grad, variable, learning_rate)

    def update_step(self, gradient: Any, variable: Variable, learning_rate: float) -> None:
        """Update ``variable`` (and its slots) in place; ``gradient`` must not be modified."""
        raise NotImplementedError(f"{type(self).__name__} must implement `update_step`.")

    def assign(self, variable: Variable, value: Any) -> None:
        """``variable ← value`` in place (Keras's hook for custom ``update_step`` code)."""
        variable.assign(value)

    def assign_add(self, variable: Variable, value: Any) -> None:
        """``variable ← variable + value`` in place."""
        variable.assign_add(value)

    def assign_sub(self, variable: Variable, value: Any) -> None:
        """``variable ← variable − value`` in place."""
        variable.assign_sub(value)

    def stateless_apply(
        self, optimizer_variables: Sequence[Any], grads: Sequence[Any], trainable_variables: Any
    ) -> tuple[list[Any], list[Any]]:
        """:meth:`apply` on given values, leaving this optimizer and the variables unchanged.

        Args:
            optimizer_variables: one array per entry of :attr:`variables`.
            grads: one gradient per variable the optimizer was built with.
            trainable_variables: one array per variable the optimizer was built with.

        Returns:
            ``(new trainable values, new optimizer values)``, as lists of arrays.
        """
        if not self.built:
            raise ValueError(
                f"{self.name}: stateless_apply() needs a built optimizer; call "
                "`optimizer.build(trainable_variables)` first."
            )
        own, model = self.variables, self._trainable_variables
        for given, expected, what in (
            (optimizer_variables, own, "`optimizer_variables` (one per optimizer.variables)"),
            (trainable_variables, model, "`trainable_variables` (one per built variable)"),
        ):
            if len(given) != len(expected):
                raise ValueError(
                    f"{self.name}: stateless_apply() expects {len(expected)} arrays in {what}; "
                    f"received {len(given)}."
                )
        saved = [v.numpy().copy() for v in own + model]
        try:
            for variable, value in zip(
                own + model, list(optimizer_variables) + list(trainable_variables)
            ):
                variable.assign(value)
            self.apply(grads)
            return [v.numpy().copy() for v in model], [v.numpy().copy() for v in own]
        finally:
            for variable, value in zip(own + model, saved):
                variable.assign(value)

    def _check_variables_are_known(self, variables: Sequence[Variable]) -> None:
        for v in variables:
            if id(v) not in self._trainable_variables_indices:
                raise ValueError(
                    f"{self.name}: unknown variable {getattr(v, 'path', v)!r}. This optimizer can "
                    "only update the variables it was built with; create a new optimizer for a "
                    "new set of variables."
                )

    def _filter_empty_gradients(
        self, grads: list[Any], variables: list[Variable]
    ) -> tuple[list[Any], list[Variable]]:
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not kept:
            raise ValueError(f"{self.name}: no gradients provided for any variable.")
        if len(kept) < len(grads):
            missing = [v.path for g, v in zip(grads, variables) if g is None]
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. "
                "If using `model.compile()`, did you forget to provide a `loss` argument?",
                stacklevel=3,
            )
        return [g for g, _ in kept], [v for _, v in kept]

    def _clip_gradients(self, grads: list[Any], inplace: bool) -> list[Any]:
        if self.clipnorm and self.clipnorm > 0:
            return clipping.clip_by_norm(grads, self.clipnorm, inplace)
        if self.global_clipnorm and self.global_clipnorm > 0:
            return clipping.clip_by_global_norm(grads, self.global_clipnorm, inplace)
        if self.clipvalue and self.clipvalue > 0:
            return clipping.clip_by_value(grads, self.clipvalue, inplace)
        return grads

    # ------------------------------------------------------------------ weight decay, EMA
    def exclude_from_weight_decay(
        self, var_list: Sequence[Variable] | None = None, var_names: Sequence[str] | None = None
    ) -> None:
        """Exclude variables (or those whose name contains one of ``var_names``) from decay.

        Must be called before the optimizer is built.
        """
        if self.built:
            raise ValueError(
                f"{self.name}: `exclude_from_weight_decay()` can only be configured before the "
                "optimizer is built."
            )
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, variable: Variable) -> bool:
        if id(variable) in getattr(self, "_exclude_ids", ()):
            return False
        pattern = getattr(self, "_exclude_pattern", None)
        return pattern is None or pattern.search(variable.name) is None

    def _apply_weight_decay(self, variables: list[Variable], flat: FlatParameters | None) -> None:
        """Decoupled weight decay, ``w ← w · (1 − weight_decay · lr)`` (Keras on torch)."""
        if self.weight_decay is None:
            return
        lr = self._current_learning_rate()
        decayed = [v for v in variables if self._use_weight_decay(v)]
        arrays = [flat.param] if flat is not None and len(decayed) == len(variables) else None
        for array in arrays or [v.data for v in decayed]:
            dt = array.dtype.type
            array *= dt(1) - dt(self.weight_decay) * dt(lr)

    def _update_model_variables_moving_average(self, units: list[Variable]) -> None:
        """``avg ← m · avg + (1 − m) · w``, with ``m = 0`` at the first update."""
        for unit in units:
            w, average = unit.data, self.slot("average", unit)
            dt = w.dtype.type
            momentum = dt(self.ema_momentum) if self._step_count() != 0 else dt(0)
            average *= momentum
            temp = get_array_module(w).multiply(w, dt(1) - momentum, out=self._temp(0, w))
            average += temp

    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        """With ``use_ema``: overwrite the variables with their moving averages."""
        if not self.use_ema:
            return
        averages = self._model_variables_moving_average
        if len(var_list) != len(averages):
            raise ValueError(
                f"{self.name}: {len(var_list)} variables to overwrite, but the optimizer stores "
                f"{len(averages)} moving averages; was it built on this model's variables?"
            )
        for variable, average in zip(var_list, averages):
            variable.assign(average)

    def scale_loss(self, loss: Any) -> Any:
        """Multiply the loss by ``loss_scale_factor`` (if set) before computing gradients."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments as a JSON-compatible dict (Keras's keys)."""
        if isinstance(self._learning_rate, LearningRateSchedule):
            learning_rate: Any = serialize_schedule(self._learning_rate)
        else:
            learning_rate = self._current_learning_rate()
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> Optimizer:
        """Create an optimizer (without state) from :meth:`get_config`'s output."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = deserialize_schedule(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"


def _divide(grad: Any, scale: float, inplace: bool) -> Any:
    return get_array_module(grad).divide(grad, scale, out=grad if inplace else None)
