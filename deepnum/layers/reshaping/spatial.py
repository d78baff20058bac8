"""Spatial reshaping layers: ZeroPadding1D/2D/3D, Cropping1D/2D/3D and UpSampling1D/2D/3D
(Keras 3's arguments, defaults and configs). No weights; built from differentiable ops (pad,
slicing, repeat, and for bilinear upsampling one interpolation matrix per axis)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from deepnum import ops
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.layers import _args
from deepnum.layers import _window_args as wa
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer


def _pairs(owner: str, arg: str, value: Any, rank: int) -> tuple:
    """Keras's forms: an int (same on both sides of every axis), one int per axis (same on both
    sides), or one (before, after) pair per axis — as ``rank`` pairs of non-negative ints."""

    def is_int(v: Any) -> bool:
        return isinstance(v, numbers.Integral) and not isinstance(v, bool)

    if is_int(value):
        pairs = ((int(value), int(value)),) * rank
    elif rank == 1 and isinstance(value, (tuple, list)) and len(value) == 2:
        pairs = (tuple(value),)
    elif isinstance(value, (tuple, list)) and len(value) == rank:
        pairs = tuple((v, v) if is_int(v) else tuple(v) for v in value)
    else:
        pairs = None
    ok = pairs is not None and all(len(p) == 2 and all(is_int(v) and v >= 0 for v in p)
                                   for p in pairs)  # fmt: skip
    if not ok:
        form = "an int or a tuple of 2 ints" if rank == 1 else (
            "an int, a tuple of 2 ints or a tuple of 2 tuples of 2 ints")  # fmt: skip
        raise ValueError(f"{owner}: argument `{arg}` must be {form}, all ≥ 0, "
                         f"received {arg}={value!r}.")  # fmt: skip
    return tuple((int(a), int(b)) for a, b in pairs)


class _SpatialLayer(Layer):
    rank = 2
    has_data_format = True  # Keras's Cropping1D and UpSampling1D take no data_format

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = _args.data_format(type(self).__name__, data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _spatial_axes(self) -> list[int]:
        first = 1 if self.data_format == "channels_last" else 2
        return list(range(first, first + self.rank))

    def _map_spatial(self, input_shape: Any, fn: Any) -> tuple:
        batch, spatial, channels = wa.split_channels(input_shape, self.data_format)
        sizes = tuple(None if n is None else fn(i, n) for i, n in enumerate(spatial))
        return wa.join_channels(batch, sizes, channels, self.data_format)

    def get_config(self) -> dict:
        config = super().get_config()
        if self.has_data_format:
            config["data_format"] = self.data_format
        return config


class _ZeroPadding(_SpatialLayer):
    def __init__(self, padding: Any = 1, data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format, **kwargs)
        self.padding = _pairs(type(self).__name__, "padding", padding, self.rank)

    def call(self, inputs: Tensor) -> Tensor:
        widths = [(0, 0)] * inputs.ndim
        for axis, pair in zip(self._spatial_axes(), self.padding):
            widths[axis] = pair
        return ops.pad(inputs, widths)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return self._map_spatial(input_shape, lambda i, n: n + sum(self.padding[i]))

    def get_config(self) -> dict:
        padding = self.padding[0] if self.rank == 1 else self.padding
        return {**super().get_config(), "padding": padding}


class ZeroPadding2D(_ZeroPadding):
    """Pad images with zero rows and columns: (N, H, W, C) → (N, H + t + b, W + l + r, C).

    Args:
        padding: an int p (p on every side), (ph, pw) (symmetric per axis) or
            ((top, bottom), (left, right)); default (1, 1).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.ZeroPadding2D(((1, 0), (2, 1)))(np.ones((1, 3, 3, 2), "float32")).shape
        (1, 4, 6, 2)
    """

    rank = 2

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding1D(_ZeroPadding):
    """Pad sequences with zero steps: (N, steps, C) → (N, before + steps + after, C).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.ZeroPadding1D((1, 2))(np.ones((1, 3, 2), "float32")).shape
        (1, 6, 2)
    """

    rank = 1

    def __init__(self, padding: Any = 1, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(padding, data_format, **kwargs)


class _Cropping(_SpatialLayer):
    def __init__(self, cropping: Any = 0, data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format, **kwargs)
        self.cropping = _pairs(type(self).__name__, "cropping", cropping, self.rank)

    def call(self, inputs: Tensor) -> Tensor:
        index = [slice(None)] * inputs.ndim
        for axis, (lo, hi) in zip(self._spatial_axes(), self.cropping):
            index[axis] = slice(lo, inputs.shape[axis] - hi)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape: Any) -> tuple:
        def size(i: int, n: int) -> int:
            out = n - sum(self.cropping[i])
            if out <= 0:
                raise ValueError(
                    f'Layer "{self.name}": cropping {self.cropping[i]} removes every pixel of a '
                    f"spatial axis of size {n} (input shape {shape_str(tuple(input_shape))})."
                )
            return out

        return self._map_spatial(input_shape, size)

    def build(self, input_shape: Any) -> None:
        if len(input_shape) == self.rank + 2:
            self.compute_output_shape(input_shape)
        self.built = True

    def get_config(self) -> dict:
        cropping = self.cropping[0] if self.rank == 1 else self.cropping
        return {**super().get_config(), "cropping": cropping}


class Cropping2D(_Cropping):
    """Crop rows and columns off images: (N, H, W, C) → (N, H − t − b, W − l − r, C).

    Args:
        cropping: an int, (ch, cw) or ((top, bottom), (left, right)); default no cropping.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.Cropping2D(((1, 0), (2, 1)))(np.ones((1, 5, 5, 2), "float32")).shape
        (1, 4, 2, 2)
    """

    rank = 2

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(cropping, data_format, **kwargs)


class Cropping1D(_Cropping):
    """Crop steps off sequences: (N, steps, C) → (N, steps − before − after, C).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.Cropping1D((1, 2))(np.ones((1, 6, 2), "float32")).shape
        (1, 3, 2)
    """

    rank = 1
    has_data_format = False

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any) -> None:
        super().__init__(cropping, **kwargs)


def _bilinear_matrix(n: int, scale: int, dtype: Any) -> np.ndarray:
    """(n·scale, n) linear-interpolation weights with half-pixel centres (TensorFlow's
    ``resize(method="bilinear")``): source position (i + ½)/scale − ½, clamped to the edges."""
    src = np.clip((np.arange(n * scale) + 0.5) / scale - 0.5, 0, n - 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    frac = src - lo
    m = np.zeros((n * scale, n), dtype=dtype)
    np.add.at(m, (np.arange(n * scale), lo), 1 - frac)
    np.add.at(m, (np.arange(n * scale), hi), frac)
    return m


class _UpSampling(_SpatialLayer):
    interpolations = ("nearest", "bilinear")

    def __init__(self, size: Any = 2, data_format: str | None = None,
                 interpolation: str = "nearest", **kwargs: Any) -> None:  # fmt: skip
        super().__init__(data_format, **kwargs)
        owner = type(self).__name__
        self.size = wa.tuple_arg(owner, "size", size, self.rank)
        if interpolation not in self.interpolations:
            raise ValueError(
                f"{owner}: argument `interpolation` must be one of {self.interpolations}, "
                f"received interpolation={interpolation!r}."
            )
        self.interpolation = interpolation

    def call(self, inputs: Tensor) -> Tensor:
        y = inputs
        for axis, s in zip(self._spatial_axes(), self.size):
            if self.interpolation == "nearest":
                y = ops.repeat(y, s, axis=axis)
            else:
                m = _bilinear_matrix(y.shape[axis], s, y.dtype)
                y = ops.moveaxis(ops.tensordot(m, y, axes=([1], [axis])), 0, axis)
        return y

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return self._map_spatial(input_shape, lambda i, n: n * self.size[i])

    def get_config(self) -> dict:
        config = super().get_config()
        if self.rank == 1:
            return {**config, "size": self.size[0]}
        if self.rank == 3:  # Keras's UpSampling3D only repeats
            return {**config, "size": self.size}
        return {**config, "size": self.size, "interpolation": self.interpolation}


class UpSampling2D(_UpSampling):
    """Repeat rows and columns: (N, H, W, C) → (N, H·sh, W·sw, C).

    Args:
        size: an int or (sh, sw), default (2, 2).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        interpolation: ``"nearest"`` (copy each pixel) or ``"bilinear"`` (TensorFlow's
            half-pixel-centre resize).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.UpSampling2D()(np.ones((1, 7, 7, 16), "float32")).shape
        (1, 14, 14, 16)
    """

    rank = 2

    def __init__(self, size: Any = (2, 2), data_format: str | None = None,
                 interpolation: str = "nearest", **kwargs: Any) -> None:  # fmt: skip
        super().__init__(size, data_format, interpolation, **kwargs)


class UpSampling1D(_UpSampling):
    """Repeat each step ``size`` times: (N, steps, C) → (N, steps·size, C).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.UpSampling1D(3)(np.ones((1, 4, 2), "float32")).shape
        (1, 12, 2)
    """

    rank = 1
    has_data_format = False

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        super().__init__(size, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Pad volumes with zeros: (N, D, H, W, C) → (N, D + d₀ + d₁, H + h₀ + h₁, W + w₀ + w₁, C).

    Args:
        padding: an int p (p on every side), (pd, ph, pw) (symmetric per axis) or
            ((d₀, d₁), (h₀, h₁), (w₀, w₁)); default 1 on every side.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.ZeroPadding3D((1, 0, 2))(np.ones((1, 2, 2, 2, 3), "float32")).shape
        (1, 4, 2, 6, 3)
    """

    rank = 3

    def __init__(self, padding: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(padding, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crop voxels off volumes: (N, D, H, W, C) → (N, D − d₀ − d₁, H − h₀ − h₁, W − w₀ − w₁, C).

    Args:
        cropping: an int, (cd, ch, cw) or ((d₀, d₁), (h₀, h₁), (w₀, w₁)); default 1 on every
            side.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.Cropping3D(((1, 0), 1, (0, 2)))(np.ones((1, 4, 4, 4, 2), "float32")).shape
        (1, 3, 2, 2, 2)
    """

    rank = 3

    def __init__(self, cropping: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(cropping, data_format, **kwargs)


class UpSampling3D(_UpSampling):
    """Repeat voxels along depth, height and width: (N, D, H, W, C) → (N, D·sd, H·sh, W·sw, C).

    Args:
        size: an int or (sd, sh, sw), default (2, 2, 2).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.UpSampling3D((1, 2, 3))(np.ones((1, 2, 2, 2, 4), "float32")).shape
        (1, 2, 4, 6, 4)
    """

    rank = 3
    interpolations = ("nearest",)

    def __init__(self, size: Any = (2, 2, 2), data_format: str | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(size, data_format, **kwargs)
