"""Image files and arrays with Keras's names: ``load_img``, ``img_to_array``, ``array_to_img``,
``save_img`` (on Pillow, ``pip install pillow``), and ``smart_resize``.

Arrays are ``(height, width, channels)`` (channels_last) or ``(channels, height, width)``.
"""

from __future__ import annotations

import io
import os
import pathlib
import warnings
from typing import Any

import numpy as np

from deepnum.backend import floatx, image_data_format

COLOR_MODES = {"grayscale": 1, "rgb": 3, "rgba": 4}
PIL_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def pil_image() -> Any:
    """Pillow's ``Image`` module, or an ImportError that says how to install it."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(
            "deepnum's image utilities read and write files with Pillow: pip install pillow "
            '(or pip install "deepnum[all]").'
        ) from error
    return Image


def _data_format(data_format: str | None, caller: str) -> str:
    value = image_data_format() if data_format is None else str(data_format).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            f'{caller}: data_format must be "channels_last" or "channels_first", received '
            f"data_format={data_format!r}."
        )
    return value


def convert_mode(img: Any, color_mode: str, caller: str) -> Any:
    """``img`` in the Pillow mode of ``color_mode`` (16- and 32-bit grayscale stay as they are)."""
    if color_mode == "grayscale":
        return img if img.mode in ("L", "I;16", "I") else img.convert("L")
    if color_mode == "rgba":
        return img if img.mode == "RGBA" else img.convert("RGBA")
    if color_mode == "rgb":
        return img if img.mode == "RGB" else img.convert("RGB")
    raise ValueError(
        f'{caller}: color_mode must be "grayscale", "rgb" or "rgba", received '
        f"color_mode={color_mode!r}."
    )


def load_img(
    path: str | os.PathLike | bytes | io.BytesIO,
    color_mode: str = "rgb",
    target_size: tuple[int, int] | None = None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
) -> Any:
    """Load an image file into a Pillow image, optionally converted and resized.

    Args:
        path: a file path or an ``io.BytesIO``.
        color_mode: ``"rgb"``, ``"rgba"`` or ``"grayscale"``.
        target_size: ``(height, width)`` to resize to, or ``None`` (the file's size).
        interpolation: Pillow's resampling: ``"nearest"``, ``"bilinear"``, ``"bicubic"``,
            ``"hamming"``, ``"box"`` or ``"lanczos"``.
        keep_aspect_ratio: resize the largest centred crop with the target's aspect ratio
            (crop ``h' = min(h, w·th/tw)``, ``w' = min(w, h·tw/th)``, integer division).

    Returns:
        A ``PIL.Image.Image``.

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "x.png")
        >>> save_img(p, np.zeros((4, 6, 3)))
        >>> load_img(p, target_size=(2, 3)).size
        (3, 2)
    """
    Image = pil_image()
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (str, bytes, pathlib.PurePath)):
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"load_img: path must be a path or an io.BytesIO, received {type(path)}.")
    img = convert_mode(img, color_mode, "load_img")
    if target_size is None or img.size == (target_size[1], target_size[0]):
        return img
    if interpolation not in PIL_INTERPOLATIONS:
        raise ValueError(
            f"load_img: interpolation must be one of {', '.join(PIL_INTERPOLATIONS)}; received "
            f"interpolation={interpolation!r}."
        )
    resample = getattr(getattr(Image, "Resampling", Image), interpolation.upper())
    size = (target_size[1], target_size[0])
    if not keep_aspect_ratio:
        return img.resize(size, resample)
    width, height = img.size
    crop_h = min(height, width * target_size[0] // target_size[1])
    crop_w = min(width, height * target_size[1] // target_size[0])
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return img.resize(size, resample, box=[left, top, left + crop_w, top + crop_h])


def img_to_array(img: Any, data_format: str | None = None, dtype: Any = None) -> np.ndarray:
    """A Pillow image (or anything array-like) as a 3-D array.

    Args:
        img: a ``PIL.Image.Image``.
        data_format: ``"channels_last"`` (``(h, w, c)``) or ``"channels_first"`` (``(c, h, w)``);
            ``None``: the configured one.
        dtype: the array's dtype (default ``floatx()``).

    Returns:
        The pixels, with a channel axis of size 1 for grayscale images.

    Example:
        >>> img_to_array(array_to_img(np.ones((2, 3, 1)), scale=False)).shape
        (2, 3, 1)
    """
    data_format = _data_format(data_format, "img_to_array")
    x = np.asarray(img, dtype=dtype or floatx())
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[..., None]
    if x.ndim != 3:
        raise ValueError(f"img_to_array: unsupported image shape {x.shape}; expected 2-D or 3-D.")
    return x.transpose(2, 0, 1) if data_format == "channels_first" else x


def array_to_img(
    x: Any, data_format: str | None = None, scale: bool = True, dtype: Any = None
) -> Any:
    """A 3-D array as a Pillow image (``L``, ``I``, ``RGB`` or ``RGBA`` by its channel count).

    Args:
        x: ``(h, w, c)`` (or ``(c, h, w)`` with channels_first) with ``c`` in 1, 3, 4.
        data_format: the layout of ``x`` (``None``: the configured one).
        scale: map ``[min, max]`` to ``[0, 255]`` first: ``255 (x − min) / (max − min)``.
        dtype: the dtype ``x`` is converted to first (default ``floatx()``).

    Returns:
        A ``PIL.Image.Image`` (values cast to uint8; a 1-channel image above 255 becomes
        32-bit ``I``).

    Example:
        >>> array_to_img(np.random.random((5, 4, 3))).size
        (4, 5)
    """
    Image = pil_image()
    data_format = _data_format(data_format, "array_to_img")
    x = np.array(x, dtype=dtype or floatx())
    if x.ndim != 3:
        raise ValueError(
            f"array_to_img: expected one image of rank 3, received an array of shape {x.shape}."
        )
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x /= top
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return Image.fromarray(x.astype("uint8"), "RGBA" if channels == 4 else "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(
        f"array_to_img: an image needs 1, 3 or 4 channels, received {channels} (shape {x.shape}); "
        "check data_format."
    )


def save_img(
    path: str | os.PathLike | io.IOBase,
    x: Any,
    data_format: str | None = None,
    file_format: str | None = None,
    scale: bool = True,
    **kwargs: Any,
) -> None:
    """Save an array as an image file (see :func:`array_to_img`).

    Args:
        path: a file path or a file object (then give ``file_format``).
        x: the image array.
        data_format: the layout of ``x``.
        file_format: ``"png"``, ``"jpeg"``, ...; default: from the file name's extension.
        scale: map the values to ``[0, 255]`` first.
        **kwargs: passed to ``PIL.Image.Image.save`` (e.g. ``quality=90``).

    Example:
        >>> import tempfile, os
        >>> save_img(os.path.join(tempfile.mkdtemp(), "x.jpg"), np.zeros((2, 2, 3)))
    """
    if file_format is None and isinstance(path, (str, pathlib.PurePath)):
        file_format = pathlib.Path(path).suffix[1:].lower() or None
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn(
            "save_img: JPEG cannot store an alpha channel; saving the RGB channels.", stacklevel=2
        )
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def smart_resize(
    x: Any,
    size: tuple[int, int],
    interpolation: str = "bilinear",
    data_format: str = "channels_last",
) -> np.ndarray:
    """Resize images without distorting them: crop the largest centred window with the
    target's aspect ratio, then resize it (Keras's ``smart_resize``).

    Crop: ``h' = max(min(h, ⌊w·th/tw⌋), 1)``, ``w' = max(min(w, ⌊h·tw/th⌋), 1)``, offsets
    ``⌊(h − h')/2⌋`` and ``⌊(w − w')/2⌋``.

    Args:
        x: ``(h, w, c)`` or ``(n, h, w, c)`` (channels_first: channels before h, w).
        size: ``(th, tw)``.
        interpolation: as ``deepnum.ops.image.resize``.
        data_format: the layout of ``x``.

    Returns:
        A NumPy array of the images at ``size``.

    Example:
        >>> smart_resize(np.ones((4, 8, 3)), (2, 2)).shape
        (2, 2, 3)
    """
    from deepnum.ops.image import resize

    x = np.asarray(x)
    if len(size) != 2:
        raise ValueError(f"smart_resize: size must be (height, width), received size={size!r}.")
    if x.ndim not in (3, 4):
        raise ValueError(
            "smart_resize: expected an image (h, w, c) or a batch (n, h, w, c), received shape "
            f"{x.shape}."
        )
    axis = x.ndim - 3 if data_format == "channels_last" else x.ndim - 2
    height, width = x.shape[axis], x.shape[axis + 1]
    crop_h = max(min(height, int(float(width * size[0]) / size[1])), 1)
    crop_w = max(min(width, int(float(height * size[1]) / size[0])), 1)
    top, left = int(float(height - crop_h) / 2), int(float(width - crop_w) / 2)
    window = [slice(None)] * x.ndim
    window[axis], window[axis + 1] = slice(top, top + crop_h), slice(left, left + crop_w)
    out = resize(x[tuple(window)], size, interpolation=interpolation, data_format=data_format)
    return np.asarray(out)
