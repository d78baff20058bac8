"""A TensorFlow-2 style custom training loop with GradientTape, on the bundled digits."""

import numpy as np

import deepnum as keras
from deepnum import layers

(x, y), (x_test, y_test) = keras.datasets.digits.load_data()
x, x_test = x.reshape(len(x), -1) / 16.0, x_test.reshape(len(x_test), -1) / 16.0

keras.utils.set_random_seed(0)
model = keras.Sequential(
    [keras.Input((64,)), layers.Dense(64, activation="relu"), layers.Dense(10)]
)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = keras.optimizers.Adam(learning_rate=1e-3)
accuracy = keras.metrics.SparseCategoricalAccuracy()

for epoch in range(10):
    order = np.random.permutation(len(x))
    for start in range(0, len(x), 32):
        batch = order[start : start + 32]
        with keras.GradientTape() as tape:
            logits = model(x[batch], training=True)
            loss = loss_fn(y[batch], logits)
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
    accuracy.reset_state()
    accuracy.update_state(y_test, model.predict(x_test, verbose=0))
    acc = float(accuracy.result())
    print(f"epoch {epoch + 1}: loss {float(loss):.4f}, test accuracy {acc:.4f}")
