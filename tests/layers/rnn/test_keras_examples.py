"""Keras's recurrent examples rebuilt in deepnum with ``import deepnum as keras``: the nested
cell of the "Working with RNNs" guide (nested inputs, states and outputs) and the ConvLSTM
next-frame model of "Next-frame video prediction with convolutional LSTMs", scaled down. With
Keras's weights they give Keras's outputs and gradients, and training moves the weights as
Keras's training does."""

from __future__ import annotations

import numpy as np

import deepnum
from tests.conftest import reference

K = reference("keras")
torch = reference("torch")

# ----------------------------------------------------------------------------- nested cell
# The guide's cell with `import deepnum as keras`. The guide is TensorFlow code: tf.TensorShape
# becomes a shape tuple, tf.nest.flatten keras.tree.flatten, tf.matmul and tf.einsum
# keras.ops's; get_config reads self.unit_2 (the guide reads a global).
keras = deepnum


@keras.saving.register_keras_serializable()
class NestedCell(keras.layers.Layer):
    def __init__(self, unit_1, unit_2, unit_3, **kwargs):
        self.unit_1 = unit_1
        self.unit_2 = unit_2
        self.unit_3 = unit_3
        self.state_size = [(unit_1,), (unit_2, unit_3)]
        self.output_size = [(unit_1,), (unit_2, unit_3)]
        super().__init__(**kwargs)

    def build(self, input_shapes):
        # expect input_shape to contain 2 items, [(batch, i1), (batch, i2, i3)]
        i1 = input_shapes[0][1]
        i2 = input_shapes[1][1]
        i3 = input_shapes[1][2]

        self.kernel_1 = self.add_weight(
            shape=(i1, self.unit_1), initializer="uniform", name="kernel_1"
        )
        self.kernel_2_3 = self.add_weight(
            shape=(i2, i3, self.unit_2, self.unit_3),
            initializer="uniform",
            name="kernel_2_3",
        )

    def call(self, inputs, states):
        # inputs should be in [(batch, input_1), (batch, input_2, input_3)]
        # state should be in shape [(batch, unit_1), (batch, unit_2, unit_3)]
        input_1, input_2 = keras.tree.flatten(inputs)
        s1, s2 = states

        output_1 = keras.ops.matmul(input_1, self.kernel_1)
        output_2_3 = keras.ops.einsum("bij,ijkl->bkl", input_2, self.kernel_2_3)
        state_1 = s1 + output_1
        state_2_3 = s2 + output_2_3

        output = (output_1, output_2_3)
        new_states = (state_1, state_2_3)

        return output, new_states

    def get_config(self):
        return {"unit_1": self.unit_1, "unit_2": self.unit_2, "unit_3": self.unit_3}


# The guide's sizes (10, 20, 30; 32, 64, 32; batches of 64, 50 steps), scaled down.
unit_1, unit_2, unit_3 = 3, 4, 2
i1, i2, i3 = 5, 3, 2
batch_size, num_batches, timestep = 4, 2, 6


def guide_model():
    """The guide's model, built as the guide builds it."""
    cell = NestedCell(unit_1, unit_2, unit_3)
    rnn = keras.layers.RNN(cell)

    input_1 = keras.Input((None, i1))
    input_2 = keras.Input((None, i2, i3))

    outputs = rnn((input_1, input_2))

    model = keras.models.Model([input_1, input_2], outputs)

    model.compile(optimizer="adam", loss="mse")
    return model


class FlatNestedCell(K.layers.Layer):
    """NestedCell for Keras 3, whose RNN takes neither nested inputs nor shaped states: the
    inputs, states and outputs flattened and concatenated, the same maths and weights."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.state_size = [unit_1, unit_2 * unit_3]
        self.output_size = unit_1 + unit_2 * unit_3

    def build(self, input_shape):
        self.kernel_1 = self.add_weight(shape=(i1, unit_1), name="kernel_1")
        self.kernel_2_3 = self.add_weight(shape=(i2, i3, unit_2, unit_3), name="kernel_2_3")

    def call(self, inputs, states):
        input_1 = inputs[:, :i1]
        input_2 = K.ops.reshape(inputs[:, i1:], (-1, i2, i3))
        output_1 = K.ops.matmul(input_1, self.kernel_1)
        output_2_3 = K.ops.einsum("bij,ijkl->bkl", input_2, self.kernel_2_3)
        output_2_3 = K.ops.reshape(output_2_3, (-1, unit_2 * unit_3))
        output = K.ops.concatenate([output_1, output_2_3], axis=-1)
        return output, [states[0] + output_1, states[1] + output_2_3]


def keras_twin():
    """Keras's model with the flattened cell and the guide's two outputs."""
    input_1 = K.Input((timestep, i1))
    input_2 = K.Input((timestep, i2, i3))
    flat = K.layers.Concatenate()([input_1, K.layers.Reshape((timestep, i2 * i3))(input_2)])
    out = K.layers.RNN(FlatNestedCell())(flat)
    outputs = [out[:, :unit_1], K.layers.Reshape((unit_2, unit_3))(out[:, unit_1:])]
    model = K.Model([input_1, input_2], outputs)
    model.compile(optimizer="adam", loss="mse")
    return model


def guide_data(seed=0):
    rng = np.random.default_rng(seed)
    n = batch_size * num_batches
    inputs = [rng.random((n, timestep, i1)), rng.random((n, timestep, i2, i3))]
    targets = [rng.random((n, unit_1)), rng.random((n, unit_2, unit_3))]
    return [a.astype(np.float32) for a in inputs], [a.astype(np.float32) for a in targets]


def test_nested_cell_gives_keras_outputs_and_gradients():
    model, twin = guide_model(), keras_twin()
    model.set_weights(twin.get_weights())
    (x1, x2), _ = guide_data()
    ours = model([x1, x2])
    assert [o.shape for o in ours] == [(8, unit_1), (8, unit_2, unit_3)]
    assert [tuple(o.shape) for o in model.outputs] == [(None, unit_1), (None, unit_2, unit_3)]

    r = [np.random.default_rng(s).standard_normal(o.shape).astype(np.float32) for s, o in
         enumerate(ours)]  # fmt: skip
    xs = [deepnum.tensor(x, requires_grad=True) for x in (x1, x2)]
    out = model(xs)
    sum((o * ri).sum() for o, ri in zip(out, r)).backward()
    ts = [torch.tensor(x, requires_grad=True) for x in (x1, x2)]
    k_out = twin(ts)
    sum((o * torch.tensor(ri)).sum() for o, ri in zip(k_out, r)).backward()
    for a, b in zip(out, k_out):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(xs, ts):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert model.count_params() == twin.count_params()


def test_nested_cell_trains_as_keras_trains():
    model, twin = guide_model(), keras_twin()
    model.set_weights(twin.get_weights())
    inputs, targets = guide_data()
    history = model.fit(inputs, targets, batch_size=batch_size, epochs=3, shuffle=False, verbose=0)
    twin.fit(inputs, targets, batch_size=batch_size, epochs=3, shuffle=False, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_nested_cell_model_round_trips(tmp_path):
    model = guide_model()
    model.save(tmp_path / "nested.keras")
    loaded = keras.models.load_model(tmp_path / "nested.keras")
    inputs, _ = guide_data()
    for a, b in zip(model.predict(inputs, verbose=0), loaded.predict(inputs, verbose=0)):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- next-frame
# keras.io's next-frame model (64 filters on 64×64 frames of Moving MNIST, 19 input frames,
# batches of 5), scaled down: 3 filters on 10×10 frames of a moving square, 4 frames.
def next_frame_model(keras):
    layers = keras.layers
    inp = layers.Input(shape=(None, 10, 10, 1))
    x = layers.ConvLSTM2D(
        filters=3,
        kernel_size=(5, 5),
        padding="same",
        return_sequences=True,
        activation="relu",
    )(inp)
    x = layers.BatchNormalization()(x)
    x = layers.ConvLSTM2D(
        filters=3,
        kernel_size=(3, 3),
        padding="same",
        return_sequences=True,
        activation="relu",
    )(x)
    x = layers.BatchNormalization()(x)
    x = layers.ConvLSTM2D(
        filters=3,
        kernel_size=(1, 1),
        padding="same",
        return_sequences=True,
        activation="relu",
    )(x)
    x = layers.Conv3D(filters=1, kernel_size=(3, 3, 3), activation="sigmoid", padding="same")(x)
    model = keras.models.Model(inp, x)
    model.compile(loss=keras.losses.binary_crossentropy, optimizer=keras.optimizers.Adam())
    return model


def moving_squares(n=4, frames=5, seed=0):
    """Clips of a 3×3 square moving one pixel per frame; x: frames 0..T-2, y: frames 1..T-1."""
    rng = np.random.default_rng(seed)
    clips = np.zeros((n, frames, 10, 10, 1), np.float32)
    for i in range(n):
        r, c = rng.integers(2, 5, 2)
        dr, dc = rng.choice([-1, 1], 2)
        for t in range(frames):
            clips[i, t, r + dr * t : r + dr * t + 3, c + dc * t : c + dc * t + 3] = 1.0
    return clips[:, :-1], clips[:, 1:]


def test_next_frame_model_gives_keras_outputs_and_trains_as_keras_trains():
    ours, theirs = next_frame_model(deepnum), next_frame_model(K)
    assert ours.count_params() == theirs.count_params()
    ours.set_weights(theirs.get_weights())
    x, y = moving_squares()
    np.testing.assert_allclose(
        ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6
    )
    history = ours.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    theirs.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
