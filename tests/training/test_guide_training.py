"""Training as keras.io's guides use it: ``fit`` on losses added with ``add_loss`` (with or
without a compiled loss, with or without trainable weights), the VAE of the subclassing guide,
the endpoint-layer pattern, ``steps_per_epoch``/``validation_steps``, ``evaluate`` and the
``*_on_batch`` methods — each run on deepnum and on Keras 3 (torch backend) with the same
weights and data, and compared."""

from __future__ import annotations

import numpy as np
import pytest

from tests.guide_snippets import assert_close, copy_weights, libraries, run_both, to_np

RNG = np.random.default_rng(0)
X3, Y3 = RNG.random((2, 3)), RNG.random((2, 3))


def activity_regularization_guide(keras, layers, ops):
    class ActivityRegularizationLayer(keras.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ops.mean(inputs))
            return inputs

    inputs = keras.Input(shape=(3,))
    outputs = ActivityRegularizationLayer()(inputs)
    model = keras.Model(inputs, outputs)

    # If there is a loss passed in `compile`, the regularization
    # losses get added to it
    model.compile(optimizer="adam", loss="mse")
    first = model.fit(X3, Y3, verbose=0).history

    # It's also possible not to pass any loss in `compile`,
    # since the model already has a loss to minimize, via the `add_loss`
    # call during the forward pass!
    model.compile(optimizer="adam")
    second = model.fit(X3, Y3, verbose=0).history

    fresh = keras.Model(inputs, outputs)
    fresh.compile(optimizer="adam")
    return first, second, fresh.fit(X3, Y3, verbose=0).history


def test_fit_on_add_loss_terms_with_and_without_a_compiled_loss():
    with pytest.warns(UserWarning, match="does not have any trainable weights"):
        ours, theirs = run_both(activity_regularization_guide)
    for a, b in zip(ours, theirs):
        assert a.keys() == b.keys() == {"loss"}
        np.testing.assert_allclose(a["loss"], b["loss"], rtol=1e-5)
    # compiling again without a loss keeps the earlier one (Keras): mse + the penalty
    assert ours[1]["loss"][0] > 10 * ours[2]["loss"][0]


def vae_parts(keras, layers, ops, noise):
    """The VAE of the subclassing guide, written as there; ``noise`` replaces the sampling's
    ``keras.random.normal`` (which differs between libraries) where outputs are compared."""

    class Sampling(layers.Layer):
        """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch = ops.shape(z_mean)[0]
            dim = ops.shape(z_mean)[1]
            if noise is None:
                epsilon = keras.random.normal(shape=(batch, dim))
            else:
                epsilon = ops.convert_to_tensor(noise[:batch, :dim])
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    class Encoder(layers.Layer):
        """Maps MNIST digits to a triplet (z_mean, z_log_var, z)."""

        def __init__(self, latent_dim=32, intermediate_dim=64, name="encoder", **kwargs):
            super().__init__(name=name, **kwargs)
            self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
            self.dense_mean = layers.Dense(latent_dim)
            self.dense_log_var = layers.Dense(latent_dim)
            self.sampling = Sampling()

        def call(self, inputs):
            x = self.dense_proj(inputs)
            z_mean = self.dense_mean(x)
            z_log_var = self.dense_log_var(x)
            z = self.sampling((z_mean, z_log_var))
            return z_mean, z_log_var, z

    class Decoder(layers.Layer):
        """Converts z, the encoded digit vector, back into a readable digit."""

        def __init__(self, original_dim, intermediate_dim=64, name="decoder", **kwargs):
            super().__init__(name=name, **kwargs)
            self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
            self.dense_output = layers.Dense(original_dim, activation="sigmoid")

        def call(self, inputs):
            x = self.dense_proj(inputs)
            return self.dense_output(x)

    class VariationalAutoEncoder(keras.Model):
        """Combines the encoder and decoder into an end-to-end model for training."""

        def __init__(
            self,
            original_dim,
            intermediate_dim=64,
            latent_dim=32,
            name="autoencoder",
            **kwargs,
        ):
            super().__init__(name=name, **kwargs)
            self.original_dim = original_dim
            self.encoder = Encoder(latent_dim=latent_dim, intermediate_dim=intermediate_dim)
            self.decoder = Decoder(original_dim, intermediate_dim=intermediate_dim)

        def call(self, inputs):
            z_mean, z_log_var, z = self.encoder(inputs)
            reconstructed = self.decoder(z)
            # Add KL divergence regularization loss.
            kl_loss = -0.5 * ops.mean(z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1)
            self.add_loss(kl_loss)
            return reconstructed

    return VariationalAutoEncoder


def test_the_guides_vae_trains_with_its_kl_loss():
    x_train = np.random.default_rng(1).random((32, 20)).astype("float32")
    noise = np.random.default_rng(2).standard_normal((32, 4)).astype("float32")
    runs = {}
    for lib, (keras, layers, ops) in libraries().items():
        vae = vae_parts(keras, layers, ops, None)(20, 8, 4)
        optimizer = keras.optimizers.Adam(learning_rate=1e-3)
        vae.compile(optimizer, loss=keras.losses.MeanSquaredError())
        history = vae.fit(x_train, x_train, epochs=2, batch_size=32, verbose=0).history
        with pytest.raises(NotImplementedError, match="non-serializable"):
            vae.get_config()
        fixed = vae_parts(keras, layers, ops, noise)(20, 8, 4)
        fixed(x_train[:1])
        runs[lib] = (vae, history, fixed)
    (ours, ours_h, ours_fixed), (theirs, theirs_h, theirs_fixed) = runs["deepnum"], runs["keras"]
    assert ours_h.keys() == theirs_h.keys() == {"loss"} and len(ours_h["loss"]) == 2
    assert len(ours.losses) == len(theirs.losses) == 1
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    copy_weights(theirs_fixed, ours_fixed)
    for model in (ours_fixed, theirs_fixed):
        model.compile(optimizer="adam", loss="mse")
    ours_loss = ours_fixed.fit(x_train, x_train, batch_size=32, shuffle=False, verbose=0)
    theirs_loss = theirs_fixed.fit(x_train, x_train, batch_size=32, shuffle=False, verbose=0)
    np.testing.assert_allclose(ours_loss.history["loss"], theirs_loss.history["loss"], rtol=1e-5)
    assert_close(ours_fixed.weights, theirs_fixed.weights, rtol=1e-4, atol=1e-6)


def endpoint_guide(keras, layers, ops, data, weights):
    class LogisticEndpoint(keras.layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
            self.accuracy_metric = keras.metrics.BinaryAccuracy(name="accuracy")

        def call(self, logits, targets=None, sample_weight=None):
            if targets is not None:
                # Compute the training-time loss value and add it
                # to the layer using `self.add_loss()`.
                loss = self.loss_fn(targets, logits, sample_weight)
                self.add_loss(loss)

                # Log the accuracy as a metric (we could log arbitrary metrics,
                # including different metrics for training and inference.)
                self.accuracy_metric.update_state(targets, logits, sample_weight)

            # Return the inference-time prediction tensor (for `.predict()`).
            return ops.sigmoid(logits)

    inputs = keras.Input((16,), name="inputs")
    logits = keras.layers.Dense(1)(inputs)
    targets = keras.Input((1,), name="targets")
    sample_weight = keras.Input((1,), name="sample_weight")
    preds = LogisticEndpoint()(logits, targets, sample_weight)
    model = keras.Model([inputs, targets, sample_weight], preds)
    model.set_weights(weights)
    model.compile(keras.optimizers.Adam(1e-3))
    functional = model.fit(data, epochs=2, batch_size=16, shuffle=False, verbose=0).history

    inputs = keras.Input((16,), name="inputs")
    logits = keras.layers.Dense(1)(inputs)
    preds = LogisticEndpoint()(logits, targets=None, sample_weight=None)
    inference_model = keras.Model(inputs, preds)
    inference_model.set_weights(model.get_weights())
    inference = inference_model.predict(data["inputs"], verbose=0)

    class LogReg(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            self.logistic_endpoint = LogisticEndpoint()

        def call(self, inputs):
            # Note that all inputs should be in the first argument
            # since we want to be able to call `model.fit(inputs)`.
            logits = self.dense(inputs["inputs"])
            preds = self.logistic_endpoint(
                logits=logits,
                targets=inputs["targets"],
                sample_weight=inputs["sample_weight"],
            )
            return preds

    model = LogReg()
    model(data)
    model.set_weights(weights)
    model.compile(keras.optimizers.Adam(1e-3))
    subclassed = model.fit(data, epochs=2, batch_size=16, shuffle=False, verbose=0).history
    return functional, inference, subclassed


def test_endpoint_layer_pattern():
    rng = np.random.default_rng(3)
    data = {
        "inputs": rng.random((64, 16)),
        "targets": (rng.random((64, 1)) > 0.5).astype("float64"),
        "sample_weight": rng.random((64, 1)),
    }
    weights = [rng.standard_normal((16, 1)).astype("float32"), np.zeros(1, "float32")]
    libs = libraries()
    ours = endpoint_guide(*libs["deepnum"], data, weights)
    theirs = endpoint_guide(*libs["keras"], data, weights)
    for a, b in (ours[0], theirs[0]), (ours[2], theirs[2]):
        assert a.keys() == b.keys() == {"loss", "accuracy"}
        for key in a:
            np.testing.assert_allclose(a[key], b[key], rtol=1e-5)
    assert_close(ours[1], theirs[1], rtol=1e-5)


# ---------------------------------------------------------------- the training flag in fit
def test_fit_passes_training_only_to_a_call_that_takes_it():
    """Keras's train step calls ``model(x)`` when ``call`` has no ``training`` argument: a
    Dropout inside then keeps its default (inactive) — the loss is the no-dropout loss."""

    def snippet(keras, layers, ops):
        class Plain(keras.Model):
            def __init__(self):
                super().__init__()
                self.dropout = layers.Dropout(0.5)
                self.dense = layers.Dense(1, kernel_initializer="ones", use_bias=False)

            def call(self, inputs):
                return self.dense(self.dropout(inputs))

        model = Plain()
        model.compile("sgd", "mse")
        x, y = np.ones((4, 8), "float32"), np.zeros((4, 1), "float32")
        return model.train_on_batch(x, y)

    ours, theirs = run_both(snippet)
    assert ours == pytest.approx(theirs) == 64.0


# ---------------------------------------------------------------- loops and batch methods
def loops(keras, layers, ops):
    rng = np.random.default_rng(4)
    x, y = rng.random((10, 2)).astype("float32"), rng.random((10, 1)).astype("float32")
    xv, yv = rng.random((6, 2)).astype("float32"), rng.random((6, 1)).astype("float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.set_weights([np.array([[0.5], [-0.3]], "float32"), np.zeros(1, "float32")])
    model.compile(keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
    history = model.fit(
        x,
        y,
        batch_size=2,
        steps_per_epoch=3,
        epochs=3,
        validation_data=(xv, yv),
        validation_steps=2,
        shuffle=False,
        verbose=0,
    ).history
    return [
        history,
        model.evaluate(xv, yv, verbose=0, return_dict=True),
        model.evaluate(xv, yv, batch_size=4, steps=1, verbose=0),
        model.test_on_batch(xv, yv),
        model.test_on_batch(xv, yv, return_dict=True),
        model.predict_on_batch(xv),
        model.train_on_batch(x, y),
        model.train_on_batch(x, y, return_dict=True),
    ]


def test_steps_per_epoch_validation_steps_and_batch_methods_match_keras():
    with pytest.warns(UserWarning, match="ran out of data"):
        ours, theirs = run_both(loops)
    assert ours[0].keys() == theirs[0].keys()
    for key in ours[0]:
        np.testing.assert_allclose(ours[0][key], theirs[0][key], rtol=1e-5)
    for a, b in zip(ours[1:], theirs[1:]):
        if isinstance(a, dict):
            assert a.keys() == b.keys()
            a, b = list(a.values()), list(b.values())
        assert type(to_np(a)) is type(to_np(b))
        np.testing.assert_allclose(to_np(a), to_np(b), rtol=1e-5)
