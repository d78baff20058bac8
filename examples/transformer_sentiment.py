"""Text classification with a Transformer block: keras.io's example with only the import changed.

The ``TransformerBlock`` and ``TokenAndPositionEmbedding`` layers and the classifier below are
the code of keras.io's "Text classification with Transformer" (Keras 3 version), run by
deepnum through ``import deepnum as keras``.

Data: IMDB (25,000 reviews, top 20,000 words, the first 200 of each) when its file is already
cached on this machine (``deepnum.datasets.imdb``, which never downloads here); otherwise
generated reviews: 20–60 neutral words and three sentiment words, positive when most of the
three are positive ones.

Run: ``python examples/transformer_sentiment.py [--epochs 3] [--quick]``.
"""

import argparse

import numpy as np

import deepnum as keras
from deepnum import layers, ops

# ---------------------------------------------------------------- keras.io's code (begin)


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [
                layers.Dense(ff_dim, activation="relu"),
                layers.Dense(embed_dim),
            ]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


def create_classifier(maxlen, vocab_size, embed_dim=32, num_heads=2, ff_dim=32):
    inputs = layers.Input(shape=(maxlen,))
    embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
    x = embedding_layer(inputs)
    transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
    x = transformer_block(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


# ---------------------------------------------------------------- keras.io's code (end)

POSITIVE, NEGATIVE = range(3, 10), range(10, 17)  # word ids; 17… are neutral words


def generated_reviews(count, vocab_size, seed):
    """Reviews of 20–60 neutral words with three sentiment words at random places; the label
    is 1 when at least two of the three are positive."""
    rng = np.random.default_rng(seed)
    reviews, labels = [], np.empty(count, "int64")
    for i in range(count):
        words = list(rng.integers(NEGATIVE.stop, vocab_size, rng.integers(20, 60)))
        positive = rng.random(3) < 0.5
        for is_positive in positive:
            word = rng.choice(POSITIVE if is_positive else NEGATIVE)
            words.insert(rng.integers(0, len(words) + 1), word)
        reviews.append(words)
        labels[i] = positive.sum() >= 2
    return reviews, labels


def load(quick):
    """IMDB from the local cache, else the generated task (smaller with ``quick``)."""
    if not quick:
        try:
            (x, y), (x_val, y_val) = keras.datasets.imdb.load_data(num_words=20000, download=False)
            return "IMDB (cached)", 20000, 200, (x, y), (x_val, y_val)
        except OSError as e:  # FileNotFoundError: not cached, and nothing is downloaded here
            print(f"{e}\nUsing the generated reviews instead.")
    n_train, n_val = (256, 64) if quick else (6000, 1000)
    train = generated_reviews(n_train, 2000, seed=0)
    val = generated_reviews(n_val, 2000, seed=1)
    return "generated reviews", 2000, 64, train, val


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a tiny run (for the tests)")
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    name, vocab_size, maxlen, (x_train, y_train), (x_val, y_val) = load(args.quick)
    x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
    x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen)
    print(f"{name}: {len(x_train)} training and {len(x_val)} validation sequences")
    model = create_classifier(maxlen, vocab_size)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=args.epochs, validation_data=(x_val, y_val))
    loss, accuracy = model.evaluate(x_val, y_val, verbose=0)
    print(f"validation accuracy: {accuracy:.3f}")


if __name__ == "__main__":
    main()
