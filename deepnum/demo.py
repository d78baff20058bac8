"""``deepnum demo``: train a small CNN on real handwritten digits and show the result.

MNIST (or Fashion-MNIST) is used when its files are already on the machine; otherwise the 8×8
digits that scikit-learn bundles. Writes ``history.png`` (loss and accuracy curves) and
``confusion.png``.
"""

from __future__ import annotations

import os
import time

import numpy as np


def _load(dataset: str, samples: int) -> tuple:
    from deepnum import datasets

    order = ["mnist", "fashion_mnist", "digits"] if dataset == "auto" else [dataset]
    for name in order:
        try:
            (x, y), (xt, yt) = getattr(datasets, name).load_data(
                **({"download": False} if name != "digits" else {})
            )
        except (OSError, ValueError, ImportError) as e:
            if dataset != "auto":
                raise
            print(f"{name}: not available here ({type(e).__name__}); trying the next data set.")
            continue
        x, y = x[:samples], y[:samples]
        scale = 255.0 if x.max() > 16 else 16.0
        x = (x.astype("float32") / scale)[..., None]
        xt = (xt.astype("float32") / scale)[..., None]
        return name, x, y.astype("int64"), xt, yt.astype("int64")
    raise RuntimeError("No data set could be loaded.")


def build_cnn(input_shape: tuple, classes: int):
    """Conv → pool → conv → pool → dense: a feature extractor plus a classifier."""
    import deepnum as dn
    from deepnum import layers

    small = input_shape[0] < 16
    return dn.Sequential(
        [
            dn.Input(shape=input_shape),
            layers.Conv2D(16 if small else 32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(32 if small else 64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(64 if small else 128, activation="relu"),
            layers.Dropout(0.25),
            layers.Dense(classes, activation="softmax"),
        ],
        name="cnn",
    )


def run_demo(
    dataset: str = "auto", epochs: int | None = None, samples: int = 24000, out: str = "."
) -> int:
    import deepnum as dn

    dn.utils.set_random_seed(0)
    name, x, y, xt, yt = _load(dataset, samples)
    classes = int(max(y.max(), yt.max()) + 1)
    print(f"Data: {name}: {len(x)} training and {len(xt)} test images of {x.shape[1:]}")
    model = build_cnn(x.shape[1:], classes)
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    epochs = epochs or (15 if name == "digits" else 3)
    start = time.perf_counter()
    history = model.fit(
        x, y, batch_size=64 if name != "digits" else 32, epochs=epochs, validation_split=0.1
    )
    print(f"Training took {time.perf_counter() - start:.1f} s")
    loss, acc = model.evaluate(xt, yt, verbose=0)
    print(f"Test accuracy: {acc:.4f} (test loss {loss:.4f})")
    pred = model.predict(xt, verbose=0).argmax(axis=1)
    _plots(history, yt, pred, classes, out)
    return 0


def _plots(history, y_true: np.ndarray, y_pred: np.ndarray, classes: int, out: str) -> None:
    try:
        from deepnum.utils.plotting import plot_confusion_matrix, plot_history
    except ImportError:
        return
    os.makedirs(out, exist_ok=True)
    try:
        plot_history(history, os.path.join(out, "history.png"))
        plot_confusion_matrix(y_true, y_pred, classes, os.path.join(out, "confusion.png"))
        print(f"Wrote {os.path.join(out, 'history.png')} and {os.path.join(out, 'confusion.png')}")
    except ImportError as e:
        print(f"Plots skipped: {e}")
