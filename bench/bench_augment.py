"""Augmentation throughput: RandomFlip + RandomRotation + RandomZoom on a batch of 128 RGB
64x64 images (training=True), deepnum against the same Keras layers on the PyTorch backend.

Both sides run the three layers eagerly on a batch already in their own tensor type (a
deepnum Tensor, a torch tensor), with the same arguments and seeds. Keras's PyTorch backend
warps each image with its own ``map_coordinates`` call (a gather of the eight corners of every
(y, x, channel) point); deepnum warps the whole batch with one weighted gather of pixels.

``python -m bench --only augment`` adds the row to the report; ``python -m bench.bench_augment``
runs it on its own.
"""

from __future__ import annotations

import os

import numpy as np

from bench.harness import Pair, interleave

BATCH, SIZE = 128, 64


def _pipeline(layers):
    return [
        layers.RandomFlip("horizontal", seed=1),
        layers.RandomRotation(0.1, seed=2),
        layers.RandomZoom(0.2, seed=3),
    ]


def _run(pipeline, x):
    for layer in pipeline:
        x = layer(x, training=True)
    return x


def augment_pair(repeats: int) -> Pair:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras
    import torch

    import deepnum as dn

    images = np.random.default_rng(0).uniform(0, 255, (BATCH, SIZE, SIZE, 3)).astype("float32")
    x_dn, x_torch = dn.tensor(images), torch.from_numpy(images)
    ours, ref = _pipeline(dn.layers), _pipeline(keras.layers)
    assert _run(ours, x_dn).shape == tuple(_run(ref, x_torch).shape) == images.shape
    return interleave(
        f"RandomFlip + RandomRotation + RandomZoom, batch {BATCH} of {SIZE}x{SIZE} RGB (training)",
        lambda: _run(ours, x_dn),
        lambda: _run(ref, x_torch),
        warmup=1,
        repeats=repeats,
        samples_per_step=BATCH,
        ref_name="Keras (PyTorch backend)",
    )


if __name__ == "__main__":
    import argparse

    from bench import machine
    from bench.harness import HEADER, markdown_table

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    machine.set_threads(args.threads)
    pair = augment_pair(args.repeats)
    print(markdown_table(HEADER, [pair.row()]))
    print("per-turn ratios:", ", ".join(f"{r:.4f}" for r in pair.ratios))
