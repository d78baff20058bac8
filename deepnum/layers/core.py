"""Core layers: Dense, Activation, Embedding, Lambda, Identity, Masking (Keras 3 names,
defaults and weight layouts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deepnum import activations, initializers, ops, regularizers
from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.layers import _args
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer
from deepnum.ops import accel


class Dense(Layer):
    """Densely-connected layer: ``y = activation(x · W + b)``.

    Applied to the last axis, so inputs of shape ``(batch, ..., in)`` give ``(batch, ..., units)``.

    Args:
        units: number of output features (a positive integer).
        activation: activation name or callable (``None``: linear).
        use_bias: whether to add the bias vector ``b``.
        kernel_initializer, bias_initializer: initializers of ``W`` (``(in, units)``, Keras's
            layout) and ``b`` (``(units,)``).
        kernel_regularizer, bias_regularizer: penalties on the weights, added to ``losses``.
        activity_regularizer: penalty on the output (divided by the batch size, as Keras does).
        kernel_constraint, bias_constraint: callables applied to the weights after updates.

    Returns:
        A tensor of shape ``(batch, ..., units)``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.Dense(3, activation="relu")
        >>> layer(np.ones((2, 4), "float32")).shape
        (2, 3)
        >>> [w.shape for w in layer.get_weights()]
        [(4, 3), (3,)]
    """

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.units = _args.positive_int("Dense", "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = _args.constraint("Dense", "kernel_constraint", kernel_constraint)
        self.bias_constraint = _args.constraint("Dense", "bias_constraint", bias_constraint)
        _args.unsupported("Dense", "lora_rank", lora_rank)
        _args.unsupported("Dense", "quantization_config", quantization_config)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True
        self.kernel = self.bias = None

    def build(self, input_shape: tuple) -> None:
        in_dim = input_shape[-1] if input_shape else None
        if in_dim is None:
            raise ValueError(
                f'Dense layer "{self.name}": the last axis of its input must be known to create '
                f"the kernel, received input shape {shape_str(tuple(input_shape))}."
            )
        self.kernel = self.add_weight(
            (in_dim, self.units),
            self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                (self.units,),
                self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        if inputs.dtype.kind != "f":
            inputs = ops.cast(inputs, self.dtype)
        outputs = self.activation(ops.linear(inputs, self.kernel, self.bias))
        _args.add_activity_loss(self, outputs)
        return outputs

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": _args.serialize_initializer(self.kernel_initializer),
            "bias_initializer": _args.serialize_initializer(self.bias_initializer),
            "kernel_regularizer": _args.serialize_regularizer(self.kernel_regularizer),
            "bias_regularizer": _args.serialize_regularizer(self.bias_regularizer),
            "activity_regularizer": _args.serialize_regularizer(self.activity_regularizer),
            "kernel_constraint": _args.serialize_constraint(self.kernel_constraint),
            "bias_constraint": _args.serialize_constraint(self.bias_constraint),
        }


class Activation(Layer):
    """Apply an activation function elementwise: ``y = activation(x)``.

    Args:
        activation: a name from ``deepnum.activations`` (``"relu"``, ``"softmax"``, …) or a
            callable.

    Example:
        >>> import deepnum as dn
        >>> dn.layers.Activation("relu")(dn.tensor([[-1.0, 2.0]])).numpy().tolist()
        [[0.0, 2.0]]
    """

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs: Tensor) -> Tensor:
        return self.activation(inputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Identity(Layer):
    """Return the input unchanged (a placeholder, e.g. for an optional branch)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape


class Masking(Layer):
    """Mask the time steps whose features all equal ``mask_value`` (for RNNs downstream).

    A step ``t`` is kept when ``any(x[b, t, :] != mask_value)``; masked steps are zeroed and the
    output carries the boolean mask of shape ``(batch, steps)``.

    Args:
        mask_value: the padding value to skip.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> y = dn.layers.Masking(0.0)(np.array([[[1.0], [0.0]]], "float32"))
        >>> y._keras_mask.numpy().tolist()
        [[True, False]]
    """

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = _args.number("Masking", "mask_value", mask_value)
        self.supports_masking = True

    def call(self, inputs: Tensor) -> Tensor:
        keep = (inputs.data != self.mask_value).any(axis=-1, keepdims=True)
        return ops.where(keep, inputs, 0.0)

    def compute_mask(self, inputs: Tensor, mask: Any = None) -> Tensor:
        return Tensor._make((inputs.data != self.mask_value).any(axis=-1))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}


# --------------------------------------------------------------------------- Embedding
class EmbeddingLookup(Function):
    """Gather rows of a table: ``y[..., :] = W[ids[...], :]``.

    Backward: ``∂L/∂W = scatter_add(ids, ∂L/∂y)``, a Function whose own backward is this
    gather, so the lookup stays differentiable twice.
    """

    def __init__(self, ids: Any) -> None:
        self.ids = ids

    def forward(self, w):
        return get_array_module(w).take(w, self.ids, axis=0)

    def backward(self, gy):
        return EmbeddingScatter(self.ids, self.inputs[0].shape)(gy)


class EmbeddingScatter(Function):
    """The adjoint of the lookup: zeros of the table's shape with each row of ``g`` added at its
    id. On NumPy it is a compiled loop when numba is installed (``deepnum.ops.accel``), else
    one ``add.at`` on the flattened table with flat indices ``id · dim + j`` — several times
    faster than ``add.at`` with 2-D row indices."""

    def __init__(self, ids: Any, shape: tuple[int, int]) -> None:
        self.ids, self.shape = ids, shape

    def forward(self, g):
        xp = get_array_module(g)
        rows, dim = self.shape
        out = xp.zeros(self.shape, dtype=g.dtype)
        scatter = accel.kernel("scatter_add_rows") if xp is np else None
        if scatter is not None:
            scatter(out, self.ids.reshape(-1), g.reshape(-1, dim))
        elif xp is np:
            flat = (self.ids.reshape(-1, 1) * dim + np.arange(dim)).ravel()
            np.add.at(out.reshape(-1), flat, g.reshape(-1))
        else:  # pragma: no cover - CuPy
            import cupyx

            cupyx.scatter_add(out, self.ids.ravel(), g.reshape(-1, dim))
        return out

    def backward(self, ggw):
        return EmbeddingLookup(self.ids)(ggw)


class Embedding(Layer):
    """Turn integer ids into dense vectors: ``y[b, t] = W[ids[b, t]]``.

    Args:
        input_dim: vocabulary size (ids are in ``[0, input_dim)``).
        output_dim: size of each embedding vector.
        embeddings_initializer: initializer of the table ``W`` of shape
            ``(input_dim, output_dim)``; ``"uniform"`` is Keras's ``RandomUniform(-0.05, 0.05)``.
        embeddings_regularizer, embeddings_constraint, activity_regularizer: as in Dense.
        mask_zero: treat id 0 as padding: the output carries the mask ``ids != 0``, which
            RNN layers downstream use to skip padded steps.
        weights: optional initial table (Keras-2 idiom for pretrained embeddings).
        input_length: accepted for Keras-2 code and ignored (as in Keras 3).

    Returns:
        A tensor of shape ``ids.shape + (output_dim,)``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> emb = dn.layers.Embedding(10, 4, mask_zero=True)
        >>> y = emb(np.array([[3, 0]]))
        >>> y.shape, y._keras_mask.numpy().tolist()
        ((1, 2, 4), [[True, False]])
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        weights: Any = None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        input_length: int | None = None,
        activity_regularizer: Any = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input_dim = _args.positive_int("Embedding", "input_dim", input_dim)
        self.output_dim = _args.positive_int("Embedding", "output_dim", output_dim)
        if embeddings_initializer in ("uniform", "normal"):  # Keras's short aliases
            embeddings_initializer = f"random_{embeddings_initializer}"
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = _args.constraint(
            "Embedding", "embeddings_constraint", embeddings_constraint
        )
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        _args.unsupported("Embedding", "lora_rank", lora_rank)
        _args.unsupported("Embedding", "quantization_config", quantization_config)
        self.embeddings = None
        if weights is not None:
            self.build(None)
            self.built = True
            self.set_weights(weights if isinstance(weights, list) else [weights])

    def build(self, input_shape: Any = None) -> None:
        if self.embeddings is not None:
            return
        self.embeddings = self.add_weight(
            (self.input_dim, self.output_dim),
            self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
            name="embeddings",
        )
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        ids = _check_ids(inputs.data, self.input_dim)
        outputs = EmbeddingLookup(ids)(self.embeddings)
        _args.add_activity_loss(self, outputs)
        return outputs

    def compute_mask(self, inputs: Tensor, mask: Any = None) -> Tensor | None:
        if not self.mask_zero:
            return None
        return Tensor._make(inputs.data != 0)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": _args.serialize_initializer(self.embeddings_initializer),
            "embeddings_regularizer": _args.serialize_regularizer(self.embeddings_regularizer),
            "activity_regularizer": _args.serialize_regularizer(self.activity_regularizer),
            "embeddings_constraint": _args.serialize_constraint(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        }


def _check_ids(ids: Any, input_dim: int) -> Any:
    if ids.dtype.kind not in "iu":
        ids = ids.astype("int64")
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= input_dim):
        bad = int(ids.min()) if int(ids.min()) < 0 else int(ids.max())
        raise ValueError(
            f"Embedding: id {bad} is out of range for input_dim={input_dim}; ids must be in "
            f"[0, {input_dim - 1}]. Is input_dim smaller than the vocabulary size?"
        )
    return ids


# --------------------------------------------------------------------------- Lambda
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
