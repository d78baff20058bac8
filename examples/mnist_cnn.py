"""A CNN on MNIST: convolution + pooling as the feature extractor, Dense layers as classifier."""

import deepnum as keras
from deepnum import layers

try:
    (x, y), (x_test, y_test) = keras.datasets.mnist.load_data()
except OSError as e:
    print(e, "\nUsing the bundled 8x8 digits instead.")
    (x, y), (x_test, y_test) = keras.datasets.digits.load_data()
scale = 255.0 if x.max() > 16 else 16.0
x, x_test = (x / scale)[..., None], (x_test / scale)[..., None]

model = keras.Sequential(
    [
        keras.Input(x.shape[1:]),
        layers.Conv2D(32, 3, padding="same", activation="relu"),  # feature extractor
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),  # classifier
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]
)
model.summary()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, batch_size=64, epochs=3, validation_split=0.1)
print("test loss, accuracy:", model.evaluate(x_test, y_test, verbose=0))
