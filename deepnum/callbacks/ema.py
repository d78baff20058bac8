"""SwapEMAWeights: evaluate (and checkpoint) with the optimizer's moving-average weights."""

from __future__ import annotations

from typing import Any

from deepnum.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Swap the model's weights with the optimizer's exponential moving averages (EMA) around
    evaluation — Keras 3's ``SwapEMAWeights``.

    Use it with an optimizer created with ``use_ema=True``. Before ``evaluate`` (and
    ``predict``) the weights and their averages trade places in place; afterwards they trade
    back. With ``swap_on_epoch=True`` the swap also happens at the end of every epoch and is
    undone at the start of the next, so callbacks after it (e.g. ``ModelCheckpoint``) see the
    averaged weights; after the last epoch the model keeps them (the averages are set to the
    same values). Inside a ``LossScaleOptimizer`` or ``MultiOptimizer`` every inner optimizer
    with ``use_ema`` takes part.

    Keras 3.15's ``on_predict_end`` tests the wrong flag and leaves the averages in the model
    after ``predict``; deepnum swaps back, as after ``evaluate``.

    Args:
        swap_on_epoch: also swap at the end of each epoch (see above).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> model = dn.Sequential([dn.Input((2,)), dn.layers.Dense(1)])
        >>> model.compile(optimizer=dn.optimizers.SGD(0.1, use_ema=True), loss="mse")
        >>> x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
        >>> _ = model.fit(x, y, epochs=2, verbose=0)
        >>> before = model.get_weights()
        >>> _ = model.evaluate(x, y, verbose=0, callbacks=[SwapEMAWeights()])
        >>> all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
        True
    """

    def __init__(self, swap_on_epoch: bool = False) -> None:
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _ema_optimizers(self) -> list[Any]:
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if not hasattr(optimizer, "optimizers"):
            if not hasattr(optimizer, "_model_variables_moving_average"):
                raise ValueError(
                    "SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. "
                    f"Received: use_ema={getattr(optimizer, 'use_ema', None)}"
                )
            return [optimizer]
        chosen = [o for o in optimizer.optimizers if getattr(o, "use_ema", False)]
        if not chosen:
            raise ValueError(
                "SwapEMAWeights must be used when at least one inner optimizer has "
                "`use_ema=True` set. Received a MultiOptimizer with all inner optimizers having "
                "`use_ema=False`."
            )
        for o in chosen:
            if not hasattr(o, "_model_variables_moving_average"):
                raise ValueError(
                    "SwapEMAWeights must be used when `use_ema=True` is set on the optimizer, "
                    f"and after it is built. Optimizer {o.name!r} has no moving averages yet."
                )
        return chosen

    def _swap_variables(self) -> None:
        for optimizer in self._ema_optimizers():
            pairs = zip(optimizer._trainable_variables, optimizer._model_variables_moving_average)
            for variable, average in pairs:
                held = variable.numpy().copy()
                variable.assign(average)
                average.assign(held)

    def _finalize_ema_values(self) -> None:
        for optimizer in self._ema_optimizers():
            pairs = zip(optimizer._trainable_variables, optimizer._model_variables_moving_average)
            for variable, average in pairs:
                average.assign(variable)

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True
            if epoch == self.params["epochs"] - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        self._swap_in()

    def on_test_end(self, logs=None):
        self._swap_out()

    def on_predict_begin(self, logs=None):
        self._swap_in()

    def on_predict_end(self, logs=None):
        self._swap_out()

    def _swap_in(self) -> None:
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def _swap_out(self) -> None:
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False
