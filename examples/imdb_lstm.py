"""Sentiment classification with an Embedding + LSTM: IMDB when its file is on this machine,
otherwise a small generated corpus where the label depends on which words occur."""

import numpy as np

import deepnum as keras
from deepnum import layers

VOCAB, MAXLEN = 2000, 100
try:
    (x, y), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=VOCAB)
except OSError as e:
    print(e, "\nUsing a generated corpus instead.")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 3000)
    # Positive reviews draw more often from words 10..109, negative ones from 110..209.
    x = [
        list(rng.integers(3, VOCAB, rng.integers(20, 80)))
        + list(rng.integers(10 + 100 * (1 - label), 110 + 100 * (1 - label), 8))
        for label in y
    ]
    x, x_test, y, y_test = x[:2500], x[2500:], y[:2500], y[2500:]

x = keras.utils.pad_sequences(x, maxlen=MAXLEN)
x_test = keras.utils.pad_sequences(x_test, maxlen=MAXLEN)
model = keras.Sequential(
    [
        keras.Input((MAXLEN,), dtype="int32"),
        layers.Embedding(VOCAB, 32, mask_zero=True),
        layers.LSTM(32),
        layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, batch_size=64, epochs=3, validation_split=0.1)
print("test loss, accuracy:", model.evaluate(x_test, y_test, verbose=0))
