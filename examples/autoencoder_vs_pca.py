"""Compress the bundled 8×8 digits to a 2-number code: a Dense autoencoder against PCA.

Both map 64 pixels to 2 numbers and back; the reconstruction error on test digits compares a
learned nonlinear code with the best linear one (PCA). Writes codes.png with both codes.
"""

import numpy as np

import deepnum as keras
from deepnum import layers
from deepnum.decomposition import PCA

CODE = 2
(x, y), (x_test, y_test) = keras.datasets.digits.load_data()
x, x_test = x.reshape(len(x), -1) / 16.0, x_test.reshape(len(x_test), -1) / 16.0

pca = PCA(n_components=CODE).fit(x)
pca_error = np.mean((pca.inverse_transform(pca.transform(x_test)) - x_test) ** 2)

keras.utils.set_random_seed(0)
inputs = keras.Input((64,))
code = layers.Dense(CODE, name="code")(layers.Dense(32, activation="relu")(inputs))
outputs = layers.Dense(64, activation="sigmoid")(layers.Dense(32, activation="relu")(code))
autoencoder = keras.Model(inputs, outputs)
autoencoder.compile(optimizer="adam", loss="mse")
autoencoder.fit(x, x, batch_size=32, epochs=60, verbose=0)
ae_error = autoencoder.evaluate(x_test, x_test, verbose=0)

print(
    f"reconstruction MSE with a {CODE}-number code: PCA {pca_error:.4f}, autoencoder {ae_error:.4f}"
)
encoder = keras.Model(inputs, code)
try:
    keras.plot.scatter_2d(pca.transform(x_test), y_test, to_file="codes_pca.png", title="PCA code")
    keras.plot.scatter_2d(
        encoder.predict(x_test, verbose=0),
        y_test,
        to_file="codes_autoencoder.png",
        title="autoencoder code",
    )
    print("wrote codes_pca.png and codes_autoencoder.png")
except ImportError as e:
    print(e)
