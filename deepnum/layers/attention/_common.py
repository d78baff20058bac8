"""What MultiHeadAttention and GroupedQueryAttention share: calling with (query, value, key)
and building from all three shapes, the attention mask built from the inputs' masks, and
the scaled dot-product core (one fused op, or Keras's explicit softmax where scores or dropout
are asked for)."""

from __future__ import annotations

import numbers
from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.layers import _args
from deepnum.layers.layer import Layer, _jsonable_shape, _tuple_shape


def _shape_of(x: Any) -> tuple | None:
    return None if x is None else tuple(x.shape)


def _raw(mask: Any) -> Any:
    """A mask (Tensor, array, list) as a boolean array of its own array module."""
    if mask is None:
        return None
    data = mask.data if isinstance(mask, Tensor) else mask
    xp = get_array_module(data)
    data = xp.asarray(data)
    return data if data.dtype == bool else data.astype(bool)


class QueryValueAttention(Layer):
    """A layer called as ``layer(query, value, key=None, ...)`` that builds from the shapes of
    all three (Keras's ``build(query_shape, value_shape, key_shape=None)``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from deepnum.models.functional import is_symbolic

        names = ("query", "value", "key")
        given = dict(zip(names, args))
        for name in names:
            if name in kwargs:
                if name in given:
                    raise TypeError(f'Layer "{self.name}": got multiple values for `{name}`.')
                given[name] = kwargs.pop(name)
        if len(args) > 3:
            raise TypeError(
                f'Layer "{self.name}" takes query, value and key as tensors, received '
                f"{len(args)} positional arguments; pass the masks and options by keyword."
            )
        if "query" not in given or "value" not in given:
            raise ValueError(
                f'Layer "{self.name}" needs both `query` and `value` (value is also the key '
                "unless `key` is given): call it as layer(query, value) — layer(x, x) for "
                "self-attention."
            )
        symbolic = is_symbolic(tuple(given.values()), {})
        if not symbolic:
            given = {k: None if v is None else self._standardize(v) for k, v in given.items()}
        query, value, key = given["query"], given["value"], given.get("key")
        if not self.built:
            self.build(_shape_of(query), _shape_of(value), _shape_of(key))
        tensors = (query, value) if key is None else (query, value, key)
        scores = bool(kwargs.get("return_attention_scores", False))
        # On symbolic tensors the base class asks compute_output_shape(query_shape) alone:
        # the key's shape, needed for the scores' shape, is kept for that call.
        keys = value if key is None else key
        self._symbolic_scores = _shape_of(keys) if symbolic and scores else None
        try:
            outputs = super().__call__(*tensors, **kwargs)
        finally:
            self._symbolic_scores = None
        if scores and isinstance(outputs, (list, tuple)) and not symbolic:
            outputs[1]._keras_mask = None  # the query's mask belongs to the output only
        return outputs

    def _record_build(self, query_shape: Any, value_shape: Any, key_shape: Any) -> None:
        shapes = {"query_shape": tuple(query_shape), "value_shape": tuple(value_shape)}
        if key_shape is not None:
            shapes["key_shape"] = tuple(key_shape)
        self._build_shapes = shapes
        self.built = True

    def get_build_config(self) -> dict | None:
        if not isinstance(self._build_shapes, dict):
            return None
        return {"shapes_dict": {k: _jsonable_shape(v) for k, v in self._build_shapes.items()}}

    def build_from_config(self, config: dict | None) -> None:
        if not config or self.built:
            return
        if "shapes_dict" in config:
            self.build(**{k: _tuple_shape(v) for k, v in config["shapes_dict"].items()})
        elif "input_shape" in config:
            shape = _tuple_shape(config["input_shape"])
            self.build(shape, shape)

    def _scores_shape(self, query_shape: tuple, key_shape: tuple, heads: int) -> tuple:
        return (query_shape[0], heads, query_shape[1], key_shape[1])


def check_call_shapes(layer: Layer, query: Tensor, value: Tensor, key: Tensor) -> None:
    """Errors naming the tensors, their shapes and the fix, before any projection runs."""
    if query.shape[0] != value.shape[0] or key.shape[0] != value.shape[0]:
        raise ValueError(
            f'Layer "{layer.name}": query, value and key must have the same batch size, '
            f"received query.shape={shape_str(query.shape)}, value.shape="
            f"{shape_str(value.shape)}, key.shape={shape_str(key.shape)}."
        )
    if key.shape[1:-1] != value.shape[1:-1]:
        raise ValueError(
            f'Layer "{layer.name}": key and value must agree on every axis but the last (one '
            f"key per value), received value.shape={shape_str(value.shape)} and key.shape="
            f"{shape_str(key.shape)}."
        )


def positive_int_or_none(owner: str, arg: str, value: Any) -> int | None:
    if value is None:
        return None
    return _args.positive_int(owner, arg, value)


def dropout_rate(owner: str, value: Any) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not 0 <= value < 1:
        raise ValueError(
            f"{owner}: argument `dropout` must be a number ≥ 0 and < 1 (the fraction of "
            f"attention probabilities dropped), received dropout={value!r}."
        )
    return float(value)


# ------------------------------------------------------------------------ masks
def causal_mask(t: int, s: int, xp: Any) -> Any:
    """(1, T, S): True where key j ≤ query i (Keras's cumsum construction gives the same)."""
    return xp.tril(xp.ones((t, s), dtype=bool))[None]


def sliding_window_mask(t: int, s: int, window: int, xp: Any) -> Any:
    """(1, T, S): True where |i − j| < window (a symmetric band)."""
    i = xp.arange(t)[:, None]
    j = xp.arange(s)[None, :]
    return (abs(i - j) < window)[None]


def attention_mask(
    query: Tensor,
    value: Tensor,
    query_mask: Any = None,
    value_mask: Any = None,
    key_mask: Any = None,
    attention_mask: Any = None,
    use_causal_mask: bool = False,
    sliding_window: int | None = None,
) -> Any:
    """The boolean (B, T, S) mask (or one that broadcasts to it) combining, as Keras does, the
    query's mask (B, T, 1), the value's and key's (B, 1, S), the causal triangle (1, T, S),
    the sliding window band (1, T, S) and an explicit ``attention_mask``, all ANDed; None when
    there is none."""
    xp = get_array_module(query.data)
    t, s = query.shape[1], value.shape[1]
    auto = None
    parts = [
        None if query_mask is None else _raw(query_mask)[..., None],
        None if value_mask is None else _raw(value_mask)[..., None, :],
        None if key_mask is None else _raw(key_mask)[..., None, :],
        causal_mask(t, s, xp) if use_causal_mask else None,
        None if sliding_window is None else sliding_window_mask(t, s, sliding_window, xp),
    ]
    for part in parts:
        if part is not None:
            auto = part if auto is None else auto & part
    explicit = _raw(attention_mask)
    if auto is None:
        return explicit
    return auto if explicit is None else explicit & auto


def with_causal_mask(mask: Any, query: Tensor, value: Tensor) -> Any:
    """``mask`` ANDed with the causal triangle of projected (B, T, …) query and (B, S, …)
    value (the triangle alone when ``mask`` is None)."""
    causal = causal_mask(query.shape[1], value.shape[1], query.xp)
    return causal if mask is None else mask & causal


def check_scores_available(layer: Layer, flash_attention: Any, return_scores: bool) -> None:
    """Refuse ``return_attention_scores`` on a layer built for flash attention (Keras's
    error: the fused kernel never forms the scores)."""
    if flash_attention and return_scores:
        raise ValueError(
            f'{type(layer).__name__} layer "{layer.name}": return_attention_scores=True is not '
            "supported with flash_attention=True; create the layer with flash_attention=None "
            "to get the scores."
        )


def expand_mask(mask: Any, rank: int, axis: int) -> Any:
    """Insert axes at ``axis`` (the heads' place) until ``mask`` has ``rank`` axes."""
    while mask.ndim < rank:
        mask = get_array_module(mask).expand_dims(mask, axis)
    return mask


def fused_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    mask: Any,
    scale: float,
    is_causal: bool,
) -> Tensor:
    """softmax(scale·Q Kᵀ, masked) V through the fused op, the mask given heads' axis."""
    if mask is not None:
        mask = expand_mask(mask, 4, -3)
    return ops.dot_product_attention(query, key, value, mask=mask, scale=scale, is_causal=is_causal)
