"""TensorBoard: training logs as TensorBoard event files, written with ``tensorboardX``."""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

from deepnum.callbacks.callback import Callback


class TensorBoard(Callback):
    """Write scalars, weight histograms and weight images for TensorBoard — Keras 3's
    ``TensorBoard``, with its arguments and tags.

    Training logs go to ``log_dir/train`` and validation logs (``val_*``) to
    ``log_dir/validation`` under the same tag (``epoch_loss``, ``epoch_accuracy``), plus
    ``epoch_learning_rate`` (``epoch_learning_rate_<name>`` per optimizer of a
    MultiOptimizer). Event files need ``tensorboardX`` (``pip install deepnum[tensorboard]``).

    Args:
        log_dir: directory of the event files.
        histogram_freq: every this many epochs, a histogram of every weight (tag
            ``<weight path>/histogram``); 0: never.
        write_graph: write the model's architecture (its JSON config, as the text summary
            ``keras``) when training starts. deepnum has no traced graph to show.
        write_images: with ``histogram_freq``, also write 1-D, 2-D and 3-D weights as images
            (``<weight path>/image``), laid out as Keras does.
        write_steps_per_second: log ``epoch_steps_per_second`` (and ``batch_steps_per_second``
            with batch-level logging).
        update_freq: ``"epoch"``; ``"batch"`` or an int N: also write ``batch_<name>`` scalars
            every N batches, at the global batch number.
        profile_batch: 0 (the default). As Keras on the PyTorch backend, profiling is not
            available: any other value is a ValueError.
        embeddings_freq, embeddings_metadata: accepted and ignored. Keras writes the embedding
            projector through TensorFlow checkpoints, which deepnum does not produce.

    Example:
        >>> import tempfile
        >>> callback = TensorBoard(tempfile.mkdtemp(), histogram_freq=1, update_freq="batch")
        >>> callback.update_freq
        1
    """

    def __init__(
        self,
        log_dir: str = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: Any = "epoch",
        profile_batch: Any = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: Any = None,
    ) -> None:
        super().__init__()
        if profile_batch:
            raise ValueError(
                "TensorBoard: profiling is not available in deepnum (nor in Keras on the PyTorch "
                f"backend). Received: profile_batch={profile_batch} (must be 0)"
            )
        if update_freq not in ("epoch", "batch") and not (
            isinstance(update_freq, int) and update_freq > 0
        ):
            raise ValueError(
                "TensorBoard: `update_freq` must be 'epoch', 'batch' or a positive integer. "
                f"Received: update_freq={update_freq!r}"
            )
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers: dict[str, Any] = {}
        self._global_train_batch = 0

    def _writer(self, name: str) -> Any:
        if name not in self._writers:
            try:
                from tensorboardX import SummaryWriter
            except ImportError as e:
                raise ImportError(
                    "The TensorBoard callback needs tensorboardX: pip install deepnum[tensorboard]."
                ) from e
            self._writers[name] = SummaryWriter(os.path.join(self.log_dir, name))
        return self._writers[name]

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        if self.write_graph and hasattr(self.model, "to_json"):
            try:
                self._writer("train").add_text("keras", self.model.to_json(), 0)
            except (TypeError, ValueError, NotImplementedError):
                pass  # a model that cannot be serialized has no architecture to show

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()
        self._epoch_first_batch = self._global_train_batch

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        step, writer = self._global_train_batch, self._writer("train")
        if self.write_steps_per_second:
            elapsed = max(time.perf_counter() - self._batch_start, 1e-9)
            writer.add_scalar("batch_steps_per_second", 1.0 / elapsed, step)
        for name, value in (logs or {}).items():
            writer.add_scalar(f"batch_{name}", float(value), step)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        train.update(self._learning_rates())
        if self.write_steps_per_second:
            steps = self._global_train_batch - self._epoch_first_batch
            train["steps_per_second"] = steps / max(time.perf_counter() - self._epoch_start, 1e-9)
        for name, value in train.items():
            self._writer("train").add_scalar(f"epoch_{name}", float(value), epoch)
        for name, value in logs.items():
            if name.startswith("val_"):
                self._writer("validation").add_scalar(f"epoch_{name[4:]}", float(value), epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _learning_rates(self) -> dict[str, float]:
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if hasattr(optimizer, "optimizers"):
            return {
                f"learning_rate_{o.name}": float(np.asarray(o.learning_rate))
                for o in optimizer.optimizers
            }
        if optimizer is None:
            return {}
        return {"learning_rate": float(np.asarray(optimizer.learning_rate))}

    def _log_weights(self, epoch: int) -> None:
        writer = self._writer("train")
        for weight in self.model.weights:
            name = str(weight.path).replace(":", "_")
            values = np.asarray(weight.numpy())
            writer.add_histogram(f"{name}/histogram", values, epoch)
            image = _weight_image(values) if self.write_images else None
            if image is not None:
                writer.add_images(f"{name}/image", image, epoch, dataformats="NHWC")

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def _weight_image(w: np.ndarray) -> np.ndarray | None:
    """Keras's layout of a weight as images (N, H, W, 1), or None when it has none: a bias is
    one row, a matrix is shown wide, a 3-D kernel one image per output channel."""
    w = np.squeeze(w)
    if w.ndim == 1:
        return w.reshape(1, w.shape[0], 1, 1)
    if w.ndim == 2:
        w = w.T if w.shape[0] > w.shape[1] else w
        return w.reshape(1, *w.shape, 1)
    if w.ndim == 3:
        return np.transpose(w, (2, 0, 1))[..., None]
    return None
