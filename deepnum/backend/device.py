"""Devices: ``"cpu"`` (NumPy) and ``"cuda"`` / ``"cuda:N"`` (CuPy on an NVIDIA GPU)."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.backend.arrays import _cupy, cupy_available, get_array_module


class Device:
    """Where arrays live: ``Device("cpu")`` or ``Device("cuda:0")``.

    Example:
        >>> device("cpu")
        device(type='cpu')
    """

    def __init__(self, spec: str | Device = "cpu") -> None:
        if isinstance(spec, Device):
            self.type, self.index = spec.type, spec.index
            return
        kind, _, index = str(spec).partition(":")
        if kind not in ("cpu", "cuda", "gpu"):
            raise ValueError(f"device: expected 'cpu', 'cuda' or 'cuda:N', received {spec!r}.")
        self.type = "cuda" if kind == "gpu" else kind
        self.index = int(index) if index else (0 if self.type == "cuda" else None)
        if self.type == "cuda" and not cupy_available():
            raise RuntimeError(
                f"device({spec!r}): CuPy with a CUDA device is required; install the GPU extra "
                "(pip install deepnum[gpu]) on a machine with an NVIDIA GPU."
            )

    @property
    def xp(self) -> Any:
        return _cupy if self.type == "cuda" else np

    def __eq__(self, other: object) -> bool:
        other = Device(other) if isinstance(other, str) else other
        return isinstance(other, Device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        if self.type == "cpu":
            return "device(type='cpu')"
        return f"device(type='cuda', index={self.index})"


def device(spec: str | Device = "cpu") -> Device:
    """Return a Device (PyTorch's ``torch.device``)."""
    return Device(spec)


_DEFAULT = {"device": None}


def set_device(spec: str | Device) -> None:
    """Set the device on which new weights are created (``"cpu"`` or ``"cuda"``)."""
    _DEFAULT["device"] = Device(spec)


def default_device() -> Device:
    return _DEFAULT["device"] or Device("cpu")


def device_of(array: Any) -> Device:
    """The device an array lives on."""
    if get_array_module(array) is np:
        return Device("cpu")
    return Device(f"cuda:{array.device.id}")


def to_device(array: Any, target: str | Device) -> Any:
    """Copy an array to ``target`` (no copy when it is already there)."""
    target = Device(target)
    if device_of(array) == target:
        return array
    if target.type == "cpu":
        return _cupy.asnumpy(array)
    with _cupy.cuda.Device(target.index):
        return _cupy.asarray(array)
