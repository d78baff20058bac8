"""The estimator conventions shared by ``deepnum.cluster`` and ``deepnum.decomposition``.

scikit-learn's contract, kept small: ``__init__`` only stores its arguments (so
``get_params`` can read them back by name), ``fit`` returns ``self``, and everything
learned from data ends in an underscore (``cluster_centers_``), so "is it fitted?"
is a question about attributes, not about a flag.
"""

from __future__ import annotations

import inspect
from typing import Any


class NotFittedError(ValueError, AttributeError):
    """Raised when a method that needs learned state runs before ``fit``.

    It subclasses both ``ValueError`` and ``AttributeError`` like scikit-learn's, so code
    written against either library catches it.
    """


class ConvergenceWarning(UserWarning):
    """Warned when an iterative estimator stops in a degenerate state (e.g. fewer distinct
    clusters than asked for)."""


class BaseEstimator:
    """Parameter introspection (``get_params``/``set_params``) and a readable ``repr``.

    Subclasses list every hyperparameter as a keyword argument of ``__init__`` and store it
    unchanged under the same name; validation happens in ``fit``.
    """

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [
            name
            for name, p in signature.parameters.items()
            if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor arguments as a dict (``deep`` is accepted for sklearn
        compatibility; these estimators hold no nested estimators)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BaseEstimator:
        """Set constructor arguments by name and return ``self``.

        Raises:
            ValueError: for a name that is not a parameter of this estimator.
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {sorted(valid)!r}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            name: p.default for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = []
        for name, value in self.get_params().items():
            default = defaults.get(name, inspect.Parameter.empty)
            if isinstance(value, str) or value is None or isinstance(value, (int, float, bool)):
                if type(value) is type(default) and value == default:
                    continue
            changed.append(f"{name}={_short_repr(value)}")
        return f"{type(self).__name__}({', '.join(changed)})"


def _short_repr(value: Any) -> str:
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"<array of shape {tuple(value.shape)}>"
    return repr(value)


def check_is_fitted(estimator: BaseEstimator, attribute: str) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has the learned ``attribute``.

    Args:
        estimator: the estimator whose method is being called.
        attribute: a learned attribute (ending in ``_``) that ``fit`` sets.
    """
    if not hasattr(estimator, attribute):
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
            "appropriate arguments before using this estimator."
        )
