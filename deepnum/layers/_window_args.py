"""Argument checks and shape arithmetic shared by the convolution, pooling and spatial
reshaping layers: errors name the layer class, the argument, the value received and what is
allowed."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import shape_str
from deepnum.layers.input_spec import InputSpec, check_input_spec
from deepnum.ops.nn._window import output_length, standardize_padding, standardize_tuple


def tuple_arg(owner: str, arg: str, value: Any, rank: int, allow_zero: bool = False) -> tuple:
    """An int or ``rank`` ints as a tuple (Keras's ``standardize_tuple``), checked."""
    try:
        return standardize_tuple(value, rank, arg, allow_zero=allow_zero)
    except ValueError as e:
        raise ValueError(f"{owner}: {e}") from None


def padding_arg(owner: str, value: Any, allow_causal: bool = False) -> str:
    """``"valid"``/``"same"`` (any case), and ``"causal"`` where allowed."""
    try:
        return standardize_padding(value, allow_causal=allow_causal)
    except ValueError as e:
        raise ValueError(f"{owner}: {e}") from None


def no_strided_dilation(owner: str, strides: tuple, dilation_rate: tuple) -> None:
    """Keras (like TensorFlow) refuses strides > 1 together with dilation_rate > 1."""
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(
            f"{owner}: `strides > 1` not supported in conjunction with `dilation_rate > 1`. "
            f"Received: strides={strides} and dilation_rate={dilation_rate}. Use one or the other."
        )


def check_rank(layer: Any, input_shape: Any, rank: int) -> None:
    """The Keras-style rank error (before build reads the shape): ``expected ndim=4, found
    ndim=3`` with the hint to add the missing axis (e.g. the channel axis of gray images)."""
    check_input_spec(layer, InputSpec(ndim=rank + 2), tuple(input_shape))


def split_channels(shape: Any, data_format: str) -> tuple[Any, tuple, Any]:
    """(batch, spatial sizes, channels) of an input shape in ``data_format``."""
    shape = tuple(shape)
    if data_format == "channels_last":
        return shape[0], shape[1:-1], shape[-1]
    return shape[0], shape[2:], shape[1]


def join_channels(batch: Any, spatial: tuple, channels: Any, data_format: str) -> tuple:
    """The inverse of :func:`split_channels`."""
    if data_format == "channels_last":
        return (batch,) + tuple(spatial) + (channels,)
    return (batch, channels) + tuple(spatial)


def known_channels(layer: Any, input_shape: Any, data_format: str) -> int:
    """The channel count of ``input_shape``, which must be known to create the weights."""
    channels = split_channels(input_shape, data_format)[2]
    if channels is None:
        raise ValueError(
            f'Layer "{layer.name}": the channel axis of its input must be known to create the '
            f"kernel ({data_format}), received input shape {shape_str(tuple(input_shape))}."
        )
    return int(channels)


def window_output_sizes(
    owner: str, spatial: tuple, kernel: tuple, strides: tuple, padding: str, dilation: tuple
) -> tuple:
    """Per spatial axis: valid ⌊(n − d(k−1) − 1)/s⌋ + 1, same/causal ⌈n/s⌉ (None stays None)."""
    out = []
    for n, k, s, d in zip(spatial, kernel, strides, dilation):
        if n is None:
            out.append(None)
            continue
        o = output_length(n, k, s, padding, d)
        if o <= 0:
            raise ValueError(
                f"{owner}: computed output size would be {o} for a spatial size {n} with "
                f"kernel/pool size {k}, dilation {d}, strides {s} and padding='{padding}'. "
                "Use padding='same', a smaller window or a larger input."
            )
        out.append(o)
    return tuple(out)
