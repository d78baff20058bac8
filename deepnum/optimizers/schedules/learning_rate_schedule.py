"""Learning-rate schedules: the learning rate as a function of the optimizer step.

Each schedule is a small callable object, ``lr = schedule(step)``, with Keras 3's names,
arguments, defaults and formulas. Values are computed in ``floatx`` (float32 by default),
like Keras, so ``deepnum`` and Keras agree to the last bits. ``step`` may be a Python number,
a NumPy scalar, a deepnum Tensor/Variable (e.g. ``optimizer.iterations``) or a 1-D array of
steps, handy for plotting a schedule::

    steps = np.arange(1000)
    plt.plot(steps, schedule(steps))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deepnum.backend import floatx, to_numpy


class LearningRateSchedule:
    """Base class of learning-rate schedules (Keras's ``LearningRateSchedule``).

    Subclasses implement ``__call__(step)`` and ``get_config()``; ``from_config(config)`` then
    round-trips. A schedule passed as ``learning_rate`` to an optimizer is evaluated at
    ``optimizer.iterations`` (the number of updates applied so far) before every update.

    Example:
        >>> class Halving(LearningRateSchedule):
        ...     def __init__(self, initial_learning_rate):
        ...         self.initial_learning_rate = initial_learning_rate
        ...     def __call__(self, step):
        ...         return self.initial_learning_rate / 2 ** (int(step) // 10)
        ...     def get_config(self):
        ...         return {"initial_learning_rate": self.initial_learning_rate}
        >>> Halving(0.1)(25)
        0.025
    """

    def __call__(self, step: Any) -> Any:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
            "in order to be serializable."
        )

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        """Instantiate a schedule from the output of ``get_config()``."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


# --------------------------------------------------------------------------- helpers
def _dtype_of(initial_learning_rate: Any) -> np.dtype:
    """Keras computes a schedule in the dtype of ``convert_to_tensor(initial_learning_rate)``."""
    if isinstance(initial_learning_rate, (np.ndarray, np.generic)):
        return initial_learning_rate.dtype
    return np.dtype(floatx())


def _step_array(step: Any, dtype: np.dtype) -> np.ndarray:
    """The step as an array of ``dtype`` (a Tensor/Variable, number or array of steps)."""
    step = getattr(step, "data", step)
    return np.asarray(to_numpy(step), dtype=dtype)


def _result(value: np.ndarray) -> Any:
    """A NumPy scalar for a scalar step, an array for an array of steps."""
    return value[()] if value.ndim == 0 else value


def _check_positive(schedule: str, name: str, value: Any) -> None:
    if value <= 0:
        raise ValueError(f"{schedule}: argument `{name}` must be > 0. Received: {name}={value}")


# --------------------------------------------------------------------------- schedules
class ExponentialDecay(LearningRateSchedule):
    """Exponential decay: ``lr(step) = initial_learning_rate · decay_rate^(step / decay_steps)``.

    With ``staircase=True`` the exponent is ``floor(step / decay_steps)``, so the rate drops in
    discrete steps (e.g. "×0.96 every 100000 updates").

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: number of steps over which the rate is multiplied by ``decay_rate``; > 0.
        decay_rate: the decay factor.
        staircase: decay at discrete intervals instead of continuously.
        name: the schedule's name.

    Returns:
        A callable ``schedule(step)`` giving the decayed learning rate (float32 scalar).

    Example:
        >>> s = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
        >>> round(float(s(20)), 6)
        0.025
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ) -> None:
        _check_positive("ExponentialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step: Any) -> Any:
        dtype = _dtype_of(self.initial_learning_rate)
        p = _step_array(step, dtype) / dtype.type(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        lr0 = dtype.type(self.initial_learning_rate)
        return _result(lr0 * np.power(dtype.type(self.decay_rate), p))

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """A piecewise-constant learning rate.

    ``lr(step) = values[0]`` for ``step <= boundaries[0]``, ``values[i]`` for
    ``boundaries[i-1] < step <= boundaries[i]``, and ``values[-1]`` for
    ``step > boundaries[-1]``.

    Args:
        boundaries: strictly increasing step boundaries.
        values: one more value than ``boundaries``.
        name: the schedule's name.

    Returns:
        A callable ``schedule(step)``.

    Example:
        >>> s = PiecewiseConstantDecay([100, 110], [1.0, 0.5, 0.1])
        >>> [float(s(t)) for t in (100, 101, 111)]
        [1.0, 0.5, 0.10000000149011612]
    """

    def __init__(
        self, boundaries: list[Any], values: list[Any], name: str = "PiecewiseConstant"
    ) -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: the length of `boundaries` should be 1 less than the "
                f"length of `values`. Received: boundaries={boundaries} of length "
                f"{len(boundaries)}, and values={values} of length {len(values)}."
            )
        if any(b1 >= b2 for b1, b2 in zip(boundaries[:-1], boundaries[1:])):
            raise ValueError(
                "PiecewiseConstantDecay: `boundaries` must be strictly increasing. "
                f"Received: boundaries={boundaries}"
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step: Any) -> Any:
        dtype = _dtype_of(self.values[0])
        step = np.asarray(to_numpy(getattr(step, "data", step)))
        # The index of the interval holding `step`: number of boundaries strictly below it.
        index = np.searchsorted(np.asarray(self.boundaries), step, side="left")
        return _result(np.asarray(self.values, dtype=dtype)[index])

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from ``initial_learning_rate`` to ``end_learning_rate``.

    ``lr(step) = (lr0 − end) · (1 − min(step, decay_steps) / decay_steps)^power + end``.
    With ``cycle=True`` the horizon restarts: ``decay_steps`` is replaced by the first multiple
    of ``decay_steps`` that is ≥ ``step`` (``decay_steps`` itself at step 0).

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: number of steps to decay over; > 0.
        end_learning_rate: the final learning rate (default 1e-4).
        power: the power of the polynomial (1.0: linear decay).
        cycle: restart the decay beyond ``decay_steps``.
        name: the schedule's name.

    Returns:
        A callable ``schedule(step)``.

    Example:
        >>> s = PolynomialDecay(0.1, decay_steps=100, end_learning_rate=0.0)
        >>> round(float(s(50)), 6)
        0.05
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ) -> None:
        _check_positive("PolynomialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step: Any) -> Any:
        dtype = _dtype_of(self.initial_learning_rate)
        lr0 = dtype.type(self.initial_learning_rate)
        end = dtype.type(self.end_learning_rate)
        step = _step_array(step, dtype)
        decay_steps = np.asarray(self.decay_steps, dtype=dtype)
        if self.cycle:
            multiplier = np.where(step == 0, dtype.type(1), np.ceil(step / decay_steps))
            decay_steps = decay_steps * multiplier
        else:
            step = np.minimum(step, decay_steps)
        p = step / decay_steps
        return _result((lr0 - end) * np.power(1 - p, dtype.type(self.power)) + end)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(LearningRateSchedule):
    """Inverse-time decay: the "learning-rate decay" of the course notes.

    ``lr(step) = initial_learning_rate / (1 + decay_rate · step / decay_steps)``, or with
    ``staircase=True`` ``initial_learning_rate / (1 + decay_rate · floor(step / decay_steps))``.

    This is the classic α = α₀ / (1 + decay_rate · epoch_num) of lecture notes on
    optimization. The schedule counts optimizer steps (mini-batches), not epochs: to decay
    once per epoch, pass ``decay_steps=steps_per_epoch`` and ``staircase=True``.

    Args:
        initial_learning_rate: α₀, the learning rate at step 0.
        decay_steps: how many steps make one unit of t (e.g. the steps of one epoch); > 0.
        decay_rate: the decay rate.
        staircase: decay at discrete intervals instead of continuously.
        name: the schedule's name.

    Returns:
        A callable ``schedule(step)``.

    Example:
        >>> s = InverseTimeDecay(0.2, decay_steps=1, decay_rate=1.0)   # α₀ / (1 + t)
        >>> round(float(s(3)), 6)
        0.05
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        _check_positive("InverseTimeDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step: Any) -> Any:
        dtype = _dtype_of(self.initial_learning_rate)
        p = _step_array(step, dtype) / dtype.type(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        denominator = dtype.type(1) + dtype.type(self.decay_rate) * p
        return _result(dtype.type(self.initial_learning_rate) / denominator)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


def _cosine(fraction: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``0.5 · (1 + cos(π · fraction))``: 1 at fraction 0, 0 at fraction 1."""
    return dtype.type(0.5) * (dtype.type(1) + np.cos(dtype.type(math.pi) * fraction))


class CosineDecay(LearningRateSchedule):
    """Cosine decay (SGDR without restarts), with an optional linear warmup.

    Without warmup (``warmup_target=None``), for ``t = min(step, decay_steps)``::

        lr(t) = lr0 · ((1 − alpha) · 0.5 · (1 + cos(π t / decay_steps)) + alpha)

    With warmup, the rate first rises linearly from ``initial_learning_rate`` to
    ``warmup_target`` over ``warmup_steps``, then decays as above from ``warmup_target``
    to ``warmup_target · alpha`` over ``decay_steps``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: number of steps to decay over; > 0.
        alpha: the final learning rate as a fraction of the decay's starting rate.
        name: the schedule's name.
        warmup_target: the learning rate reached at the end of the warmup, or ``None``.
        warmup_steps: number of warmup steps.

    Returns:
        A callable ``schedule(step)``.

    Example:
        >>> s = CosineDecay(0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10)
        >>> [round(float(s(t)), 6) for t in (5, 10, 60, 110)]
        [0.05, 0.1, 0.05, 0.0]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ) -> None:
        _check_positive("CosineDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def _decay(self, step: np.ndarray, start_lr: Any, dtype: np.dtype) -> np.ndarray:
        fraction = step / dtype.type(self.decay_steps)
        alpha = dtype.type(self.alpha)
        return start_lr * ((dtype.type(1) - alpha) * _cosine(fraction, dtype) + alpha)

    def __call__(self, step: Any) -> Any:
        dtype = _dtype_of(self.initial_learning_rate)
        lr0 = dtype.type(self.initial_learning_rate)
        decay_steps = dtype.type(self.decay_steps)
        step = _step_array(step, dtype)
        if self.warmup_target is None:
            return _result(self._decay(np.minimum(step, decay_steps), lr0, dtype))
        target = dtype.type(self.warmup_target)
        warmup_steps = dtype.type(self.warmup_steps)
        step = np.minimum(step, decay_steps + warmup_steps)
        with np.errstate(divide="ignore", invalid="ignore"):  # warmup_steps = 0: never selected
            warmup = (target - lr0) * (step / warmup_steps) + lr0
        decay = self._decay(step - warmup_steps, target, dtype)
        return _result(np.where(step < warmup_steps, warmup, decay).astype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2016).

    The multiplier decays from 1 to ``alpha`` over ``first_decay_steps`` steps, then restarts;
    period i lasts ``first_decay_steps · t_mul^i`` steps and starts at ``m_mul^i · lr0``.
    Within a period, at fraction f of it: ``lr = lr0 · ((1 − alpha) · m_mul^i ·
    0.5 · (1 + cos(π f)) + alpha)``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        first_decay_steps: length of the first period; > 0.
        t_mul: factor by which each period is longer than the previous one.
        m_mul: factor by which each restart's rate is smaller than the previous one.
        alpha: the minimum learning rate as a fraction of ``initial_learning_rate``.
        name: the schedule's name.

    Returns:
        A callable ``schedule(step)``.

    Example:
        >>> s = CosineDecayRestarts(0.1, first_decay_steps=10)
        >>> [round(float(s(t)), 6) for t in (0, 5, 10, 20)]
        [0.1, 0.05, 0.1, 0.05]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        first_decay_steps: int,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
        name: str = "SGDRDecay",
    ) -> None:
        _check_positive("CosineDecayRestarts", "first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step: Any) -> Any:
        dtype = _dtype_of(self.initial_learning_rate)
        one = dtype.type(1)
        t_mul = dtype.type(self._t_mul)
        fraction = _step_array(step, dtype) / dtype.type(self.first_decay_steps)
        if t_mul == 1:
            restart = np.floor(fraction)
            fraction = fraction - restart
        else:  # periods grow geometrically: find the period, then the fraction inside it
            restart = np.floor(np.log(one - fraction * (one - t_mul)) / np.log(t_mul))
            elapsed = (one - np.power(t_mul, restart)) / (one - t_mul)
            fraction = (fraction - elapsed) / np.power(t_mul, restart)
        m_factor = np.power(dtype.type(self._m_mul), restart)
        cosine = dtype.type(0.5) * m_factor * (one + np.cos(dtype.type(math.pi) * fraction))
        alpha = dtype.type(self.alpha)
        decayed = (one - alpha) * cosine + alpha
        return _result(dtype.type(self.initial_learning_rate) * decayed)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }
