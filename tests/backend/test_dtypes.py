"""Keras's type promotion: ``result_type`` against ``keras.backend.result_type`` over every pair
(and many triples) of Keras's dtypes and Python types, under each floatx; ``promote_types``
(the same lattice without Keras's 64→32-bit narrowing) against ``torch.promote_types`` and
against what ``keras.ops.add`` returns for a Python number."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import deepnum as dn
from deepnum import backend
from deepnum.backend import dtypes
from tests.conftest import reference

keras = reference("keras")
torch = reference("torch")
kdtypes = reference("keras.src.backend.common.dtypes")

NAMES = [d for d in kdtypes.ALLOWED_DTYPES if d != "string" and d not in kdtypes.FLOAT8_TYPES]
ARGS = [*NAMES, int, float, bool, complex, "int", None]
TORCH_DTYPES = [
    "bool", "uint8", "int8", "int16", "int32", "int64",
    "float16", "float32", "float64", "complex64", "complex128",
]  # fmt: skip
NARROW = {"int64": "int32", "uint64": "uint32", "float64": "float32", "complex128": "complex64"}


def _keras_or_error(*args):
    try:
        return kdtypes.result_type(*args)
    except ValueError:
        return ValueError


def _ours_or_error(*args):
    try:
        return dtypes.result_type(*args)
    except ValueError:
        return ValueError


@pytest.fixture(params=["float32", "float64", "float16"])
def both_floatx(request):
    """The same floatx in Keras and deepnum (weak types resolve with its precision)."""
    before = keras.config.floatx()
    keras.config.set_floatx(request.param)
    dn.config.set_floatx(request.param)
    yield request.param
    keras.config.set_floatx(before)


def test_result_type_matches_keras_on_every_pair_and_single(both_floatx):
    cases = [(a,) for a in ARGS] + list(itertools.product(ARGS, repeat=2))
    wrong = [c for c in cases if _ours_or_error(*c) != _keras_or_error(*c)]
    assert not wrong, f"{len(wrong)} of {len(cases)} differ, e.g. {wrong[:5]}"


def test_result_type_matches_keras_on_triples():
    some = ["bool", "uint8", "int8", "int32", "int64", "float16", "bfloat16", "float64"]
    cases = list(itertools.product([*some, int, float], repeat=3))
    wrong = [c for c in cases if _ours_or_error(*c) != _keras_or_error(*c)]
    assert not wrong, f"{len(wrong)} of {len(cases)} differ, e.g. {wrong[:5]}"


@pytest.mark.parametrize(
    "args, want",
    [
        (("int32", "float32"), "float32"),
        (("uint8", "int8"), "int16"),
        (("int8", int), "int8"),
        (("int32", float), "float32"),
        (("bool", int), "int32"),
        (("float16", float), "float16"),
        (("float64", "float64"), "float32"),  # Keras narrows 64-bit results on JAX/PyTorch
        ((), "float32"),
    ],
)
def test_result_type_examples(args, want):
    assert backend.result_type(*args) == want == keras.backend.result_type(*args)


def test_result_type_rejects_float8_and_unknown_dtypes():
    with pytest.raises(ValueError, match="float8"):
        backend.result_type("float8_e4m3fn", "float32")
    with pytest.raises(ValueError, match="Invalid dtype"):
        backend.result_type("float31")


@pytest.mark.parametrize(
    "value", [None, int, float, bool, complex, "int", "float16", np.float64, np.dtype("int8")]
)
def test_standardize_dtype_matches_keras(value):
    assert backend.standardize_dtype(value) == keras.backend.standardize_dtype(value)


@pytest.mark.parametrize("name", NAMES)
def test_is_float_and_is_int_dtype_match_keras(name):
    assert backend.is_float_dtype(name) == keras.backend.is_float_dtype(name)
    assert backend.is_int_dtype(name) == keras.backend.is_int_dtype(name)


def test_promote_types_matches_torch_on_every_pair():
    wrong = []
    for a, b in itertools.product(TORCH_DTYPES, repeat=2):
        got = dtypes.promote_types(np.dtype(a), np.dtype(b)).name
        want = str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[-1]
        if got != want:
            wrong.append((a, b, got, want))
    assert not wrong, wrong


def test_promote_types_is_keras_lattice_without_narrowing():
    names = [n for n in NAMES if n != "bfloat16"]
    for a, b in itertools.product(names, repeat=2):
        got = dtypes.promote_types(np.dtype(a), np.dtype(b)).name
        assert NARROW.get(got, got) == kdtypes.result_type(a, b), (a, b)


@pytest.mark.parametrize("name", TORCH_DTYPES[:9])
@pytest.mark.parametrize("number", [3, 2.5, True], ids=["int", "float", "bool"])
def test_promote_types_with_python_numbers_matches_keras_ops(name, number):
    want = keras.ops.add(np.ones(2, name), number).dtype
    got = dtypes.promote_types(np.dtype(name), type(number))
    assert got.name == str(want).split(".")[-1]


def test_promote_types_follows_floatx():
    int32 = np.dtype("int32")
    assert dtypes.promote_types(int32, float) == np.float32
    dn.config.set_floatx("float64")
    assert dtypes.promote_types(int32, float) == np.float64
    assert dtypes.promote_types(np.dtype("bool"), int) == np.int64
