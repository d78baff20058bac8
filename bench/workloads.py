"""The reference workloads, built identically in deepnum (NHWC) and PyTorch (NCHW): same
architecture, same initial weights, same batches."""

from __future__ import annotations

from typing import Any

import numpy as np


def mnist_batch(batch: int, seed: int = 0, flat: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((batch, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    return (x.reshape(batch, 784), y) if flat else (x, y)


def imdb_batch(batch: int, steps: int = 200, vocab: int = 10000, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.integers(1, vocab, (batch, steps)), rng.integers(0, 2, batch).astype(np.float32)


# ------------------------------------------------------------------------ deepnum
def deepnum_mlp():
    import deepnum as dn
    from deepnum import layers

    model = dn.Sequential(
        [
            dn.Input((784,)),
            layers.Dense(512, activation="relu"),
            layers.Dense(256, activation="relu"),
            layers.Dense(10),
        ]
    )
    model.compile(optimizer="adam", loss=dn.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def deepnum_cnn():
    import deepnum as dn
    from deepnum import layers

    model = dn.Sequential(
        [
            dn.Input((28, 28, 1)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(10),
        ]
    )
    model.compile(optimizer="adam", loss=dn.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def deepnum_lstm(steps: int = 200):
    import deepnum as dn
    from deepnum import layers

    model = dn.Sequential(
        [
            dn.Input((steps,), dtype="int64"),
            layers.Embedding(10000, 64),
            layers.LSTM(64),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


# ------------------------------------------------------------------------ PyTorch twins
def torch_mlp(model: Any):
    import torch

    w = model.get_weights()
    net = torch.nn.Sequential(
        torch.nn.Linear(784, 512),
        torch.nn.ReLU(),
        torch.nn.Linear(512, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 10),
    )
    _load_linear(net[0], w[0], w[1])
    _load_linear(net[2], w[2], w[3])
    _load_linear(net[4], w[4], w[5])
    return net, torch.nn.CrossEntropyLoss()


def torch_cnn(model: Any):
    import torch

    w = model.get_weights()
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(3136, 128),
        torch.nn.ReLU(),
        torch.nn.Linear(128, 10),
    )
    with torch.no_grad():
        for conv, k, b in ((net[0], w[0], w[1]), (net[3], w[2], w[3])):
            conv.weight.copy_(torch.from_numpy(k.transpose(3, 2, 0, 1).copy()))
            conv.bias.copy_(torch.from_numpy(b))
    # deepnum flattens (7, 7, 64) in HWC order, PyTorch (64, 7, 7) in CHW order.
    dense = w[4].reshape(7, 7, 64, 128).transpose(2, 0, 1, 3).reshape(3136, 128)
    _load_linear(net[7], dense, w[5])
    _load_linear(net[9], w[6], w[7])
    return net, torch.nn.CrossEntropyLoss()


def torch_lstm(model: Any):
    import torch

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = torch.nn.Embedding(10000, 64)
            self.lstm = torch.nn.LSTM(64, 64, batch_first=True)
            self.head = torch.nn.Linear(64, 1)

        def forward(self, tokens):
            _, (h, _) = self.lstm(self.embed(tokens))
            return self.head(h[-1]).squeeze(1)

    w = model.get_weights()
    net = Net()
    with torch.no_grad():
        # Keras's gate order i, f, c, o is PyTorch's i, f, g, o; kernels are transposed.
        net.embed.weight.copy_(torch.from_numpy(w[0]))
        net.lstm.weight_ih_l0.copy_(torch.from_numpy(w[1].T.copy()))
        net.lstm.weight_hh_l0.copy_(torch.from_numpy(w[2].T.copy()))
        net.lstm.bias_ih_l0.copy_(torch.from_numpy(w[3]))
        net.lstm.bias_hh_l0.zero_()
    _load_linear(net.head, w[4], w[5])
    return net, torch.nn.BCEWithLogitsLoss()


def _load_linear(linear: Any, kernel: np.ndarray, bias: np.ndarray) -> None:
    import torch

    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(kernel.T.copy()))
        linear.bias.copy_(torch.from_numpy(bias))


def torch_step(net: Any, loss_fn: Any, optimizer: Any, x: Any, y: Any):
    """One idiomatic eager PyTorch step: zero_grad, forward, loss, backward, step."""

    def step() -> float:
        optimizer.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


# ------------------------------------------------------------------------ FLOP counts
def mlp_flops(batch: int) -> float:
    return 3 * 2 * batch * (784 * 512 + 512 * 256 + 256 * 10)


def cnn_flops(batch: int) -> float:
    conv = 28 * 28 * 32 * 9 * 1 + 14 * 14 * 64 * 9 * 32
    dense = 3136 * 128 + 128 * 10
    return 3 * 2 * batch * (conv + dense)


def lstm_flops(batch: int, steps: int = 200) -> float:
    return 3 * 2 * batch * steps * (64 * 256 * 2)
