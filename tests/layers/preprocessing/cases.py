"""The inputs on which deepnum's preprocessing layers are compared with Keras's.

Keras's ``Hashing``, ``HashedCrossing``, ``StringLookup``, ``IntegerLookup`` and
``TextVectorization`` run on TensorFlow (they raise ImportError without it, whatever the
backend), so their outputs on these cases are recorded once by ``make_keras_references.py``
(run with a Python that has TensorFlow and Keras 3) into ``keras_references.json``, together
with ``.keras`` files saved by Keras; the tests compare deepnum with the recorded outputs.
"""

from __future__ import annotations

import random

import numpy as np

PUNCTUATION_TEXT = "Hello, World! It's a 'test' -- (of) [punctuation]: 100% #1 @home & more..."


def random_strings(n: int, seed: int = 0) -> list[str]:
    """Strings of every length from 0 to 150 bytes and more, ASCII and wider code points."""
    rng = random.Random(seed)
    out = [""]
    for i in range(n - 1):
        length = i % 151
        chars = [
            chr(rng.randrange(0x80, 0x3000)) if rng.random() < 0.15 else chr(rng.randrange(32, 127))
            for _ in range(length)
        ]
        out.append("".join(chars))
    return out


def random_ints(n: int, seed: int = 1) -> list[int]:
    rng = random.Random(seed)
    return [rng.randrange(-(2**62), 2**62) if i % 3 else rng.randrange(-50, 1000) for i in range(n)]


TOKENS = ["b", "a", "c", "a", "d", "b", "e", "a", "c", "f", "z", "y", "y", "x"]
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "THE DOG barks; the fox runs!",
    "A lazy afternoon: the dog sleeps, the fox waits...",
    "Ünïcödé ÉCOLE straße — Café au lait",
    "tabs\tand\nnewlines\r\nand\x0bvertical\x0cfeeds",
    "non\xa0breaking and\u2003em\x1cspaces",
    "",
    "   ",
    "it's the dog's bone (probably) [maybe] {surely}",
    "repeat repeat repeat repeat the the",
    PUNCTUATION_TEXT,
]
TEXT_INPUTS = [
    "the fox and the dog",
    "unknown words everywhere",
    "Café the DOG!!",
    "",
    "a\xa0b c",
    "straße ÉCOLE",
]
INTS = [12, 36, 1138, 42, 12, 36, 12, 7, 7, -3, 1000, 5]
INT_INPUTS = [[12, 1138, 42], [42, 1000, 36], [5, 0, -3], [99, 7, 123456789]]

# (case name, layer, constructor arguments, adapt data or None, call input)
LOOKUP_CASES = [
    ("string_adapt_int", "StringLookup", {}, TOKENS, [["a", "z", "q"], ["e", "b", "c"]]),
    ("string_mask", "StringLookup", {"mask_token": ""}, TOKENS, [["a", "", "q"], ["", "b", "c"]]),
    ("string_oov3", "StringLookup", {"num_oov_indices": 3}, TOKENS,
     [["a", "zzz", "q"], ["qq", "hello", "c"], ["world", "x", "foo"]]),
    ("string_oov3_salt", "StringLookup", {"num_oov_indices": 3, "salt": 7}, TOKENS,
     [["a", "zzz", "q"], ["qq", "hello", "c"]]),
    ("string_max_tokens", "StringLookup", {"max_tokens": 4}, TOKENS, [["a", "b", "c", "d"]]),
    ("string_multi_hot", "StringLookup", {"output_mode": "multi_hot"}, TOKENS,
     [["a", "a", "q"], ["e", "b", "c"]]),
    ("string_count", "StringLookup", {"output_mode": "count"}, TOKENS,
     [["a", "a", "q"], ["e", "b", "b"]]),
    ("string_one_hot", "StringLookup", {"output_mode": "one_hot"}, TOKENS, [["a"], ["q"], ["e"]]),
    ("string_tf_idf", "StringLookup", {"output_mode": "tf_idf"},
     [["a", "b", "a"], ["c", "a", "d"], ["b", "b", "e"]], [["a", "a", "q"], ["e", "b", "c"]]),
    ("string_tf_idf_pad", "StringLookup",
     {"output_mode": "tf_idf", "max_tokens": 10, "pad_to_max_tokens": True},
     [["a", "b", "a"], ["c", "a", "d"]], [["a", "d", "q"]]),
    ("string_vocab_invert", "StringLookup",
     {"vocabulary": ["x", "y", "z"], "invert": True, "mask_token": "[M]"}, None,
     [0, 1, 2, 3, 4, 9]),
    ("string_vocab_special", "StringLookup", {"vocabulary": ["[UNK]", "x", "y"]}, None,
     [["x", "y", "w"]]),
    ("string_vocab_idf", "StringLookup",
     {"vocabulary": ["a", "b", "c"], "idf_weights": [0.5, 1.0, 2.0], "output_mode": "tf_idf"},
     None, [["a", "b", "q", "c", "c"]]),
    ("string_mask_multi_hot", "StringLookup", {"mask_token": "", "output_mode": "multi_hot"},
     TOKENS, [["a", "", "q"], ["", "", "b"]]),
    ("int_vocab_idf_special", "IntegerLookup",
     {"vocabulary": [-1, 5, 7], "idf_weights": [0.3, 1.0, 2.0], "output_mode": "tf_idf"}, None,
     [[5, 7, 9, 7]]),
    ("int_adapt", "IntegerLookup", {}, INTS, INT_INPUTS),
    ("int_mask", "IntegerLookup", {"mask_token": 0}, INTS, INT_INPUTS),
    ("int_oov3_floormod", "IntegerLookup", {"num_oov_indices": 3}, INTS, INT_INPUTS),
    ("int_oov3_farmhash", "IntegerLookup", {"num_oov_indices": 3, "oov_method": "farmhash"}, INTS,
     INT_INPUTS),
    ("int_oov3_salt", "IntegerLookup",
     {"num_oov_indices": 3, "oov_method": "farmhash", "salt": [3, 4]}, INTS, INT_INPUTS),
    ("int_multi_hot", "IntegerLookup", {"output_mode": "multi_hot", "max_tokens": 5}, INTS,
     INT_INPUTS),
    ("int_tf_idf", "IntegerLookup", {"output_mode": "tf_idf"}, [[1, 2, 2], [3, 1, 4], [2, 5, 5]],
     [[1, 2, 9], [5, 5, 3]]),
    ("int_vocab_invert", "IntegerLookup", {"vocabulary": [12, 36, 1138, 42], "invert": True}, None,
     [[1, 3, 4], [4, 0, 2]]),
]  # fmt: skip

TEXT_CASES = [
    ("tv_default", {}, CORPUS, TEXT_INPUTS),
    ("tv_seq_len", {"output_sequence_length": 5}, CORPUS, TEXT_INPUTS),
    ("tv_max_tokens", {"max_tokens": 8}, CORPUS, TEXT_INPUTS),
    ("tv_lower", {"standardize": "lower"}, CORPUS, TEXT_INPUTS),
    ("tv_strip", {"standardize": "strip_punctuation"}, CORPUS, TEXT_INPUTS),
    ("tv_none", {"standardize": None}, CORPUS, TEXT_INPUTS),
    ("tv_character", {"split": "character", "max_tokens": 30}, CORPUS, TEXT_INPUTS),
    ("tv_ngrams", {"ngrams": 2}, CORPUS, TEXT_INPUTS),
    ("tv_ngrams_tuple", {"ngrams": (1, 3)}, CORPUS, TEXT_INPUTS),
    ("tv_multi_hot", {"output_mode": "multi_hot"}, CORPUS, TEXT_INPUTS),
    ("tv_count", {"output_mode": "count", "max_tokens": 12}, CORPUS, TEXT_INPUTS),
    ("tv_tf_idf", {"output_mode": "tf_idf"}, CORPUS, TEXT_INPUTS),
    ("tv_tf_idf_pad", {"output_mode": "tf_idf", "max_tokens": 40, "pad_to_max_tokens": True},
     CORPUS, TEXT_INPUTS),
    ("tv_split_none", {"split": None}, ["Cat", "dog", "cat", "BIRD!", "cat"],
     ["cat", "Dog", "fish", ""]),
    ("tv_vocab", {"vocabulary": ["earth", "wind", "and", "fire"], "output_sequence_length": 4},
     None, ["earth wind and fire", "fire and water"]),
    ("tv_vocab_idf", {"vocabulary": ["the", "fox"], "idf_weights": [1.5, 2.5],
                      "output_mode": "tf_idf"}, None, TEXT_INPUTS),
    ("tv_split_none_ngrams", {"split": None, "ngrams": 2}, ["Cat", "dog", "cat"],
     [["cat"], ["Dog!"], ["fish"]]),
]  # fmt: skip

HASH_STRINGS = random_strings(400)
HASH_INTS = random_ints(300)
HASH_CASES = [
    ("hash_str_3", {"num_bins": 3}, "strings"),
    ("hash_str_1024", {"num_bins": 1024}, "strings"),
    ("hash_str_big", {"num_bins": 2**31 - 1}, "strings"),
    ("hash_str_salt_int", {"num_bins": 1000, "salt": 133}, "strings"),
    ("hash_str_salt_pair", {"num_bins": 1000, "salt": [1, 2]}, "strings"),
    ("hash_str_mask", {"num_bins": 10, "mask_value": ""}, "strings"),
    ("hash_int_7", {"num_bins": 7}, "ints"),
    ("hash_int_big", {"num_bins": 2**40}, "ints"),
    ("hash_int_salt", {"num_bins": 100, "salt": [5, 9]}, "ints"),
    ("hash_int_mask", {"num_bins": 5, "mask_value": 12}, "ints"),
    ("hash_float", {"num_bins": 50}, "floats"),
    ("hash_multi_hot", {"num_bins": 6, "output_mode": "multi_hot"}, "pairs"),
    ("hash_count", {"num_bins": 6, "output_mode": "count"}, "pairs"),
    ("hash_one_hot", {"num_bins": 6, "output_mode": "one_hot"}, "column"),
]


def hash_input(kind: str) -> np.ndarray:
    if kind == "strings":
        return np.array(HASH_STRINGS, dtype=object)
    if kind == "ints":
        return np.array(HASH_INTS, dtype=np.int64)
    if kind == "floats":
        return np.array([-2.7, -0.5, 0.0, 0.9, 1.5, 12.99, 1e6 + 0.5], dtype=np.float32)
    if kind == "pairs":
        return np.array([["a", "b"], ["c", "c"], ["", "zz"]])
    return np.array([["a"], ["b"], ["c"]])


CROSS_CASES = [
    ("cross_str_int", {"num_bins": 5}, (["A", "B", "A", "B", "C"], [101, 101, 102, 102, 7])),
    ("cross_str_str", {"num_bins": 1000}, (["x", "yy", "", "x"], ["a", "a", "b", "c"])),
    ("cross_int_int", {"num_bins": 2**20}, ([1, 2, -3, 2**40], [0, 5, 5, -1])),
    ("cross_one_hot", {"num_bins": 4, "output_mode": "one_hot"}, (["A", "B"], [1, 2])),
    ("cross_three", {"num_bins": 97}, (["a", "b", "c"], [1, 2, 3], ["x", "y", "x"])),
]


def cross_inputs(values: tuple) -> list[np.ndarray]:
    out = []
    for v in values:
        a = np.array(v, dtype=object if isinstance(v[0], str) else np.int64)
        out.append(a.reshape(-1, 1))
    return out
