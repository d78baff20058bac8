"""Benchmark: ``TextVectorization.adapt`` + transform of 100,000 short texts, deepnum against
Keras 3 (torch backend; Keras's text layers run on TensorFlow, which must be installed for the
reference side).

One step adapts a fresh layer (``max_tokens=20000``) on the texts and vectorizes them all
(``output_sequence_length=20``), as a text model's input pipeline does once per run. Steps are
interleaved (deepnum, Keras, deepnum, ...) after a warm-up of each; ``ratio`` is the median of
the per-turn ratios deepnum / Keras (below 1: deepnum is faster).

Run: ``python -m bench.bench_text [--repeats N] [--texts N]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
from typing import Any

import numpy as np

from bench.harness import Pair, interleave

PUNCTUATION = [",", ".", "!", "?", ";", ":", "'s", " -", "...", ""]


def short_texts(n: int, seed: int = 0, vocabulary: int = 30000) -> np.ndarray:
    """``n`` texts of 4 to 20 words drawn from a Zipf-like vocabulary, with capitals and
    punctuation, as reviews or tweets have."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i:x}" for i in range(vocabulary)])
    caps = rng.random(vocabulary) < 0.1
    words[caps] = np.char.capitalize(words[caps])
    lengths = rng.integers(4, 21, n)
    ranks = np.minimum(rng.zipf(1.3, lengths.sum()) - 1, vocabulary - 1)
    marks = np.array(PUNCTUATION)[rng.integers(0, len(PUNCTUATION), lengths.sum())]
    tokens = np.char.add(words[ranks], marks)
    ends = np.cumsum(lengths)
    return np.array([" ".join(tokens[e - k : e]) for e, k in zip(ends, lengths)], dtype=object)


def _deepnum_step(texts: np.ndarray) -> Any:
    import deepnum as dn

    def step() -> Any:
        layer = dn.layers.TextVectorization(max_tokens=20000, output_sequence_length=20)
        layer.adapt(texts)
        return layer(texts)

    return step


def _keras_step(texts: np.ndarray) -> Any:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    def step() -> Any:
        layer = keras.layers.TextVectorization(max_tokens=20000, output_sequence_length=20)
        layer.adapt(texts)
        return layer(texts)

    return step


MISSING_REFERENCE = (
    "Keras's TextVectorization runs on TensorFlow, which is not installed "
    "(pip install tensorflow-cpu, then python -m bench --only text)"
)


def reference_available() -> bool:
    """Keras's TextVectorization needs TensorFlow, whatever Keras's backend."""
    return all(importlib.util.find_spec(m) is not None for m in ("keras", "tensorflow"))


def text_vectorization_pair(repeats: int = 5, n: int = 100_000) -> Pair:
    """The interleaved timing row (needs Keras and TensorFlow for the reference side)."""
    texts = short_texts(n)
    ours, ref = _deepnum_step(texts), _keras_step(texts)
    a, b = np.asarray(ours().numpy()), np.asarray(ref().detach().cpu().numpy())
    if a.shape != b.shape or not (a == b).all():
        raise AssertionError("deepnum and Keras vectorize the benchmark texts differently")
    return interleave(
        f"TextVectorization adapt + transform, {n:,} short texts",
        ours,
        ref,
        warmup=1,
        repeats=repeats,
        samples_per_step=n,
        ref_name="Keras (torch backend, TensorFlow text ops)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_text", description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--texts", type=int, default=100_000)
    args = parser.parse_args(argv)
    if not reference_available():
        print("skipped: " + MISSING_REFERENCE)
        return 0
    from bench import machine

    machine.set_threads(2)
    pair = text_vectorization_pair(args.repeats, args.texts)
    print(f"CPU: {machine.cpu_model()}")
    print(
        f"{pair.name}: deepnum {np.median(pair.ours):.3f} s "
        f"({min(pair.ours):.3f}–{max(pair.ours):.3f}), Keras {np.median(pair.ref):.3f} s "
        f"({min(pair.ref):.3f}–{max(pair.ref):.3f}), ratio {pair.ratio:.2f} "
        f"(per-turn {min(pair.ratios):.2f}–{max(pair.ratios):.2f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
