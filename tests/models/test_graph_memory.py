"""A Functional model's run releases each intermediate value after its last consumer, so that
inference holds only the live activations (a ResNet50 predict: about a third of the peak)."""

from __future__ import annotations

import weakref

import numpy as np

import deepnum as dn
from deepnum import layers


class Recorder(layers.Layer):
    """Identity that keeps a weak reference to the value it returns."""

    def call(self, x):
        out = x * 1.0
        self.ref = weakref.ref(out)
        return out


class Probe(layers.Layer):
    """Identity that notes whether the recorder's value is still alive when it runs."""

    def __init__(self, recorder: Recorder, **kwargs) -> None:
        super().__init__(**kwargs)
        self.recorder = recorder
        self.seen_alive: list[bool] = []

    def call(self, x):
        self.seen_alive.append(self.recorder.ref() is not None)
        return x


def test_a_value_no_later_layer_reads_is_released_during_predict():
    recorder = Recorder()
    probe = Probe(recorder)
    inputs = dn.Input((3,))
    first = recorder(inputs)
    skip = layers.Dense(3)(first)  # the last reader of the recorder's value
    model = dn.Model(inputs, probe(layers.Dense(3)(skip)))
    model.predict(np.ones((2, 3), "float32"), verbose=0)
    assert probe.seen_alive[-1] is False  # the earlier entries: the symbolic calls


def test_a_value_read_again_later_and_the_outputs_are_kept():
    recorder = Recorder()
    probe = Probe(recorder)
    inputs = dn.Input((3,))
    first = recorder(inputs)
    hidden = probe(layers.Dense(3)(first))
    outputs = layers.Add()([hidden, first])  # the recorder's value is read after the probe
    model = dn.Model(inputs, [outputs, first])
    x = np.arange(6, dtype="float32").reshape(2, 3)
    summed, kept = model.predict(x, verbose=0)
    assert probe.seen_alive[-1] is True
    np.testing.assert_array_equal(kept, x)
