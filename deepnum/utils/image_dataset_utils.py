"""``image_dataset_from_directory``: a dataset of images read from class subfolders, decoded a
batch at a time (Keras's function, its arguments, file order, splits and outputs).

Images are decoded with Pillow (converted to the ``color_mode`` as Keras's Pillow path does),
stacked by size and resized with ``deepnum.ops.image.resize`` (Keras's ``ops.image.resize``
numbers; an image already at ``image_size`` is not resampled, which is exact for every method),
the files of a batch decoded in a few threads (Pillow releases the GIL), then resized together.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from deepnum.data import Dataset
from deepnum.utils import dataset_utils
from deepnum.utils.image_utils import COLOR_MODES, convert_mode, pil_image

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")
_KERAS_ONLY_ON_TF = ("gaussian", "mitchellcubic")
CALLER = "image_dataset_from_directory"
_DECODE_THREADS = max(1, min(4, os.cpu_count() or 1))


_POOL: list[ThreadPoolExecutor] = []
_POOL_LOCK = threading.Lock()


def _decoder_pool() -> ThreadPoolExecutor:
    """The decoding threads, shared by every image dataset (created on first use)."""
    with _POOL_LOCK:
        if not _POOL:
            _POOL.append(ThreadPoolExecutor(_DECODE_THREADS, "deepnum-images"))
        return _POOL[0]


def _decode(path: str, color_mode: str) -> np.ndarray:
    """One image file as ``(h, w, c)`` pixels in the file's integer dtype."""
    Image = pil_image()
    try:
        with Image.open(path) as img:
            pixels = np.asarray(convert_mode(img, color_mode, CALLER))
    except (OSError, ValueError, SyntaxError) as error:  # Pillow's errors for bad files
        raise ValueError(f"{CALLER}: cannot decode the image file {path}: {error}") from error
    return pixels[..., None] if pixels.ndim == 2 else pixels


class ImageLoader:
    """Decodes, resizes and stacks a batch of image files (see the module docstring)."""

    def __init__(
        self,
        image_size: tuple[int, int] | None,
        color_mode: str,
        interpolation: str,
        data_format: str,
        crop_to_aspect_ratio: bool,
        pad_to_aspect_ratio: bool,
    ) -> None:
        self.image_size, self.color_mode = image_size, color_mode
        self.interpolation, self.data_format = interpolation, data_format
        self.crop, self.pad = crop_to_aspect_ratio, pad_to_aspect_ratio

    def __call__(self, paths: np.ndarray) -> np.ndarray:
        paths = [str(p) for p in paths]
        if len(paths) > 1 and _DECODE_THREADS > 1:
            images = list(_decoder_pool().map(self._decode, paths))
        else:
            images = [self._decode(p) for p in paths]
        out = self._stack(images, paths)  # one resize per batch (and size): one set of GEMMs
        return out.transpose(0, 3, 1, 2) if self.data_format == "channels_first" else out

    def _decode(self, path: str) -> np.ndarray:
        return _decode(path, self.color_mode)

    def _stack(self, images: list[np.ndarray], paths: list[str]) -> np.ndarray:
        if self.image_size is None:
            sizes = {img.shape[:2] for img in images}
            if len(sizes) > 1:
                first = images[0].shape[:2]
                other = next(i for i, img in enumerate(images) if img.shape[:2] != first)
                raise ValueError(
                    f"{CALLER}: with image_size=None all images must have one size, but "
                    f"{paths[0]} is {first[0]}x{first[1]} and {paths[other]} is "
                    f"{images[other].shape[0]}x{images[other].shape[1]}; pass "
                    "image_size=(height, width) to resize them."
                )
            return np.stack(images).astype("float32")
        groups: dict[tuple[int, int], list[int]] = {}
        for i, img in enumerate(images):
            groups.setdefault(img.shape[:2], []).append(i)
        if len(groups) == 1:  # the usual case: one size, no reordering
            batch = np.stack(images).astype("float32")
            return batch if images[0].shape[:2] == self.image_size else self._resize(batch)
        out = np.empty((len(images), *self.image_size, images[0].shape[2]), dtype="float32")
        for size, rows in groups.items():
            batch = np.stack([images[i] for i in rows]).astype("float32")
            out[rows] = batch if size == self.image_size else self._resize(batch)
        return out

    def _resize(self, batch: np.ndarray) -> np.ndarray:
        if self.crop or self.pad or self.interpolation.startswith("lanczos"):
            from deepnum.ops.image import resize

            resized = resize(
                batch,
                self.image_size,
                interpolation=self.interpolation,
                crop_to_aspect_ratio=self.crop,
                pad_to_aspect_ratio=self.pad,
                data_format="channels_last",
            )
            return np.asarray(resized)
        return resize_batch(batch, self.image_size, self.interpolation)


def resize_batch(batch: np.ndarray, size: tuple[int, int], interpolation: str) -> np.ndarray:
    """``(n, h, w, c)`` float32 images resized to ``size`` with the weights of
    ``deepnum.ops.image.resize`` (width, then height), for the bilinear, bicubic, area and
    nearest kernels.

    The weights are applied as stacks of small matrix products, one per image row and then one
    per image, which BLAS runs on the calling thread: a loading thread does not start BLAS
    threads that would compete with the model's (one large product per batch can be ten times
    slower when the cores are busy).
    """
    from deepnum.ops.image._resize_weights import nearest_indices, resize_matrix

    n, height, width, channels = batch.shape
    target_h, target_w = size
    out = batch
    if width != target_w:
        if interpolation == "nearest":
            out = np.take(out, nearest_indices(np, width, target_w), axis=2)
        else:  # (tw, w) @ (w, c) for every image row
            out = np.matmul(
                resize_matrix(np, interpolation, width, target_w, "float32", False), out
            )
    if height != target_h:
        if interpolation == "nearest":
            out = np.take(out, nearest_indices(np, height, target_h), axis=1)
        else:  # (th, h) @ (h, tw * c) for every image
            matrix = resize_matrix(np, interpolation, height, target_h, "float32", False)
            rows = out.reshape(n, height, target_w * channels)
            out = np.matmul(matrix, rows).reshape(n, target_h, target_w, channels)
    return out


def _check_image_args(
    color_mode: Any, image_size: Any, interpolation: Any, crop: bool, pad: bool, format: Any
) -> tuple[int, tuple[int, int] | None, str]:
    if color_mode not in COLOR_MODES:
        raise ValueError(
            f'{CALLER}: color_mode must be "rgb", "rgba" or "grayscale", received '
            f"color_mode={color_mode!r}."
        )
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif image_size is not None:
        if not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
            raise ValueError(
                f"{CALLER}: image_size must be (height, width), received image_size={image_size!r}."
            )
        image_size = (int(image_size[0]), int(image_size[1]))
    interpolation = str(interpolation).lower()
    if interpolation in _KERAS_ONLY_ON_TF:
        raise ValueError(
            f"{CALLER}: interpolation={interpolation!r} exists only in TensorFlow's resize; "
            f"use one of {INTERPOLATIONS}."
        )
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"{CALLER}: interpolation must be one of {INTERPOLATIONS}, received "
            f"interpolation={interpolation!r}."
        )
    if crop and pad:
        raise ValueError(
            f"{CALLER}: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True."
        )
    if format not in ("tf", "grain"):
        raise ValueError(f'{CALLER}: format must be "tf" or "grain", received format={format!r}.')
    return COLOR_MODES[color_mode], image_size, interpolation


def image_dataset_from_directory(
    directory: str | os.PathLike,
    labels: Any = "inferred",
    label_mode: str | None = "int",
    class_names: list[str] | None = None,
    color_mode: str = "rgb",
    batch_size: int | None = 32,
    image_size: tuple[int, int] = (256, 256),
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    interpolation: str = "bilinear",
    follow_links: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    data_format: str | None = None,
    format: str = "tf",
    verbose: bool = True,
) -> Dataset | list[Dataset]:
    """A dataset of ``(images, labels)`` batches read from ``directory``, as Keras's.

    With ``labels="inferred"`` the directory holds one subfolder per class (``class_a/``,
    ``class_b/``, ...), in alphanumeric order unless ``class_names`` fixes it; files of the
    allowed formats (bmp, gif, jpeg, jpg, png) are found at any depth. The files are listed,
    shuffled and split exactly as Keras does (``file_paths`` is the same list, in the same
    order, for the same seed), and decoded only when their batch is drawn.

    Args:
        directory: the root folder.
        labels: ``"inferred"``, ``None`` (images only) or a list of integer labels, one per file
            in the sorted order of the file paths.
        label_mode: ``"int"`` (int32), ``"categorical"`` (float32 one-hot), ``"binary"``
            (float32 ``(n, 1)``, exactly 2 classes) or ``None`` (images only).
        class_names: with ``labels="inferred"``: the subfolders to use, in label order.
        color_mode: ``"rgb"`` (3 channels), ``"rgba"`` (4) or ``"grayscale"`` (1).
        batch_size: images per batch; ``None``: single images.
        image_size: ``(height, width)`` every image is resized to (an int: a square); ``None``
            (deepnum's addition) keeps the files' size, which must then be the same.
        shuffle: shuffle the file list (seeded) and, each epoch, the batches' order (a buffer
            of ``8 * batch_size``).
        seed: the shuffling seed (required with ``validation_split`` and ``shuffle``).
        validation_split: the fraction of files for validation.
        subset: ``"training"``, ``"validation"`` or ``"both"`` (returns both datasets).
        interpolation: ``"bilinear"``, ``"nearest"``, ``"bicubic"``, ``"area"``,
            ``"lanczos3"`` or ``"lanczos5"`` (``deepnum.ops.image.resize``).
        follow_links: walk into symlinked subfolders.
        crop_to_aspect_ratio: resize the largest centred crop with the target's aspect ratio.
        pad_to_aspect_ratio: pad to the target's aspect ratio, then resize.
        data_format: ``"channels_last"`` or ``"channels_first"`` (``None``: the configured one).
        format: ``"tf"`` or ``"grain"``: accepted for Keras's signature; both give a deepnum
            Dataset.
        verbose: print how many files and classes were found.

    Returns:
        A :class:`deepnum.data.Dataset` of ``(images, labels)`` (float32 images ``(batch, h, w,
        c)``), or of images when there are no labels, with ``class_names`` and ``file_paths``
        attributes; ``[train, validation]`` with ``subset="both"``. It feeds ``fit`` directly.

    Example:
        >>> train, val = image_dataset_from_directory(
        ...     "flowers", validation_split=0.2, subset="both", seed=1337, image_size=(180, 180)
        ... )  # doctest: +SKIP
        >>> model.fit(train, validation_data=val, epochs=10)  # doctest: +SKIP
    """
    dataset_utils.check_labels_args(CALLER, labels, label_mode, class_names)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    _, image_size, interpolation = _check_image_args(
        color_mode, image_size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, format
    )
    from deepnum.ops.nn._window import standardize_data_format

    loader = ImageLoader(
        image_size,
        color_mode,
        interpolation,
        standardize_data_format(data_format),
        crop_to_aspect_ratio,
        pad_to_aspect_ratio,
    )
    return dataset_utils.directory_datasets(
        CALLER,
        directory,
        labels,
        label_mode,
        class_names,
        batch_size,
        shuffle,
        seed,
        validation_split,
        subset,
        follow_links,
        verbose,
        ALLOWLIST_FORMATS,
        loader,
    )
