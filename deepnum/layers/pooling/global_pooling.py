"""Global pooling layers: the maximum or mean over all steps or pixels of each channel."""

from __future__ import annotations

from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor
from deepnum.layers import _args
from deepnum.layers import _window_args as wa
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer


class _GlobalPooling(Layer):
    """Reduce every spatial axis; subclasses set ``rank`` and ``_reduce``."""

    rank = 2

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = _args.data_format(type(self).__name__, data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _axes(self) -> tuple[int, ...]:
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def call(self, inputs: Tensor) -> Tensor:
        return self._reduce(inputs, axis=self._axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        batch, spatial, channels = wa.split_channels(input_shape, self.data_format)
        if self.keepdims:
            return wa.join_channels(batch, (1,) * self.rank, channels, self.data_format)
        return (batch, channels)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalMaxPooling2D(_GlobalPooling):
    """The maximum over height and width of each channel: (N, H, W, C) → (N, C), or
    (N, 1, 1, C) with ``keepdims=True``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.GlobalMaxPooling2D()(np.zeros((2, 7, 7, 64), "float32")).shape
        (2, 64)
    """

    rank = 2

    def _reduce(self, x: Tensor, **kwargs: Any) -> Tensor:
        return ops.max(x, **kwargs)


class GlobalMaxPooling1D(GlobalMaxPooling2D):
    """The maximum over the steps of each channel: (N, steps, C) → (N, C).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.GlobalMaxPooling1D()(np.zeros((2, 5, 3), "float32")).shape
        (2, 3)
    """

    rank = 1


class GlobalAveragePooling2D(_GlobalPooling):
    """The mean over height and width of each channel: (N, H, W, C) → (N, C), or
    (N, 1, 1, C) with ``keepdims=True``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.GlobalAveragePooling2D()(np.ones((2, 7, 7, 64), "float32")).shape
        (2, 64)
    """

    rank = 2

    def _reduce(self, x: Tensor, **kwargs: Any) -> Tensor:
        return ops.mean(x, **kwargs)


class GlobalAveragePooling1D(_GlobalPooling):
    """The mean over the steps of each channel: (N, steps, C) → (N, C). With a mask (e.g.
    from ``Embedding(mask_zero=True)``) only the unmasked steps are averaged.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.GlobalAveragePooling1D()(np.ones((2, 5, 3), "float32")).shape
        (2, 3)
    """

    rank = 1

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs: Tensor, mask: Any = None) -> Tensor:
        axis = self._axes
        if mask is None:
            return ops.mean(inputs, axis=axis, keepdims=self.keepdims)
        mask = mask.data if isinstance(mask, Tensor) else mask
        keep = ops.expand_dims(Tensor._make(mask), 2 if self.data_format == "channels_last" else 1)
        weights = ops.cast(keep, inputs.dtype)
        total = ops.sum(inputs * weights, axis=axis, keepdims=self.keepdims)
        return total / ops.sum(weights, axis=axis, keepdims=self.keepdims)

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None


class GlobalMaxPooling3D(GlobalMaxPooling2D):
    """The maximum over depth, height and width of each channel: (N, D, H, W, C) → (N, C), or
    (N, 1, 1, 1, C) with ``keepdims=True``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.GlobalMaxPooling3D()(np.zeros((2, 3, 4, 5, 6), "float32")).shape
        (2, 6)
    """

    rank = 3


class GlobalAveragePooling3D(GlobalAveragePooling2D):
    """The mean over depth, height and width of each channel: (N, D, H, W, C) → (N, C), or
    (N, 1, 1, 1, C) with ``keepdims=True``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.GlobalAveragePooling3D(keepdims=True)
        >>> layer(np.ones((2, 3, 4, 5, 6), "float32")).shape
        (2, 1, 1, 1, 6)
    """

    rank = 3


GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
GlobalAvgPool3D = GlobalAveragePooling3D
