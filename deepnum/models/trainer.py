"""Training and inference APIs of Model (compile, fit, evaluate, predict)."""

from __future__ import annotations

from typing import Any


class Trainer:
    """Placeholder mixin, completed by the training module."""

    def _init_trainer(self) -> None:
        self.optimizer = None
