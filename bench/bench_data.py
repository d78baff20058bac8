"""Input pipeline throughput: ``image_dataset_from_directory`` over 10,000 small PNGs, one epoch
(listing, decoding, resizing, batching), deepnum against Keras on the PyTorch backend.

Keras's own ``image_dataset_from_directory`` needs TensorFlow (``format="tf"``) or Grain
(``format="grain"``); without them the reference runs Keras's pipeline for ``format="grain"``
by hand: ``dataset_utils.index_directory`` (listing and seeded shuffle), Keras's per-image
loader ``_load_image_grain`` (Pillow, then ``keras.ops.image.resize`` on PyTorch) mapped over
a thread pool as Grain's iterator does (one thread per core here), and Keras's
``grain_utils.make_batch`` (``ops.stack``) for each batch of 32.

``python -m bench.bench_data`` runs it on its own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from bench.harness import Pair, interleave

N_IMAGES = 10_000
CLASSES = 10
SOURCE = (32, 32)
BATCH = 32


def make_pngs(root: str, n: int = N_IMAGES, seed: int = 0) -> str:
    """``n`` random 32x32 RGB PNGs in ``CLASSES`` class folders (written once per run)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for c in range(CLASSES):
        os.makedirs(os.path.join(root, f"class_{c}"), exist_ok=True)
    for i in range(n):
        pixels = rng.integers(0, 256, (*SOURCE, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(os.path.join(root, f"class_{i % CLASSES}", f"{i:05d}.png"))
    return root


def deepnum_epoch(root: str, image_size: tuple[int, int]) -> int:
    from deepnum.utils import image_dataset_from_directory

    ds = image_dataset_from_directory(
        root, image_size=image_size, batch_size=BATCH, seed=1, verbose=False
    )
    return sum(len(y) for _, y in ds)


def keras_epoch(root: str, image_size: tuple[int, int], pool: ThreadPoolExecutor) -> int:
    from keras.src.utils import dataset_utils
    from keras.src.utils.grain_utils import make_batch
    from keras.src.utils.image_dataset_utils import ALLOWLIST_FORMATS, _load_image_grain

    paths, labels, _ = dataset_utils.index_directory(
        root, "inferred", ALLOWLIST_FORMATS, shuffle=True, seed=1, verbose=False
    )
    args = (image_size, 3, "bilinear", "channels_last", False, False)
    images = pool.map(lambda p: _load_image_grain(p, *args), paths)
    count, batch = 0, []
    for image, label in zip(images, labels):
        batch.append((image, label))
        if len(batch) == BATCH:
            count += len(make_batch(batch)[1])
            batch = []
    if batch:
        count += len(make_batch(batch)[1])
    return count


def image_dataset_pairs(repeats: int) -> list[Pair]:
    """One row per target size: the PNGs' own size (no resampling needed) and 2x."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    root = tempfile.mkdtemp(prefix="deepnum-bench-pngs-")
    pairs = []
    try:
        make_pngs(root)
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            for size in (SOURCE, (2 * SOURCE[0], 2 * SOURCE[1])):
                assert deepnum_epoch(root, size) == keras_epoch(root, size, pool) == N_IMAGES
                pairs.append(
                    interleave(
                        f"image_dataset_from_directory, {N_IMAGES:,} PNGs 32x32 -> "
                        f"{size[0]}x{size[1]}, one epoch (batch {BATCH})",
                        lambda size=size: deepnum_epoch(root, size),
                        lambda size=size: keras_epoch(root, size, pool),
                        warmup=1,
                        repeats=repeats,
                        samples_per_step=N_IMAGES,
                        ref_name="Keras (PyTorch backend)",
                    )
                )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return pairs


if __name__ == "__main__":
    import argparse

    from bench import machine
    from bench.harness import HEADER, markdown_table

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    machine.set_threads(args.threads)
    print(markdown_table(HEADER, [p.row() for p in image_dataset_pairs(args.repeats)]))
