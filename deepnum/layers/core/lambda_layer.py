"""Lambda: a Python function as a layer (never rebuilt from a file's code)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deepnum.layers.layer import Layer


class Lambda(Layer):
    """Wrap a Python function as a layer: ``y = function(x, **arguments)``.

    In-memory only: a config records the function's name but never its code, so a model file
    can never make deepnum run code. ``from_config`` rebuilds the layer only when the caller
    supplies the function itself through ``custom_objects={name: function}``.

    Args:
        function: a callable on Tensors.
        output_shape: the output shape without the batch axis, or a callable
            ``input_shape -> output_shape``; inferred by running the function when omitted.
        mask: ``None``, or a callable ``(inputs, mask) -> mask`` for the output mask.
        arguments: extra keyword arguments for ``function``.

    Example:
        >>> import deepnum as dn
        >>> dn.layers.Lambda(lambda x: 2 * x)(dn.tensor([1.0])).numpy().tolist()
        [2.0]
    """

    def __init__(
        self,
        function: Callable,
        output_shape: Any = None,
        mask: Any = None,
        arguments: dict | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(
                f"Lambda: argument `function` must be callable, received function={function!r}."
            )
        if output_shape is not None and not callable(output_shape):
            output_shape = tuple(output_shape)
        self.function = function
        self.output_shape_arg = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None

    def call(self, inputs: Any) -> Any:
        return self.function(inputs, **self.arguments)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.output_shape_arg is None:
            return super().compute_output_shape(input_shape)
        if callable(self.output_shape_arg):
            return self.output_shape_arg(input_shape)
        return (input_shape[0],) + self.output_shape_arg

    def get_config(self) -> dict:
        shape = self.output_shape_arg
        return {
            **super().get_config(),
            "function": {
                "class_name": "__in_memory_function__",
                "config": {
                    "name": getattr(self.function, "__name__", repr(self.function)),
                    "module": getattr(self.function, "__module__", None),
                    "deserializable": False,
                },
            },
            "output_shape": list(shape) if isinstance(shape, tuple) else None,
            "arguments": self.arguments,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Lambda:
        config = dict(config)
        spec = config.pop("function")
        name = spec.get("config", {}).get("name") if isinstance(spec, dict) else None
        function = (custom_objects or {}).get(name)
        if function is None:
            raise ValueError(
                f"Lambda layer {config.get('name')!r} cannot be rebuilt from a config: deepnum "
                f"never stores or runs Python code from model files, and its function "
                f"({name!r}) was not saved. Re-create the layer in code, or pass the function "
                f"as custom_objects={{{name!r}: function}}."
            )
        return cls(function, **config)
