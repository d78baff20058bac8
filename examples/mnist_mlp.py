"""A multilayer perceptron on MNIST (or the bundled digits when MNIST is not on this machine)."""

import deepnum as keras
from deepnum import layers

try:
    (x, y), (x_test, y_test) = keras.datasets.mnist.load_data()
except OSError as e:
    print(e, "\nUsing the bundled 8x8 digits instead.")
    (x, y), (x_test, y_test) = keras.datasets.digits.load_data()
scale = 255.0 if x.max() > 16 else 16.0
x, x_test = x.reshape(len(x), -1) / scale, x_test.reshape(len(x_test), -1) / scale

model = keras.Sequential(
    [
        keras.Input((x.shape[1],)),
        layers.Dense(256, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]
)
model.summary()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, batch_size=128, epochs=5, validation_split=0.1)
print("test loss, accuracy:", model.evaluate(x_test, y_test, verbose=0))
