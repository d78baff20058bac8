"""Contrast from the histogram of pixel values (Keras's layers): ``Equalization``,
``AutoContrast`` and ``ContrastLimitedAdaptiveHistogramEqualization`` (CLAHE)."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import is_int_dtype
from deepnum.layers.preprocessing.image_preprocessing.base import value_range_pair
from deepnum.layers.preprocessing.image_preprocessing.random_color import ColorLayer
from deepnum.ops.core import cast, convert_to_tensor, saturate_cast
from deepnum.ops.numpy import amax, amin, clip, isnan, round, where

__all__ = ["AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization", "Equalization"]


def _lookup_table(hist: Any, xp: Any) -> Any:
    """255·(cdf − cdf_min)/(cdf_max − cdf_min), rounded half to even and clipped to
    [0, 255], in float32 (cdf_min: the first non-zero count)."""
    cdf = xp.cumsum(hist)
    cdf_min = cdf[int(xp.flatnonzero(cdf)[0])]
    denominator = cdf[-1] - cdf_min
    denominator = 1 if int(denominator) == 0 else denominator
    table = ((cdf - cdf_min) * 255).astype("float32") / xp.float32(denominator)
    return xp.clip(xp.round(table), 0, 255)


class Equalization(ColorLayer):
    """Equalize the histogram of each channel while training.

    Per channel, over the whole batch (as Keras does), with the values v in [0, 255] and
    ``bins`` bins: the histogram of ⌊v·(bins − 1)/255⌋, its cumulative sum cdf, then
    y = round(255·(cdf[i] − cdf_min)/(cdf_max − cdf_min)) at i = ⌊v/255·(bins − 1)⌋. A
    channel whose values fall in one bin is left as it is.

    Args:
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        bins: the number of histogram bins (default 256).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np
        >>> x = np.array([[[10.0], [10.0], [20.0], [30.0]]], "float32")
        >>> Equalization()(x).numpy().ravel().tolist()
        [0.0, 0.0, 128.0, 255.0]
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self, value_range: Any = (0, 255), bins: int = 256, data_format: str | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(bins, bool) or not isinstance(bins, int) or bins < 2:
            raise ValueError(f"Equalization: `bins` must be an integer ≥ 2. Received: {bins!r}")
        self.bins = bins
        self.value_range = value_range_pair(value_range, "Equalization")

    def _equalize_channel(self, channel: Any, xp: Any) -> Any:
        lo, hi = self.value_range
        scale = xp.float32(255.0 / (hi - lo))
        channel = channel * scale + xp.float32(-lo * 255.0 / (hi - lo))
        index = (channel * xp.float32(self.bins - 1) / xp.float32(255.0)).astype("int32")
        hist = xp.bincount(xp.clip(index, 0, self.bins - 1).ravel(), minlength=self.bins)
        if int(xp.count_nonzero(hist)) > 1:
            position = xp.clip(channel / xp.float32(255.0) * xp.float32(self.bins - 1), 0,
                               self.bins - 1).astype("int32")  # fmt: skip
            channel = _lookup_table(hist, xp)[position]
        return (channel - xp.float32(-lo * 255.0 / (hi - lo))) / scale

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True):
        images = convert_to_tensor(images)
        if not training:
            return images
        x = cast(images, self.compute_dtype).data
        xp = images.xp
        axis = self._axes(x.ndim)[2]
        channels = [
            self._equalize_channel(xp.take(x, c, axis=axis), xp) for c in range(x.shape[axis])
        ]
        out = xp.stack(channels, axis=axis).astype(self.compute_dtype)
        return Tensor._make(out)

    def get_config(self) -> dict:
        return {**super().get_config(), "bins": self.bins, "value_range": self.value_range}


class AutoContrast(ColorLayer):
    """Stretch each channel of each image to the full value range.

    y = (x − min)·(high − low)/(max − min) + low, with min and max over the image's height
    and width; a constant channel is left as it is. Applied at inference too (it is not
    random), as in Keras.

    Args:
        value_range: the (low, high) range of the pixel values (default (0, 255)).

    Example:
        >>> import numpy as np
        >>> AutoContrast()(np.array([[[50.0], [100.0]]], "float32")).numpy().ravel().tolist()
        [0.0, 255.0]
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range: Any = (0, 255), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.value_range = value_range_pair(value_range, "AutoContrast")

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True):
        original = convert_to_tensor(images)
        dtype = self.compute_dtype
        x = self._transform_value_range(original, self.value_range, (0, 255), dtype=dtype)
        x = cast(x, dtype)
        h_axis, w_axis, _ = self._axes(x.ndim)
        low = amin(x, axis=(h_axis, w_axis), keepdims=True)
        span = amax(x, axis=(h_axis, w_axis), keepdims=True) - low
        # Where max = min, Keras's 255/0 gives NaN and the original pixel is kept.
        scale = where(span > 0, 255.0 / where(span > 0, span, 1.0), float("nan"))
        out = clip(x * scale - low * scale, 0.0, 255.0)
        out = self._transform_value_range(out, (0, 255), self.value_range, dtype=dtype)
        out = where(isnan(out), cast(original, dtype), out)
        if out.dtype == original.dtype:
            return out
        if is_int_dtype(original.dtype):
            return saturate_cast(round(out), original.dtype)
        return cast(out, original.dtype) if original.dtype.kind == "f" else out

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range}


class ContrastLimitedAdaptiveHistogramEqualization(ColorLayer):
    """Contrast-limited adaptive histogram equalization (CLAHE), Keras's algorithm.

    The image is cut into ``tile_grid_size`` tiles (padded symmetrically to a multiple);
    each tile's 256-bin histogram is clipped at clip_limit·(tile area)/256 with the excess
    spread evenly, turned into a cumulative lookup table, and each pixel's value is the
    bilinear blend of the tables of the four nearest tile centres. Applied at inference too.
    The clip is clip_limit·area/256 as Keras computes it on its NumPy, JAX and TensorFlow
    backends; its PyTorch backend counts the histogram in integers and truncates the clip.

    Args:
        value_range: the (low, high) range of the pixel values (default (0, 255)).
        clip_limit: the histogram clip, in multiples of a flat histogram (0: no clipping).
        tile_grid_size: (rows, columns) of tiles (default (8, 8)).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Example:
        >>> import numpy as np
        >>> x = np.random.default_rng(0).uniform(0, 255, (1, 8, 8, 1)).astype("float32")
        >>> ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))(x).shape
        (1, 8, 8, 1)
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self, value_range: Any = (0, 255), clip_limit: float = 4.0,
        tile_grid_size: Any = (8, 8), data_format: str | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        value_range_pair(value_range, "ContrastLimitedAdaptiveHistogramEqualization")
        self.value_range, self.clip_limit, self.tile_grid_size = (
            value_range,
            clip_limit,
            tile_grid_size,
        )

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True):
        from deepnum.layers.preprocessing.image_preprocessing._clahe import clahe

        images = convert_to_tensor(images)
        dtype = images.dtype
        x = self._transform_value_range(images, self.value_range, (0, 255), dtype="float32")
        data = cast(x, "float32").data
        xp = images.xp
        batched = data.ndim == 4
        data = data if batched else data[None]
        if self.data_format == "channels_first":
            data = xp.moveaxis(data, 1, -1)
        out = clahe(data, tuple(self.tile_grid_size), float(self.clip_limit))
        if self.data_format == "channels_first":
            out = xp.moveaxis(out, -1, 1)
        out = Tensor._make(xp.ascontiguousarray(out if batched else out[0]))
        out = self._transform_value_range(out, (0, 255), self.value_range, dtype="float32")
        return cast(out, dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "clip_limit": self.clip_limit, "tile_grid_size": self.tile_grid_size}  # fmt: skip
