"""Adaptive pooling layers: AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D.

The output size is given and the windows follow from it: output cell i of an axis of size n
(o outputs) pools the inputs ⌊i·n/o⌋ … ⌈(i+1)·n/o⌉ − 1 (PyTorch's bins, as Keras's). No
weights; the channels are kept.
"""

from __future__ import annotations

import numbers
from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor
from deepnum.layers import _args
from deepnum.layers import _window_args as wa
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer


def _output_size(owner: str, value: Any, rank: int) -> tuple[int, ...]:
    """An int (the same for every spatial axis) or ``rank`` positive ints, as a tuple."""

    def positive(v: Any) -> bool:
        return isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0

    if positive(value):
        return (int(value),) * rank
    if isinstance(value, (tuple, list)) and len(value) == rank and all(map(positive, value)):
        return tuple(int(v) for v in value)
    raise TypeError(
        f"{owner}: argument `output_size` must be a positive integer or a tuple of {rank} "
        f"positive integers, received output_size={value!r}."
    )


class _AdaptivePooling(Layer):
    """Pool to a fixed output size; subclasses set ``rank`` and ``_pool``."""

    rank = 2

    def __init__(self, output_size: Any, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.output_size = _output_size(owner, output_size, self.rank)
        self.data_format = _args.data_format(owner, data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _pool(self, inputs: Tensor, output_size: tuple, data_format: str) -> Tensor:
        raise NotImplementedError

    def call(self, inputs: Tensor) -> Tensor:
        return self._pool(inputs, self.output_size, self.data_format)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        batch, _, channels = wa.split_channels(input_shape, self.data_format)
        return wa.join_channels(batch, self.output_size, channels, self.data_format)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "output_size": self.output_size,
            "data_format": self.data_format,
        }


class _AdaptiveAveragePooling(_AdaptivePooling):
    def _pool(self, inputs: Tensor, output_size: tuple, data_format: str) -> Tensor:
        return ops.adaptive_average_pool(inputs, output_size, data_format)


class _AdaptiveMaxPooling(_AdaptivePooling):
    def _pool(self, inputs: Tensor, output_size: tuple, data_format: str) -> Tensor:
        return ops.adaptive_max_pool(inputs, output_size, data_format)


class AdaptiveAveragePooling2D(_AdaptiveAveragePooling):
    """Average pooling of images to a fixed size: (N, H, W, C) → (N, oh, ow, C) for any H, W.

    Output cell (i, j) averages rows ⌊i·H/oh⌋ … ⌈(i+1)·H/oh⌉ − 1 and the columns likewise.

    Args:
        output_size: an int or (oh, ow).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
        >>> dn.layers.AdaptiveAveragePooling2D(2)(x)[0, :, :, 0].numpy().tolist()
        [[2.5, 4.5], [10.5, 12.5]]
    """

    rank = 2


class AdaptiveAveragePooling1D(_AdaptiveAveragePooling):
    """Average pooling of sequences to ``output_size`` steps: (N, L, C) → (N, o, C).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> x = np.arange(5, dtype="float32").reshape(1, 5, 1)
        >>> dn.layers.AdaptiveAveragePooling1D(2)(x)[0, :, 0].numpy().tolist()
        [1.0, 3.0]
    """

    rank = 1


class AdaptiveAveragePooling3D(_AdaptiveAveragePooling):
    """Average pooling of volumes to a fixed size: (N, D, H, W, C) → (N, od, oh, ow, C).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.AdaptiveAveragePooling3D((1, 2, 3))
        >>> layer(np.ones((2, 5, 6, 7, 4), "float32")).shape
        (2, 1, 2, 3, 4)
    """

    rank = 3


class AdaptiveMaxPooling2D(_AdaptiveMaxPooling):
    """Max pooling of images to a fixed size: (N, H, W, C) → (N, oh, ow, C), windows as in
    :class:`AdaptiveAveragePooling2D`.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
        >>> dn.layers.AdaptiveMaxPooling2D(2)(x)[0, :, :, 0].numpy().tolist()
        [[5.0, 7.0], [13.0, 15.0]]
    """

    rank = 2


class AdaptiveMaxPooling1D(_AdaptiveMaxPooling):
    """Max pooling of sequences to ``output_size`` steps: (N, L, C) → (N, o, C).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> x = np.arange(5, dtype="float32").reshape(1, 5, 1)
        >>> dn.layers.AdaptiveMaxPooling1D(2)(x)[0, :, 0].numpy().tolist()
        [2.0, 4.0]
    """

    rank = 1


class AdaptiveMaxPooling3D(_AdaptiveMaxPooling):
    """Max pooling of volumes to a fixed size: (N, D, H, W, C) → (N, od, oh, ow, C).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.AdaptiveMaxPooling3D(2)(np.ones((1, 4, 5, 3, 2), "float32")).shape
        (1, 2, 2, 2, 2)
    """

    rank = 3
