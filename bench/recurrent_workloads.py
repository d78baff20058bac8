"""Recurrent workloads beyond the LSTM, built identically in deepnum and PyTorch (same
architecture, initial weights and batches): a ConvLSTM2D next-frame model (keras.io's "Next-frame
video prediction with convolutional LSTMs", scaled down) and an RNN over a user-defined cell
(the ``MinimalRNNCell`` of Keras's RNN documentation), whose PyTorch twin is the idiomatic
Python loop over a cell module."""

from __future__ import annotations

from typing import Any

import numpy as np

# ConvLSTM next-frame: clips of FRAMES frames of SIZE×SIZE pixels, FILTERS channels.
FRAMES, SIZE, FILTERS = 10, 32, 16
# RNN(custom cell): STEPS steps of FEATURES features, UNITS units.
STEPS, FEATURES, UNITS = 50, 32, 64


def frames_batch(batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Moving-square clips: inputs are frames 0..T-2, targets frames 1..T-1 (keras.io's shift)."""
    rng = np.random.default_rng(seed)
    clips = np.zeros((batch, FRAMES + 1, SIZE, SIZE, 1), np.float32)
    for b in range(batch):
        r, c = rng.integers(0, SIZE - 8, 2)
        dr, dc = rng.integers(-2, 3, 2)
        for t in range(FRAMES + 1):
            rr, cc = np.clip(r + dr * t, 0, SIZE - 8), np.clip(c + dc * t, 0, SIZE - 8)
            clips[b, t, rr : rr + 8, cc : cc + 8] = 1.0
    return clips[:, :-1], clips[:, 1:]


def sequence_batch(batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, STEPS, FEATURES)).astype(np.float32)
    return x, rng.standard_normal((batch, 1)).astype(np.float32)


# ------------------------------------------------------------------------ deepnum
def deepnum_convlstm():
    import deepnum as dn
    from deepnum import layers

    model = dn.Sequential(
        [
            dn.Input((FRAMES, SIZE, SIZE, 1)),
            layers.ConvLSTM2D(FILTERS, 3, padding="same", return_sequences=True),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def minimal_cell_class(keras: Any) -> type:
    """Keras's documented MinimalRNNCell, for ``keras`` (deepnum or Keras)."""

    class MinimalRNNCell(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(
                shape=(input_shape[-1], self.units), initializer="uniform", name="kernel"
            )
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, self.units), initializer="uniform", name="recurrent_kernel"
            )

        def call(self, inputs, states):
            prev_output = states[0]
            h = keras.ops.matmul(inputs, self.kernel)
            output = h + keras.ops.matmul(prev_output, self.recurrent_kernel)
            return output, [output]

    return MinimalRNNCell


def deepnum_rnn_cell():
    import deepnum as dn
    from deepnum import layers

    model = dn.Sequential(
        [
            dn.Input((STEPS, FEATURES)),
            layers.RNN(minimal_cell_class(dn)(UNITS)),
            layers.Dense(1),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    return model


# ------------------------------------------------------------------------ PyTorch twins
def torch_convlstm(model: Any):
    """A ConvLSTM in PyTorch as its users write it: per step, one Conv2d over the input frame
    and the hidden state concatenated along channels, then the gates (Keras's order i, f, c,
    o); a Linear head on every pixel."""
    import torch

    class ConvLSTM(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(1 + FILTERS, 4 * FILTERS, 3, padding=1)
            self.head = torch.nn.Linear(FILTERS, 1)

        def forward(self, x):  # x: (batch, time, 1, H, W)
            h = x.new_zeros(x.shape[0], FILTERS, SIZE, SIZE)
            c = torch.zeros_like(h)
            outputs = []
            for t in range(x.shape[1]):
                z = self.conv(torch.cat([x[:, t], h], dim=1))
                i, f, g, o = torch.split(z, FILTERS, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
                outputs.append(h)
            y = torch.stack(outputs, dim=1).permute(0, 1, 3, 4, 2)  # channels last for the head
            return self.head(y)

    kernel, recurrent, bias, dense, dense_bias = model.get_weights()
    net = ConvLSTM()
    with torch.no_grad():
        weight = np.concatenate([kernel, recurrent], axis=2).transpose(3, 2, 0, 1)
        net.conv.weight.copy_(torch.from_numpy(weight.copy()))
        net.conv.bias.copy_(torch.from_numpy(bias))
        net.head.weight.copy_(torch.from_numpy(dense.T.copy()))
        net.head.bias.copy_(torch.from_numpy(dense_bias))
    return net, torch.nn.BCEWithLogitsLoss()


def torch_rnn_cell(model: Any):
    """The same custom cell as a PyTorch module, run by a Python loop over time."""
    import torch

    class MinimalCell(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.kernel = torch.nn.Parameter(torch.empty(FEATURES, UNITS))
            self.recurrent_kernel = torch.nn.Parameter(torch.empty(UNITS, UNITS))

        def forward(self, x, h):
            return x @ self.kernel + h @ self.recurrent_kernel

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cell = MinimalCell()
            self.head = torch.nn.Linear(UNITS, 1)

        def forward(self, x):
            h = x.new_zeros(x.shape[0], UNITS)
            for t in range(x.shape[1]):
                h = self.cell(x[:, t], h)
            return self.head(h)

    kernel, recurrent, dense, dense_bias = model.get_weights()
    net = Net()
    with torch.no_grad():
        net.cell.kernel.copy_(torch.from_numpy(kernel))
        net.cell.recurrent_kernel.copy_(torch.from_numpy(recurrent))
        net.head.weight.copy_(torch.from_numpy(dense.T.copy()))
        net.head.bias.copy_(torch.from_numpy(dense_bias))
    return net, torch.nn.MSELoss()


def torch_frames(x: np.ndarray) -> Any:
    """(batch, time, H, W, 1) → PyTorch's (batch, time, 1, H, W)."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 1, 4, 2, 3)))


# ------------------------------------------------------------------------ FLOP counts
def convlstm_flops(batch: int) -> float:
    pixels = batch * FRAMES * SIZE * SIZE
    return 3 * 2 * pixels * (9 * (1 + FILTERS) * 4 * FILTERS + FILTERS)


def rnn_cell_flops(batch: int) -> float:
    return 3 * 2 * batch * STEPS * (FEATURES * UNITS + UNITS * UNITS)
