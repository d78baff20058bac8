"""Callback: hooks into training, and CallbackList that calls them in order."""

from __future__ import annotations

from typing import Any

import numpy as np


class Callback:
    """Base class of callbacks (Keras's ``keras.callbacks.Callback``).

    Override any of ``on_train_begin/end``, ``on_epoch_begin/end``, ``on_{train,test,predict}
    _batch_begin/end`` and ``on_{test,predict}_begin/end``; ``self.model`` is the model being
    trained and ``self.params`` holds ``epochs``, ``steps`` and ``verbose``.
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)  # Keras 2's name, still called by Keras 3

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


class CallbackList(Callback):
    """Calls every callback's hook in order (Keras's ``keras.callbacks.CallbackList``).

    Args:
        callbacks: the callbacks (nested lists are flattened).
        add_history: append a :class:`History` unless one is in ``callbacks``.
        add_progbar: append a ``ProgbarLogger`` unless one is in ``callbacks``.
        model: the model, given to every callback (and ``model.history`` is set to the
            History).
        **params: given to every callback as ``callback.params`` (``epochs``, ``steps``,
            ``verbose``).

    Example:
        >>> cbs = CallbackList([History()], add_progbar=True, epochs=1, steps=2, verbose=0)
        >>> [type(c).__name__ for c in cbs.callbacks], cbs.callbacks[0].params["steps"]
        (['History', 'ProgbarLogger'], 2)
    """

    def __init__(
        self,
        callbacks: list[Callback] | None = None,
        add_history: bool = False,
        add_progbar: bool = False,
        model: Any = None,
        **params: Any,
    ) -> None:
        super().__init__()
        self.callbacks = _flatten(callbacks) if callbacks else []
        self._add_default_callbacks(add_history, add_progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def _add_default_callbacks(self, add_history: bool, add_progbar: bool) -> None:
        from deepnum.callbacks.progbar import ProgbarLogger

        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def append(self, callback: Callback) -> None:
        self.callbacks.append(callback)

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        if self._history is not None and model is not None:
            model.history = self._history
        for c in self.callbacks:
            c.set_model(model)

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        for c in self.callbacks:
            c.set_params(params)

    def _call(self, hook: str, *args: Any) -> None:
        """Call ``hook`` on every callback; ``logs`` (the last argument) becomes a plain dict
        as in Keras: ``{}`` when None, keys sorted, nested dicts merged, scalars as floats."""
        *head, logs = args
        logs = pythonify_logs(logs)
        for c in self.callbacks:
            getattr(c, hook)(*head, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs)

    def on_batch_begin(self, batch, logs=None):
        self._call("on_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self._call("on_batch_end", batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs)


class History(Callback):
    """Records the logs of every epoch: ``history.history["loss"]`` is the loss per epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self


def pythonify_logs(logs: dict | None) -> dict:
    """Keras's form of the logs given to callbacks: a new dict (``{}`` for None) with sorted
    keys, nested dicts merged in, and values converted to ``float`` where possible.

    Example:
        >>> import numpy as np
        >>> pythonify_logs({"loss": np.float32(0.5), "accuracy": 1})
        {'accuracy': 1.0, 'loss': 0.5}
    """
    out: dict = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            out.update(pythonify_logs(value))
            continue
        scalar = value.numpy() if hasattr(value, "numpy") else value
        # batch outputs (predict's "outputs") stay arrays
        if isinstance(scalar, (int, float, np.number)) or getattr(scalar, "ndim", None) == 0:
            try:
                value = float(scalar)
            except (TypeError, ValueError):
                pass
        out[key] = value
    return out


def _flatten(callbacks: Any) -> list[Callback]:
    """Callbacks from a (possibly nested) list or tuple, in order."""
    if not isinstance(callbacks, (list, tuple)):
        return [callbacks]
    return [c for item in callbacks for c in _flatten(item)]
