"""Transfer learning and fine-tuning with a ``deepnum.applications`` base, the recipe of Keras's
"Transfer learning & fine-tuning" guide with only the import changed.

The recipe: take a base trained on a large data set, freeze it (``base.trainable = False``,
called with ``training=False`` so that its BatchNormalization layers run in inference mode),
train a new classifier head on the new task, then unfreeze the top blocks of the base and
fine-tune them with a low learning rate.

The base is MobileNetV2 (``alpha=0.35``, 32×32 inputs). Its ImageNet weights are Keras's
published file, which cannot be downloaded on an offline machine, so by default the example
makes its own "pretrained" base first: it trains MobileNetV2 briefly on one data set — the
Fashion-MNIST classes 0–4 (T-shirt, trouser, pullover, dress, coat) — and then transfers it to
another: the classes 5–9 (sandal, shirt, sneaker, bag, ankle boot), of which it sees only a
small labelled set, the usual situation of transfer learning. The grayscale 28×28 images are
resized to 32×32 and tiled to 3 channels, in [0, 255] through ``preprocess_input`` as the
ImageNet base expects. The same head trained on an untrained base is printed for comparison.

With ``--imagenet`` the base is Keras's ImageNet MobileNetV2 at 96×96 instead (no
pre-training); this needs the weights file in Keras's cache (``~/.keras/models``), where the
error message says to put it.

Data: Fashion-MNIST from Debian's ``/usr/share/datasets/fashion-mnist`` or deepnum's cache when
present (never downloaded here); otherwise scikit-learn's 8×8 digits (classes 0–4 → 5–9).

Run: ``python examples/transfer_learning.py [--imagenet] [--quick]``.
"""

import argparse
import sys

import numpy as np

import deepnum as keras
from deepnum import layers
from deepnum.applications import mobilenet_v2


def load(quick):
    """Images (n, h, w) in [0, 255] and labels of the training and test sets."""
    try:
        (x, y), (x_test, y_test) = keras.datasets.fashion_mnist.load_data(download=False)
        name, scale = "Fashion-MNIST", 1.0
    except OSError as e:  # FileNotFoundError: not on this machine, and nothing is downloaded
        print(f"{e}\nUsing the bundled 8x8 digits instead.")
        (x, y), (x_test, y_test) = keras.datasets.digits.load_data()
        name, scale = "digits", 255.0 / 16.0
    if quick:
        x, y, x_test, y_test = x[:300], y[:300], x_test[:100], y_test[:100]
    return name, (x * scale, y), (x_test * scale, y_test)


def to_rgb(images, size):
    """Grayscale images in [0, 255] → (n, size, size, 3), scaled as MobileNetV2 expects."""
    x = keras.ops.image.resize(images.astype("float32")[..., None], (size, size))
    x = np.repeat(np.asarray(x), 3, axis=-1)
    return mobilenet_v2.preprocess_input(x)


def classes(x, y, first, count):
    """The first ``count`` images of the classes ``first`` … ``first + 4``, relabelled 0–4."""
    keep = (y >= first) & (y < first + 5)
    return x[keep][:count], (y[keep] - first).astype("int32")[:count]


def classifier(base, size):
    """The guide's model: the frozen base in inference mode, then a new head."""
    inputs = keras.Input(shape=(size, size, 3))
    x = base(inputs, training=False)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(5)(x)
    return keras.Model(inputs, outputs)


def compile_and_fit(model, learning_rate, data, epochs, batch_size=32):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    model.fit(*data, batch_size=batch_size, epochs=epochs, verbose=2)


def pretrained_base(data, size, epochs):
    """MobileNetV2 trained on the first five classes: the stand-in for an ImageNet base."""
    base = keras.applications.MobileNetV2(
        input_shape=(size, size, 3), alpha=0.35, include_top=False, weights=None
    )
    # ImageNet's BatchNormalization momentum (0.999) suits hundreds of thousands of steps;
    # a short pre-training needs moving statistics that follow the batches faster.
    for layer in base.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.momentum = 0.9
    model = classifier(base, size)
    base.trainable = True
    compile_and_fit(model, 2e-3, data, epochs, batch_size=64)
    return base


def imagenet_base(size):
    """Keras's ImageNet MobileNetV2 (alpha 0.35) from the cache; offline without the file, the
    error names the URL and the path where to put it."""
    try:
        return keras.applications.MobileNetV2(
            input_shape=(size, size, 3), alpha=0.35, include_top=False, weights="imagenet"
        )
    except FileNotFoundError as e:
        sys.exit(str(e))


def evaluate(model, data):
    return model.evaluate(*data, verbose=0)[1]


def fine_tune(base, model, data, epochs, fine_tune_at="block_13_expand"):
    """Unfreeze the top blocks (from ``fine_tune_at``), keeping every BatchNormalization in
    inference mode as the guide advises, and train with a low learning rate."""
    base.trainable = True
    names = [layer.name for layer in base.layers]
    for layer in base.layers[: names.index(fine_tune_at)]:
        layer.trainable = False
    for layer in base.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.trainable = False
    compile_and_fit(model, 1e-4, data, epochs)  # recompile: trainable flags changed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imagenet", action="store_true", help="Keras's ImageNet weights")
    parser.add_argument("--quick", action="store_true", help="a tiny run (for the tests)")
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    size = 96 if args.imagenet else 32
    base = imagenet_base(size) if args.imagenet else None
    name, (x, y), (x_test, y_test) = load(args.quick)
    target = classes(x, y, 5, 32 if args.quick else 1000)
    target_test = classes(x_test, y_test, 5, 32 if args.quick else 1000)
    target, target_test = ((to_rgb(a, size), b) for a, b in (target, target_test))
    epochs = (1, 1, 1) if args.quick else (3, 4, 2)
    print(f"{name}: {len(target[0])} training and {len(target_test[0])} test images of the "
          f"new task (classes 5-9), {size}x{size}x3")  # fmt: skip

    if base is None:
        source_x, source_y = classes(x, y, 0, 64 if args.quick else 2000)
        print(f"pre-training the base on classes 0-4 ({len(source_x)} images)")
        base = pretrained_base((to_rgb(source_x, size), source_y), size, epochs[0])

    base.trainable = False
    model = classifier(base, size)
    print("training the new head on the frozen base")
    compile_and_fit(model, 3e-3, target, epochs[1])
    head_accuracy = evaluate(model, target_test)
    print("fine-tuning the top blocks")
    fine_tune(base, model, target, epochs[2])
    tuned_accuracy = evaluate(model, target_test)

    random_base = keras.applications.MobileNetV2(
        input_shape=(size, size, 3), alpha=0.35, include_top=False, weights=None
    )
    random_base.trainable = False
    baseline = classifier(random_base, size)
    compile_and_fit(baseline, 3e-3, target, epochs[1])
    print(f"test accuracy, new head on an untrained base:  {evaluate(baseline, target_test):.3f}")
    print(f"test accuracy, new head on the frozen base:    {head_accuracy:.3f}")
    print(f"test accuracy, after fine-tuning the top:      {tuned_accuracy:.3f}")


if __name__ == "__main__":
    main()
