"""An image classifier from a folder of PNG files, with data augmentation inside the model.

The script writes a small class-per-folder directory of PNGs (Fashion-MNIST when its files are
on this machine, else the 8x8 digits bundled with scikit-learn), reads it back with
``image_dataset_from_directory`` (decoding, resizing and batching a batch at a time), and
trains a small CNN whose first layers augment the images. The augmentation layers act only
while training: ``predict`` and ``evaluate`` see the images unchanged.

    python examples/image_classifier_from_directory.py [--root DIR] [--epochs N]
"""

import argparse
import os
import tempfile
import time

import numpy as np

import deepnum as keras
from deepnum import layers


def load_images(per_class: int) -> tuple[np.ndarray, np.ndarray, list[str], bool]:
    """Images (n, h, w) uint8 0-255 and labels: Fashion-MNIST if present, else the digits."""
    try:
        (x, y), _ = keras.datasets.fashion_mnist.load_data(download=False)
        names = list(keras.datasets.fashion_mnist.CLASS_NAMES)
        fashion = True
    except (FileNotFoundError, OSError):
        print("Fashion-MNIST is not on this machine: using the bundled 8x8 digits.")
        (x, y), (x_test, y_test) = keras.datasets.digits.load_data()
        x, y = np.concatenate([x, x_test]), np.concatenate([y, y_test])
        x = (x.astype("float32") * (255 / 16)).round().astype("uint8")
        names = [str(d) for d in range(10)]
        fashion = False
    keep = np.concatenate([np.flatnonzero(y == c)[:per_class] for c in range(10)])
    return x[keep], y[keep], names, fashion


def write_pngs(root: str, x: np.ndarray, y: np.ndarray, names: list[str]) -> None:
    """One folder per class, one grayscale PNG per image."""
    for i, (image, label) in enumerate(zip(x, y)):
        folder = os.path.join(root, names[label].replace("/", "-"))
        os.makedirs(folder, exist_ok=True)
        keras.utils.save_img(os.path.join(folder, f"{i:05d}.png"), image[..., None], scale=False)


def build_model(size: int, fashion: bool) -> keras.Model:
    augment = [
        layers.RandomRotation(0.05, fill_mode="constant", seed=1),
        layers.RandomZoom(0.1, fill_mode="constant", seed=2),
        layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=3),
        layers.RandomContrast(0.2, value_range=(0, 1), seed=4),
    ]
    if fashion:  # a mirrored shirt is a shirt; a mirrored digit is not a digit
        augment.insert(0, layers.RandomFlip("horizontal", seed=0))
    return keras.Sequential(
        [
            keras.Input((size, size, 1)),
            layers.Rescaling(1 / 255),
            *augment,
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(10, activation="softmax"),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", help="where to write the PNGs (default: a temporary folder)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--per-class", type=int, default=180)
    args = parser.parse_args()
    keras.utils.set_random_seed(0)

    x, y, names, fashion = load_images(args.per_class)
    root = args.root or tempfile.mkdtemp(prefix="deepnum-images-")
    write_pngs(root, x, y, names)
    size = 28 if fashion else 16  # the 8x8 digits are read back at 16x16
    train_ds, val_ds = keras.utils.image_dataset_from_directory(
        root,
        validation_split=0.2,
        subset="both",
        seed=1337,
        image_size=(size, size),
        color_mode="grayscale",
        batch_size=32,
    )
    print("classes:", train_ds.class_names)

    model = build_model(size, fashion)
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(train_ds, validation_data=val_ds, epochs=args.epochs, verbose=2)
    print(f"trained in {time.perf_counter() - start:.0f} s")
    loss, accuracy = model.evaluate(val_ds, verbose=0)
    print(f"validation loss {loss:.4f}, accuracy {accuracy:.4f}")

    images, labels = next(iter(val_ds))
    first, second = model.predict(images, verbose=0), model.predict(images, verbose=0)
    print("predict is deterministic (augmentation off):", bool(np.array_equal(first, second)))
    guesses = first.argmax(axis=1)[:8]
    print("first images:", [train_ds.class_names[int(i)] for i in np.asarray(labels)[:8]])
    print("predicted:   ", [train_ds.class_names[int(i)] for i in guesses])


if __name__ == "__main__":
    main()
