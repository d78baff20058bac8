"""``keras.optimizers.legacy``: the Keras 2 optimizers, which Keras 3 no longer has.

Keras 3 keeps these names only so that old imports succeed; creating one raises an
ImportError that explains what to use instead. deepnum does the same.

Example:
    >>> from deepnum.optimizers import legacy
    >>> try:
    ...     legacy.Adam(learning_rate=0.01)
    ... except ImportError as e:
    ...     print(str(e)[:50])
    `keras.optimizers.legacy` is not supported in Kera
"""

from __future__ import annotations

from typing import Any


class LegacyOptimizerWarning:
    """Stands for every ``keras.optimizers.legacy`` class; creating one raises ImportError."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise ImportError(
            "`keras.optimizers.legacy` is not supported in Keras 3 (nor in deepnum). Use the "
            "optimizer of the same name in `deepnum.optimizers` (e.g. "
            "`deepnum.optimizers.Adam`); its arguments are Keras 3's."
        )


Adagrad = Adam = Ftrl = Optimizer = RMSprop = SGD = LegacyOptimizerWarning

__all__ = ["SGD", "Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop"]
