"""ProgbarLogger: Keras's per-epoch progress bar, drawn with tqdm.

On a terminal the bar updates in place with step count, ETA and the running loss and metrics;
when output is piped (or ``verbose=2``, or after ``config.disable_interactive_logging()``) one
line is printed per epoch. In notebooks ``tqdm.auto`` picks the widget.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from deepnum import config
from deepnum.callbacks.callback import Callback


def _format_logs(logs: dict | None) -> str:
    return " - ".join(
        f"{k}: {v:.4f}" for k, v in (logs or {}).items() if isinstance(v, (int, float))
    )


class ProgbarLogger(Callback):
    """Print training progress (added by ``fit`` when ``verbose`` is 1 or 2).

    Takes no arguments, as Keras 3's ``ProgbarLogger`` (Keras 2's ``count_mode`` is gone); the
    verbosity, epochs and steps come from ``params``.
    """

    def __init__(self) -> None:
        super().__init__()
        self._bar: Any = None
        self._file = sys.stdout

    def _verbose(self) -> int:
        return int(self.params.get("verbose", 1))

    def _interactive(self) -> bool:
        if not config.is_interactive_logging_enabled():  # plain lines for log files
            return False
        return self._verbose() == 1 and getattr(self._file, "isatty", lambda: False)()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()
        epochs = self.params.get("epochs", 1)
        if self._verbose():
            print(f"Epoch {epoch + 1}/{epochs}", file=self._file, flush=True)
        if self._interactive():
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=self.params.get("steps") or None,
                file=self._file,
                unit="step",
                dynamic_ncols=True,
                leave=True,
            )

    def on_train_batch_end(self, batch, logs=None):
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(_format_logs(logs), refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        if self._bar is not None:
            self._bar.set_postfix_str(_format_logs(logs))
            self._bar.close()
            self._bar = None
        if self._verbose() and not self._interactive():
            steps = self.params.get("steps") or 0
            elapsed = time.perf_counter() - self._epoch_start
            per_step = f"{1000 * elapsed / steps:.0f}ms/step" if steps else ""
            print(
                f"{steps}/{steps} - {elapsed:.0f}s {per_step} - {_format_logs(logs)}",
                file=self._file,
                flush=True,
            )
