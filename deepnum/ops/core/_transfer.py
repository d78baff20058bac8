"""Moving tensors between devices, differentiably (the gradient moves back)."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend.device import Device, device_of
from deepnum.backend.device import to_device as _to_device


class ToDevice(Function):
    def __init__(self, target: Device) -> None:
        self.target = target

    def forward(self, x):
        self.source = device_of(x)
        return _to_device(x, self.target)

    def backward(self, gy):
        return to_device(gy, self.source)


def to_device(x: Any, device: Any) -> Tensor:
    """Return ``x`` on ``device`` (``"cpu"`` or ``"cuda[:N]"``); gradients flow back."""
    x = as_tensor(x)
    target = Device(device)
    if device_of(x.data) == target:
        return x
    return ToDevice(target)(x)
