"""Global configuration, as ``keras.config``: float type, epsilon, image data format."""

from __future__ import annotations

from deepnum.backend import epsilon, floatx, set_epsilon, set_floatx

_IMAGE_DATA_FORMAT = "channels_last"


def image_data_format() -> str:
    """The default layout of image tensors: ``"channels_last"`` (NHWC)."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(value: str) -> None:
    """Set the default image layout, ``"channels_last"`` or ``"channels_first"``."""
    global _IMAGE_DATA_FORMAT
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            f"image_data_format must be 'channels_last' or 'channels_first', received {value!r}."
        )
    _IMAGE_DATA_FORMAT = value


def backend() -> str:
    """The name of the array backend (deepnum computes with NumPy, or CuPy on GPU)."""
    return "numpy"


__all__ = [
    "backend",
    "epsilon",
    "floatx",
    "image_data_format",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
]
