"""The three workloads in tinygrad (TinyJit-compiled training steps on its CPU device), from
the same initial weights as deepnum's models: the benchmark includes them when tinygrad is
installed and its CPU device works (it compiles kernels with clang)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np


def available() -> bool:
    os.environ.setdefault("DEV", "CPU")  # read by tinygrad when it is imported
    try:
        from tinygrad import Tensor

        Tensor([1.0]).realize()
    except Exception:  # not installed, or no compiler for its CPU device
        return False
    return True


def _params(model: Any, name: str) -> list[np.ndarray]:
    """deepnum's weights in the layouts the tinygrad twins use (NCHW convolutions)."""
    w = model.get_weights()
    if name == "cnn":
        # Kernels (kh, kw, in, out) -> (out, in, kh, kw); the first dense layer reads the
        # flattened (64, 7, 7) map in CHW order instead of deepnum's HWC order.
        dense = w[4].reshape(7, 7, 64, 128).transpose(2, 0, 1, 3).reshape(3136, 128)
        w = [w[0].transpose(3, 2, 0, 1), w[1], w[2].transpose(3, 2, 0, 1), w[3], dense] + w[5:]
    return [np.ascontiguousarray(a) for a in w]


def _mlp(p: list, x: Any) -> Any:
    h = (x @ p[0] + p[1]).relu()
    h = (h @ p[2] + p[3]).relu()
    return h @ p[4] + p[5]


def _cnn(p: list, x: Any) -> Any:
    h = x.conv2d(p[0], p[1], padding=1).relu().max_pool2d((2, 2))
    h = h.conv2d(p[2], p[3], padding=1).relu().max_pool2d((2, 2))
    h = (h.flatten(1) @ p[4] + p[5]).relu()
    return h @ p[6] + p[7]


def _lstm(p: list, tokens: Any) -> Any:
    embed, kernel, recurrent, bias, w_out, b_out = p
    xs = embed[tokens] @ kernel + bias  # (batch, time, 4·units)
    units = recurrent.shape[0]
    h = c = None
    for t in range(xs.shape[1]):
        z = xs[:, t] if h is None else xs[:, t] + h @ recurrent
        i, f = z[:, :units].sigmoid(), z[:, units : 2 * units].sigmoid()
        g, o = z[:, 2 * units : 3 * units].tanh(), z[:, 3 * units :].sigmoid()
        c = i * g if c is None else f * c + i * g
        h = o * c.tanh()
    return (h @ w_out + b_out)[:, 0]


def train_step(name: str, model: Any, x: np.ndarray, y: np.ndarray):
    """A TinyJit training step (forward, loss, backward, Adam) on a copy of the weights."""
    from tinygrad import Context, Tensor, TinyJit, nn

    if name == "cnn":
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    params = [Tensor(a) for a in _params(model, name)]
    opt = nn.optim.Adam(params, lr=1e-3, eps=1e-7)
    xt = Tensor(x.astype(np.int32) if name == "lstm" else x)
    yt = Tensor(y.astype(np.float32) if name == "lstm" else y.astype(np.int32))
    forward = {"mlp": _mlp, "cnn": _cnn, "lstm": _lstm}[name]

    @TinyJit
    def update() -> Any:
        with Context(TRAINING=1):
            opt.zero_grad()
            out = forward(params, xt)
            if name == "lstm":
                loss = out.binary_crossentropy_logits(yt)
            else:
                loss = out.sparse_categorical_crossentropy(yt)
            loss.backward()
            return loss.realize(*opt.schedule_step())  # the loss of the weights before it

    def step() -> Any:
        return update().numpy()

    return step
