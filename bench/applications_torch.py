"""ResNet50 and MobileNetV2 written in PyTorch (NCHW), the twins of ``deepnum.applications``'
(torchvision cannot be installed beside the pinned torch): the same layers in the same order,
with TensorFlow's "same" padding where Keras's models use it, and :func:`load_from_deepnum`
copying a deepnum model's weights into them by Keras layer name.

Layout changes: Conv2D kernels (kh, kw, in, out) → (out, in, kh, kw); DepthwiseConv2D kernels
(kh, kw, channels, 1) → (channels, 1, kh, kw); Dense kernels (in, out) → (out, in);
BatchNormalization's gamma, beta, moving mean and variance → weight, bias, running_mean and
running_var.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - PyTorch's convention
from torch import nn


def _tf_same_pad(x: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    """TensorFlow's "same" padding: the extra row and column go to the bottom and right."""
    pads = []
    for size in (x.shape[3], x.shape[2]):  # F.pad lists the last axis first
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads) if any(pads) else x


def _correct_pad(x: torch.Tensor, kernel: int) -> torch.Tensor:
    """Keras's ``imagenet_utils.correct_pad`` before MobileNetV2's stride-2 depthwise."""
    pads = []
    for size in (x.shape[3], x.shape[2]):
        adjust = 1 - size % 2
        correct = kernel // 2
        pads += [correct - adjust, correct]
    return F.pad(x, pads)


class _ConvBN(nn.Module):
    """A convolution (named as Keras's Conv2D layer) and its BatchNormalization."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, *, conv: str, bn: str,
                 eps: float, bias: bool, groups: int = 1, same: bool = False) -> None:  # fmt: skip
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, bias=bias, groups=groups)
        self.bn = nn.BatchNorm2d(cout, eps=eps)
        self.names, self.kernel, self.stride, self.same = (conv, bn), kernel, stride, same

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.same:
            x = _tf_same_pad(x, self.kernel, self.stride)
        return self.bn(self.conv(x))


# ------------------------------------------------------------------------ ResNet50
class _Bottleneck(nn.Module):
    def __init__(self, cin: int, filters: int, stride: int, shortcut: bool, name: str) -> None:
        super().__init__()
        eps = 1.001e-5

        def unit(i: int, c_in: int, c_out: int, kernel: int, s: int) -> _ConvBN:
            return _ConvBN(c_in, c_out, kernel, s, conv=f"{name}_{i}_conv",
                           bn=f"{name}_{i}_bn", eps=eps, bias=True, same=kernel > 1)  # fmt: skip

        self.shortcut = unit(0, cin, 4 * filters, 1, stride) if shortcut else None
        self.units = nn.ModuleList(
            [
                unit(1, cin, filters, 1, stride),
                unit(2, filters, filters, 3, 1),
                unit(3, filters, 4 * filters, 1, 1),
            ]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.shortcut is None else self.shortcut(x)
        y = F.relu(self.units[0](x))
        y = F.relu(self.units[1](y))
        return F.relu(shortcut + self.units[2](y))


class ResNet50(nn.Module):
    """Keras's ResNet50 (v1: the stride in the first 1×1 convolution of a stage)."""

    def __init__(self, include_top: bool = True, classes: int = 1000) -> None:
        super().__init__()
        self.stem = _ConvBN(3, 64, 7, 2, conv="conv1_conv", bn="conv1_bn", eps=1.001e-5,
                            bias=True)  # fmt: skip
        blocks, cin = [], 64
        for stage, (filters, depth) in enumerate(((64, 3), (128, 4), (256, 6), (512, 3))):
            for i in range(depth):
                stride = 2 if stage > 0 and i == 0 else 1
                name = f"conv{stage + 2}_block{i + 1}"
                blocks.append(_Bottleneck(cin, filters, stride, i == 0, name))
                cin = 4 * filters
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(2048, classes) if include_top else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.stem(F.pad(x, (3, 3, 3, 3))))
        x = F.max_pool2d(F.pad(x, (1, 1, 1, 1)), 3, 2)  # zeros: the inputs are ≥ 0
        x = self.blocks(x)
        if self.fc is None:
            return x
        return torch.softmax(self.fc(x.mean(dim=(2, 3))), dim=-1)


# ------------------------------------------------------------------------ MobileNetV2
def _make_divisible(v: float, divisor: int = 8) -> int:
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


# (filters, stride, expansion) of the 17 inverted residual blocks
_MOBILENET_V2_BLOCKS = (
    (16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6),
    (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6),
    (160, 1, 6), (160, 1, 6), (320, 1, 6),
)  # fmt: skip


class _InvertedResidual(nn.Module):
    def __init__(self, cin: int, filters: int, stride: int, expansion: int, alpha: float,
                 block_id: int) -> None:  # fmt: skip
        super().__init__()
        cout = _make_divisible(int(filters * alpha))
        prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
        hidden = expansion * cin
        kw = {"eps": 1e-3, "bias": False}
        self.expand = (
            _ConvBN(cin, hidden, 1, 1, conv=f"{prefix}expand", bn=f"{prefix}expand_BN", **kw)
            if block_id
            else None
        )
        self.depthwise = _ConvBN(hidden, hidden, 3, stride, conv=f"{prefix}depthwise",
                                 bn=f"{prefix}depthwise_BN", groups=hidden,
                                 same=stride == 1, **kw)  # fmt: skip
        self.project = _ConvBN(hidden, cout, 1, 1, conv=f"{prefix}project",
                               bn=f"{prefix}project_BN", **kw)  # fmt: skip
        self.stride, self.residual = stride, cin == cout and stride == 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x if self.expand is None else F.relu6(self.expand(x))
        if self.stride == 2:
            y = _correct_pad(y, 3)
        y = self.project(F.relu6(self.depthwise(y)))
        return x + y if self.residual else y


class MobileNetV2(nn.Module):
    """Keras's MobileNetV2 with width multiplier ``alpha``."""

    def __init__(self, alpha: float = 1.0, include_top: bool = True, classes: int = 1000) -> None:
        super().__init__()
        cin = _make_divisible(32 * alpha)
        self.stem = _ConvBN(3, cin, 3, 2, conv="Conv1", bn="bn_Conv1", eps=1e-3, bias=False,
                            same=True)  # fmt: skip
        blocks = []
        for block_id, (filters, stride, expansion) in enumerate(_MOBILENET_V2_BLOCKS):
            blocks.append(_InvertedResidual(cin, filters, stride, expansion, alpha, block_id))
            cin = _make_divisible(int(filters * alpha))
        self.blocks = nn.Sequential(*blocks)
        last = _make_divisible(1280 * alpha) if alpha > 1.0 else 1280
        self.head = _ConvBN(cin, last, 1, 1, conv="Conv_1", bn="Conv_1_bn", eps=1e-3,
                            bias=False)  # fmt: skip
        self.fc = nn.Linear(last, classes) if include_top else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu6(self.stem(x))
        x = F.relu6(self.head(self.blocks(x)))
        if self.fc is None:
            return x
        return torch.softmax(self.fc(x.mean(dim=(2, 3))), dim=-1)


# ------------------------------------------------------------------------ weights
def load_from_deepnum(net: nn.Module, model: Any) -> nn.Module:
    """Copy the weights of ``model`` (the deepnum application ``net`` twins) into ``net``."""
    by_name = {layer.name: [np.asarray(w) for w in layer.weights] for layer in model.layers}
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, _ConvBN):
                _load_conv(module.conv, by_name[module.names[0]])
                gamma, beta, mean, variance = by_name[module.names[1]]
                for param, value in zip(
                    (module.bn.weight, module.bn.bias, module.bn.running_mean,
                     module.bn.running_var), (gamma, beta, mean, variance),
                ):  # fmt: skip
                    param.copy_(torch.from_numpy(value))
        fc = getattr(net, "fc", None)
        if fc is not None:
            kernel, bias = by_name["predictions"]
            fc.weight.copy_(torch.from_numpy(kernel.T.copy()))
            fc.bias.copy_(torch.from_numpy(bias))
    return net.eval()


def _load_conv(conv: nn.Conv2d, weights: list[np.ndarray]) -> None:
    kernel = weights[0]
    if conv.groups > 1:  # depthwise (kh, kw, channels, 1) → (channels, 1, kh, kw)
        conv.weight.copy_(torch.from_numpy(kernel.transpose(2, 3, 0, 1).copy()))
    else:
        conv.weight.copy_(torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy()))
    if conv.bias is not None:
        conv.bias.copy_(torch.from_numpy(weights[1]))
