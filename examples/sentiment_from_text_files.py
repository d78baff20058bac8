"""Sentiment classification from raw text files, with the text vectorized inside the model.

The data is a folder in the aclImdb layout (``train/pos/*.txt``, ``train/neg/*.txt``,
``test/pos/*.txt``, ``test/neg/*.txt``), read with ``keras.utils.text_dataset_from_directory``.
Point ``--data`` at an unpacked aclImdb folder; without it, a small synthetic corpus in the same
layout is generated in a temporary folder (nothing is downloaded).

The model takes raw strings: TextVectorization (adapted on the training texts) → Embedding →
GlobalAveragePooling1D → Dense. Saved as ``.keras``, it keeps its vocabulary, and the file
opens in Keras 3 too.

Run: ``python examples/sentiment_from_text_files.py [--data aclImdb] [--epochs 5]``.
"""

import argparse
import os
import tempfile

import numpy as np

import deepnum as keras
from deepnum import layers

POSITIVE = "great wonderful moving superb delightful brilliant charming fun touching masterful"
NEGATIVE = "dull boring awful clumsy tedious bland lifeless dreadful predictable forgettable"
NEUTRAL = (
    "the film story plot actor actress director scene music camera script movie character "
    "ending cast screen minutes dialogue and a of it this was with its but as on by an"
)


def write_synthetic_imdb(root: str, per_class: int = 600, seed: int = 0) -> None:
    """Reviews in the aclImdb layout: neutral words with a few sentiment words (some of the
    other class's, as real reviews have), capitals, punctuation and ``<br />`` tags."""
    rng = np.random.default_rng(seed)
    words = {"pos": POSITIVE.split(), "neg": NEGATIVE.split()}
    neutral = NEUTRAL.split()
    for split in ("train", "test"):
        for label, other in (("pos", "neg"), ("neg", "pos")):
            folder = os.path.join(root, split, label)
            os.makedirs(folder, exist_ok=True)
            count = per_class if split == "train" else per_class // 2
            for i in range(count):
                body = list(rng.choice(neutral, rng.integers(20, 60)))
                body += list(rng.choice(words[label], rng.integers(2, 5)))
                body += list(rng.choice(words[other], rng.integers(0, 2)))
                rng.shuffle(body)
                sentences = [" ".join(body[j : j + 9]).capitalize() for j in range(0, len(body), 9)]
                text = ". ".join(sentences) + rng.choice(["!", ".", "..."])
                with open(os.path.join(folder, f"{i}_{label}.txt"), "w", encoding="utf-8") as f:
                    f.write(text.replace(". ", ". <br /><br />", 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="an aclImdb folder (default: a generated one)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--max-tokens", type=int, default=20000)
    parser.add_argument("--sequence-length", type=int, default=200)
    args = parser.parse_args()
    keras.utils.set_random_seed(0)

    with tempfile.TemporaryDirectory() as tmp:
        root = args.data
        if root is None:
            root = os.path.join(tmp, "aclImdb")
            write_synthetic_imdb(root)
            print(f"Generated a synthetic corpus in {root}")
        run(root, args, os.path.join(tmp, "sentiment.keras"))


def run(root: str, args: argparse.Namespace, path: str) -> None:
    """Read the folder, adapt the vocabulary, train, evaluate, save and reload."""
    # Only the pos/neg folders: aclImdb's train/ also holds unlabelled reviews (unsup/).
    common = dict(batch_size=32, class_names=["neg", "pos"], seed=1337)
    train_ds, val_ds = keras.utils.text_dataset_from_directory(
        os.path.join(root, "train"), validation_split=0.2, subset="both", **common
    )
    test_ds = keras.utils.text_dataset_from_directory(os.path.join(root, "test"), **common)

    vectorize = layers.TextVectorization(
        max_tokens=args.max_tokens, output_sequence_length=args.sequence_length
    )
    vectorize.adapt(train_ds.map(lambda texts, labels: texts))  # streamed, a batch at a time
    print(
        f"Vocabulary: {vectorize.vocabulary_size()} tokens, e.g. {vectorize.get_vocabulary()[:8]}"
    )

    inputs = keras.Input(shape=(), dtype="string")
    x = vectorize(inputs)
    x = layers.Embedding(args.max_tokens, 16, mask_zero=True)(x)  # 0 pads: masked
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(train_ds, validation_data=val_ds, epochs=args.epochs, verbose=2)
    loss, accuracy = model.evaluate(test_ds, verbose=0)
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.4f}")

    reviews = np.array(["A superb, moving film. Brilliant!", "Dull, tedious and far too long."])
    model.save(path)  # the vocabulary travels in the file (assets/.../vocabulary.txt)
    restored = keras.models.load_model(path)
    for review, p, q in zip(
        reviews, model.predict(reviews, verbose=0), restored.predict(reviews, verbose=0)
    ):
        print(f"{str(review)!r}: P(positive) = {p[0]:.3f} (reloaded model: {q[0]:.3f})")


if __name__ == "__main__":
    main()
