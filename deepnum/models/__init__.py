"""Models: the Functional graph, Sequential and subclassed models."""

from __future__ import annotations

from typing import Any

from deepnum.models.cloning import clone_model
from deepnum.models.functional import Input, InputLayer, KerasTensor
from deepnum.models.model import Model
from deepnum.models.sequential import Sequential


def load_model(
    filepath: Any, custom_objects: dict | None = None, compile: bool = True, safe_mode: bool = True
) -> Model:
    """Load a model saved by deepnum or Keras 3 (see ``deepnum.saving.load_model``)."""
    from deepnum.saving import load_model as _load_model

    return _load_model(
        filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode
    )


def save_model(
    model: Model, filepath: Any, overwrite: bool = True, zipped: bool | None = None, **kwargs: Any
) -> None:
    """Save a model in Keras 3's ``.keras`` format (see ``deepnum.saving.save_model``)."""
    from deepnum.saving import save_model as _save_model

    _save_model(model, filepath, overwrite=overwrite, zipped=zipped, **kwargs)


def model_from_json(json_string: str, custom_objects: dict | None = None) -> Model:
    """Rebuild a model from ``model.to_json()`` (deepnum's or Keras 3's); weights are new."""
    import json

    from deepnum.saving import deserialize_keras_object

    return deserialize_keras_object(json.loads(json_string), custom_objects=custom_objects)


__all__ = [
    "Input",
    "InputLayer",
    "KerasTensor",
    "Model",
    "Sequential",
    "clone_model",
    "load_model",
    "model_from_json",
    "save_model",
]
