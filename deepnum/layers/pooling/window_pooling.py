"""Window pooling layers: MaxPooling1D/2D/3D and AveragePooling1D/2D/3D (Keras 3's arguments
and defaults). They have no weights and keep the number of channels."""

from __future__ import annotations

from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor
from deepnum.layers import _args
from deepnum.layers import _window_args as wa
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer


class _Pooling(Layer):
    """Window pooling; subclasses set ``rank`` and the op (``ops.max_pool`` or
    ``ops.average_pool``)."""

    rank = 2

    def __init__(
        self,
        pool_size: Any,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        owner = type(self).__name__
        self.pool_size = wa.tuple_arg(owner, "pool_size", pool_size, self.rank)
        self.strides = (
            self.pool_size
            if strides is None
            else wa.tuple_arg(owner, "strides", strides, self.rank)
        )
        self.padding = wa.padding_arg(owner, padding)
        self.data_format = _args.data_format(owner, data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _pool(self, *args: Any) -> Tensor:
        raise NotImplementedError

    def call(self, inputs: Tensor) -> Tensor:
        return self._pool(inputs, self.pool_size, self.strides, self.padding, self.data_format)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        """Per spatial axis of size n: valid ⌊(n − pool)/s⌋ + 1, same ⌈n/s⌉."""
        batch, spatial, channels = wa.split_channels(input_shape, self.data_format)
        sizes = wa.window_output_sizes(
            type(self).__name__, spatial, self.pool_size, self.strides, self.padding,
            (1,) * self.rank,
        )  # fmt: skip
        return wa.join_channels(batch, sizes, channels, self.data_format)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }


class _MaxPooling(_Pooling):
    def _pool(self, *args: Any) -> Tensor:
        return ops.max_pool(*args)


class _AveragePooling(_Pooling):
    def _pool(self, *args: Any) -> Tensor:
        return ops.average_pool(*args)


class MaxPooling2D(_MaxPooling):
    """Max pooling over 2-D windows: the largest value of each ``pool_size`` window, moving
    by ``strides``.

    Output size per spatial axis of size n (pool k, stride s): valid ⌊(n − k)/s⌋ + 1,
    same ⌈n/s⌉ (TensorFlow's padding, which never wins the max).

    Args:
        pool_size: an int or (ph, pw), default (2, 2).
        strides: an int, (sh, sw) or None (the default: ``pool_size``).
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Returns:
        (N, H_out, W_out, C) (channels unchanged).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.MaxPooling2D()(np.zeros((2, 28, 28, 32), "float32")).shape
        (2, 14, 14, 32)
    """

    rank = 2

    def __init__(
        self,
        pool_size: Any = (2, 2),
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


class MaxPooling1D(_MaxPooling):
    """Max pooling over 1-D windows of (N, steps, C); see :class:`MaxPooling2D`.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.MaxPooling1D(3, padding="same")(np.zeros((1, 10, 4), "float32")).shape
        (1, 4, 4)
    """

    rank = 1

    def __init__(
        self,
        pool_size: Any = 2,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


class AveragePooling2D(_AveragePooling):
    """Average pooling over 2-D windows. With ``padding="same"`` a window is averaged over its
    real pixels only (the padding is not counted), as in Keras and TensorFlow.

    Output sizes and arguments as in :class:`MaxPooling2D`, but ``pool_size`` has no default
    (Keras 3 requires it).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.AveragePooling2D(2)(np.ones((1, 4, 4, 1), "float32"))[0, :, :, 0].tolist()
        [[1.0, 1.0], [1.0, 1.0]]
    """

    rank = 2

    def __init__(
        self,
        pool_size: Any,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


class AveragePooling1D(_AveragePooling):
    """Average pooling over 1-D windows of (N, steps, C); see :class:`AveragePooling2D`.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.AveragePooling1D(2)(np.zeros((1, 6, 3), "float32")).shape
        (1, 3, 3)
    """

    rank = 1

    def __init__(
        self,
        pool_size: Any,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


class MaxPooling3D(_MaxPooling):
    """Max pooling over 3-D windows of volumes (N, D, H, W, C); see :class:`MaxPooling2D`.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.MaxPooling3D()(np.zeros((1, 4, 6, 5, 3), "float32")).shape
        (1, 2, 3, 2, 3)
    """

    rank = 3

    def __init__(
        self,
        pool_size: Any = (2, 2, 2),
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


class AveragePooling3D(_AveragePooling):
    """Average pooling over 3-D windows of volumes (N, D, H, W, C); with ``padding="same"``
    each window is averaged over its real voxels only; see :class:`AveragePooling2D`.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.AveragePooling3D(2, padding="same")
        >>> layer(np.ones((1, 3, 3, 3, 1), "float32")).shape
        (1, 2, 2, 2, 1)
    """

    rank = 3

    def __init__(
        self,
        pool_size: Any,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


# Keras's alternative names.
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
MaxPool3D = MaxPooling3D
AvgPool3D = AveragePooling3D
