"""A small Vision Transformer (ViT) classifying Fashion-MNIST, written as keras.io's "Image
classification with Vision Transformer" with only the import changed.

The ``Patches`` and ``PatchEncoder`` layers and the model are keras.io's code (patches with
``ops.image.extract_patches``, a learned position embedding, pre-norm Transformer blocks of
MultiHeadAttention and a GELU MLP, a flattened representation and an MLP head), scaled down to
run on a laptop CPU: 2 blocks of 2 heads of 32, no data augmentation.

Data: Fashion-MNIST (28×28, 10 classes) from Debian's ``/usr/share/datasets/fashion-mnist`` or
deepnum's cache when present (``deepnum.datasets.fashion_mnist``, never downloaded here);
otherwise the 8×8 digits bundled with scikit-learn (``deepnum.datasets.digits``).

Run: ``python examples/vit_fashion_mnist.py [--epochs N] [--quick]``.
"""

import argparse

import deepnum as keras
from deepnum import layers, ops

# ---------------------------------------------------------------- keras.io's code (begin)


def mlp(x, hidden_units, dropout_rate):
    for units in hidden_units:
        x = layers.Dense(units, activation=keras.activations.gelu)(x)
        x = layers.Dropout(dropout_rate)(x)
    return x


class Patches(layers.Layer):
    def __init__(self, patch_size):
        super().__init__()
        self.patch_size = patch_size

    def call(self, images):
        input_shape = ops.shape(images)
        batch_size = input_shape[0]
        height = input_shape[1]
        width = input_shape[2]
        channels = input_shape[3]
        num_patches_h = height // self.patch_size
        num_patches_w = width // self.patch_size
        patches = keras.ops.image.extract_patches(images, size=self.patch_size)
        patches = ops.reshape(
            patches,
            (
                batch_size,
                num_patches_h * num_patches_w,
                self.patch_size * self.patch_size * channels,
            ),
        )
        return patches

    def get_config(self):
        config = super().get_config()
        config.update({"patch_size": self.patch_size})
        return config


class PatchEncoder(layers.Layer):
    def __init__(self, num_patches, projection_dim):
        super().__init__()
        self.num_patches = num_patches
        self.projection = layers.Dense(units=projection_dim)
        self.position_embedding = layers.Embedding(input_dim=num_patches, output_dim=projection_dim)

    def call(self, patch):
        positions = ops.expand_dims(ops.arange(start=0, stop=self.num_patches, step=1), axis=0)
        projected_patches = self.projection(patch)
        encoded = projected_patches + self.position_embedding(positions)
        return encoded

    def get_config(self):
        config = super().get_config()
        config.update({"num_patches": self.num_patches})
        return config


def create_vit_classifier(
    input_shape,
    num_classes,
    patch_size,
    projection_dim=32,
    num_heads=2,
    transformer_layers=2,
    mlp_head_units=(64,),
):
    num_patches = (input_shape[0] // patch_size) * (input_shape[1] // patch_size)
    transformer_units = [projection_dim * 2, projection_dim]
    inputs = keras.Input(shape=input_shape)
    # Create patches.
    patches = Patches(patch_size)(inputs)
    # Encode patches.
    encoded_patches = PatchEncoder(num_patches, projection_dim)(patches)

    # Create multiple layers of the Transformer block.
    for _ in range(transformer_layers):
        # Layer normalization 1.
        x1 = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
        # Create a multi-head attention layer.
        attention_output = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=projection_dim, dropout=0.1
        )(x1, x1)
        # Skip connection 1.
        x2 = layers.Add()([attention_output, encoded_patches])
        # Layer normalization 2.
        x3 = layers.LayerNormalization(epsilon=1e-6)(x2)
        # MLP.
        x3 = mlp(x3, hidden_units=transformer_units, dropout_rate=0.1)
        # Skip connection 2.
        encoded_patches = layers.Add()([x3, x2])

    # Create a [batch_size, projection_dim] tensor.
    representation = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
    representation = layers.Flatten()(representation)
    representation = layers.Dropout(0.5)(representation)
    # Add MLP.
    features = mlp(representation, hidden_units=mlp_head_units, dropout_rate=0.5)
    # Classify outputs.
    logits = layers.Dense(num_classes)(features)
    # Create the Keras model.
    model = keras.Model(inputs=inputs, outputs=logits)
    return model


# ---------------------------------------------------------------- keras.io's code (end)


def load(quick):
    """Fashion-MNIST when it is on this machine (20,000 training images, patches of 7×7,
    3 epochs), else the digits (patches of 2×2, 12 epochs)."""
    try:
        (x, y), (x_test, y_test) = keras.datasets.fashion_mnist.load_data(download=False)
        name, patch_size, scale, epochs = "Fashion-MNIST", 7, 255.0, 3
        x, y = x[:20000], y[:20000]
    except OSError as e:  # FileNotFoundError: not on this machine, and nothing is downloaded
        print(f"{e}\nUsing the bundled 8x8 digits instead.")
        (x, y), (x_test, y_test) = keras.datasets.digits.load_data()
        name, patch_size, scale, epochs = "digits", 2, 16.0, 12
    if quick:
        x, y, x_test, y_test = x[:256], y[:256], x_test[:64], y_test[:64]
    x = (x / scale).astype("float32")[..., None]
    x_test = (x_test / scale).astype("float32")[..., None]
    return name, patch_size, epochs, (x, y), (x_test, y_test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, help="default: 3 (Fashion-MNIST), 12 (digits)")
    parser.add_argument("--quick", action="store_true", help="a tiny run (for the tests)")
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    name, patch_size, epochs, (x, y), (x_test, y_test) = load(args.quick)
    print(f"{name}: {len(x)} training and {len(x_test)} test images of {x.shape[1:]}")
    model = create_vit_classifier(x.shape[1:], 10, patch_size)
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=0.001, weight_decay=0.0001),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    model.fit(x, y, batch_size=32, epochs=args.epochs or epochs, validation_split=0.1)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy: {accuracy:.3f}")


if __name__ == "__main__":
    main()
