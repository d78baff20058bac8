"""Plots of training with matplotlib (an optional extra): history curves, confusion matrix."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from deepnum.utils.io import atomic_write


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError("Plotting needs matplotlib: pip install deepnum[plot].") from e
    return plt


def _save(fig: Any, to_file: str) -> None:
    ext = os.path.splitext(to_file)[1].lstrip(".") or "png"
    with atomic_write(to_file, "wb") as f:
        fig.savefig(f, format=ext, dpi=100, bbox_inches="tight")


def plot_history(history: Any, to_file: str = "history.png") -> str:
    """Draw each metric's curve per epoch, training against validation (``val_*``).

    Args:
        history: the History returned by ``fit`` (or its ``.history`` dict).
        to_file: the image file to write.

    Returns:
        ``to_file``.
    """
    plt = _pyplot()
    logs = getattr(history, "history", history)
    names = [k for k in logs if not k.startswith("val_") and k != "learning_rate"]
    if not names:
        raise ValueError("plot_history: the history holds no metrics.")
    fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 4), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = np.arange(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], "o-", label=f"training {name}")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], "s--", label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend()
    _save(fig, to_file)
    plt.close(fig)
    return to_file


def plot_confusion_matrix(
    y_true: Any, y_pred: Any, num_classes: int, to_file: str = "confusion.png"
) -> np.ndarray:
    """Draw (and return) the confusion matrix C[i, j] = #samples of class i predicted as j."""
    plt = _pyplot()
    y_true, y_pred = np.asarray(y_true, int), np.asarray(y_pred, int)
    matrix = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(matrix, (y_true, y_pred), 1)
    fig, ax = plt.subplots(figsize=(6, 5))
    im = ax.imshow(matrix, cmap="Blues")
    for i in range(num_classes):
        for j in range(num_classes):
            ax.text(
                j,
                i,
                matrix[i, j],
                ha="center",
                va="center",
                fontsize=7,
                color="white" if matrix[i, j] > matrix.max() / 2 else "black",
            )
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_xticks(range(num_classes))
    ax.set_yticks(range(num_classes))
    fig.colorbar(im)
    _save(fig, to_file)
    plt.close(fig)
    return matrix
