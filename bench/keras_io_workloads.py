"""Workloads from keras.io's examples, built identically in deepnum and PyTorch (same
architecture, initial weights and batches):

* ``conv1d``: "Timeseries classification from scratch" — input (500, 1), three
  Conv1D(64, 3, padding="same") + BatchNormalization + ReLU, GlobalAveragePooling1D,
  Dense(2, softmax), sparse categorical cross-entropy, Adam, batch 32;
* ``autoencoder``: "Convolutional autoencoder" — 28×28×1, Conv2D(32, 3, relu, same) +
  MaxPooling2D(2, same) twice, Conv2DTranspose(32, 3, strides=2, relu, same) twice,
  Conv2D(1, 3, sigmoid, same), binary cross-entropy, Adam, batch 128;
* ``antirectifier``: "Simple custom layer example: Antirectifier" — a layer written with
  ``ops`` (mean, relu, concatenate, matmul: the generic op path, no fused kernel) in the
  example's MLP Dense(256) → Antirectifier → Dense(256) → Antirectifier → Dropout(0.5) →
  Dense(10), sparse categorical cross-entropy from logits, batch 128; trained with Adam like
  the others (the example's RMSprop takes sign-like first steps, lr·√10·sign(g), which turn
  float32 rounding of near-zero gradients into different weights on the two sides, so the twins
  could not be checked against each other after a step).

Each builder takes Adam's ``epsilon``: the twin check uses a tiny one, because Keras adds ε to
√v and PyTorch to √v̂ (31× apart at the first step), which would otherwise separate the weights
whose gradients are near zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np

STEPS = 500  # the FordA series' length


def series_batch(batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, STEPS, 1), dtype=np.float32), rng.integers(0, 2, batch)


def images_batch(batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Images in [0, 1], and the same images as the autoencoder's targets."""
    x = np.random.default_rng(seed).random((batch, 28, 28, 1), dtype=np.float32)
    return x, x


# ------------------------------------------------------------------------ deepnum
def deepnum_conv1d(epsilon: float = 1e-7):
    import deepnum as dn
    from deepnum import layers

    stack: list[Any] = [dn.Input((STEPS, 1))]
    for _ in range(3):
        stack += [
            layers.Conv1D(64, 3, padding="same"),
            layers.BatchNormalization(),
            layers.ReLU(),
        ]
    stack += [layers.GlobalAveragePooling1D(), layers.Dense(2, activation="softmax")]
    model = dn.Sequential(stack)
    model.compile(
        optimizer=dn.optimizers.Adam(epsilon=epsilon), loss="sparse_categorical_crossentropy"
    )
    return model


def deepnum_autoencoder(epsilon: float = 1e-7):
    import deepnum as dn
    from deepnum import layers

    model = dn.Sequential(
        [
            dn.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu", padding="same"),
            layers.MaxPooling2D(2, padding="same"),
            layers.Conv2D(32, 3, activation="relu", padding="same"),
            layers.MaxPooling2D(2, padding="same"),
            layers.Conv2DTranspose(32, 3, strides=2, activation="relu", padding="same"),
            layers.Conv2DTranspose(32, 3, strides=2, activation="relu", padding="same"),
            layers.Conv2D(1, 3, activation="sigmoid", padding="same"),
        ]
    )
    model.compile(optimizer=dn.optimizers.Adam(epsilon=epsilon), loss="binary_crossentropy")
    return model


def antirectifier_class(keras: Any) -> type:
    """keras.io's Antirectifier for ``keras`` (deepnum, or Keras itself), as the example
    writes it."""
    ops = keras.ops

    class Antirectifier(keras.layers.Layer):
        def __init__(self, initializer="he_normal", **kwargs):
            super().__init__(**kwargs)
            self.initializer = keras.initializers.get(initializer)

        def build(self, input_shape):
            output_dim = input_shape[-1]
            self.kernel = self.add_weight(
                shape=(output_dim * 2, output_dim),
                initializer=self.initializer,
                name="kernel",
                trainable=True,
            )

        def call(self, inputs):
            inputs -= ops.mean(inputs, axis=-1, keepdims=True)
            pos = ops.relu(inputs)
            neg = ops.relu(-inputs)
            concatenated = ops.concatenate([pos, neg], axis=-1)
            return ops.matmul(concatenated, self.kernel)

    return Antirectifier


def deepnum_antirectifier(dropout: float = 0.5, epsilon: float = 1e-7):
    import deepnum as dn
    from deepnum import layers

    anti = antirectifier_class(dn)
    model = dn.Sequential(
        [
            dn.Input((784,)),
            layers.Dense(256),
            anti(),
            layers.Dense(256),
            anti(),
            layers.Dropout(dropout),
            layers.Dense(10),
        ]
    )
    model.compile(
        optimizer=dn.optimizers.Adam(epsilon=epsilon),
        loss=dn.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


# ------------------------------------------------------------------------ PyTorch twins
def torch_conv1d(model: Any):
    """PyTorch's (N, C, L) layout: the twin takes ``x.transpose(0, 2, 1)``; Keras's
    BatchNormalization epsilon 1e-3 and momentum 0.99 (PyTorch's 0.01)."""
    import torch

    w = model.get_weights()  # per block: kernel, bias, gamma, beta, moving mean, variance
    mods: list[Any] = []
    for i in range(3):
        conv = torch.nn.Conv1d(1 if i == 0 else 64, 64, 3, padding=1)
        bn = torch.nn.BatchNorm1d(64, eps=1e-3, momentum=0.01)
        k, b, gamma, beta = w[6 * i : 6 * i + 4]
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(k.transpose(2, 1, 0).copy()))
            conv.bias.copy_(torch.from_numpy(b))
            bn.weight.copy_(torch.from_numpy(gamma))
            bn.bias.copy_(torch.from_numpy(beta))
        mods += [conv, bn, torch.nn.ReLU()]
    head = torch.nn.Linear(64, 2)
    _load_linear(head, w[18], w[19])

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body, self.head = torch.nn.Sequential(*mods), head

        def forward(self, x):
            return self.head(self.body(x).mean(dim=2))  # logits; the softmax is in the loss

    return Net(), torch.nn.CrossEntropyLoss()


def torch_autoencoder(model: Any):
    """NCHW; a Keras Conv2DTranspose kernel (kh, kw, out, in) is PyTorch's (in, out, kh, kw).
    Its "same" padding with stride 2 is TensorFlow's (the adjoint of a convolution padded at
    the bottom/right only): PyTorch's unpadded transpose (2n + 1 pixels) without its last row
    and column."""
    import torch

    nn = torch.nn

    class Crop(nn.Module):
        def forward(self, x):
            return x[..., :-1, :-1]

    w = model.get_weights()
    net = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.ConvTranspose2d(32, 32, 3, stride=2),
        Crop(),
        nn.ReLU(),
        nn.ConvTranspose2d(32, 32, 3, stride=2),
        Crop(),
        nn.ReLU(),
        nn.Conv2d(32, 1, 3, padding=1),
        nn.Sigmoid(),
    )
    with torch.no_grad():
        for i, layer in enumerate((net[0], net[3], net[6], net[9], net[12])):
            k = w[2 * i].transpose(3, 2, 0, 1)  # both layouts map to (dim 0, dim 1, kh, kw)
            layer.weight.copy_(torch.from_numpy(k.copy()))
            layer.bias.copy_(torch.from_numpy(w[2 * i + 1]))
    return net, nn.BCELoss()


def torch_antirectifier(model: Any, dropout: float = 0.5):
    import torch

    class Antirectifier(torch.nn.Module):
        def __init__(self, kernel: np.ndarray) -> None:
            super().__init__()
            self.kernel = torch.nn.Parameter(torch.from_numpy(kernel.copy()))

        def forward(self, x):
            x = x - x.mean(dim=-1, keepdim=True)
            return torch.cat([torch.relu(x), torch.relu(-x)], dim=-1) @ self.kernel

    w = model.get_weights()
    dense = [torch.nn.Linear(784, 256), torch.nn.Linear(256, 256), torch.nn.Linear(256, 10)]
    for layer, (k, b) in zip(dense, ((w[0], w[1]), (w[3], w[4]), (w[6], w[7]))):
        _load_linear(layer, k, b)
    net = torch.nn.Sequential(
        dense[0],
        Antirectifier(w[2]),
        dense[1],
        Antirectifier(w[5]),
        torch.nn.Dropout(dropout),
        dense[2],
    )
    return net, torch.nn.CrossEntropyLoss()


def _load_linear(linear: Any, kernel: np.ndarray, bias: np.ndarray) -> None:
    import torch

    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(kernel.T.copy()))
        linear.bias.copy_(torch.from_numpy(bias))


# ------------------------------------------------------------------------ FLOP counts
def conv1d_flops(batch: int) -> float:
    return 3 * 2 * batch * STEPS * 3 * 64 * (1 + 64 + 64)


def autoencoder_flops(batch: int) -> float:
    convs = 28 * 28 * 32 * 9 + 14 * 14 * 32 * 9 * 32  # encoder
    convs += 14 * 14 * 32 * 9 * 32 + 28 * 28 * 32 * 9 * 32 + 28 * 28 * 9 * 32  # decoder
    return 3 * 2 * batch * convs


def antirectifier_flops(batch: int) -> float:
    return 3 * 2 * batch * (784 * 256 + 512 * 256 + 256 * 256 + 512 * 256 + 256 * 10)
