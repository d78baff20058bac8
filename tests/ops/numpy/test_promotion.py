"""The dtypes (and values) of the elementwise ops against ``keras.ops`` on PyTorch: every op on
every pair of dtypes and with Python numbers on either side, every unary op on every dtype.

deepnum follows Keras's promotion lattice everywhere. Where Keras's PyTorch backend gives
something else, the difference is listed below with its reason, and only that difference is
accepted.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.keras_reference import keras_call

torch = reference("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
NUMBERS = {"int": 3, "float": 2.5, "pybool": True}
NARROW = {"int64": "int32", "float64": "float32"}

BINARY = """add subtract multiply divide true_divide divide_no_nan floor_divide mod fmod power
maximum minimum fmax fmin arctan2 hypot logaddexp logaddexp2 nextafter heaviside ldexp
equal not_equal greater greater_equal less less_equal isclose logical_and logical_or
logical_xor bitwise_and bitwise_or bitwise_xor left_shift right_shift bitwise_left_shift
bitwise_right_shift gcd lcm""".split()
UNARY = """abs absolute fabs sign negative reciprocal square sqrt cbrt exp exp2 expm1 log log2
log10 log1p sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh deg2rad
rad2deg sinc i0 ceil floor trunc round signbit isfinite isinf isnan isneginf isposinf
logical_not bitwise_invert bitwise_not angle conj conjugate real isreal nan_to_num""".split()

# Keras computes these through keras.backend.result_type, which narrows 64-bit results to 32
# bits on PyTorch; deepnum keeps float64/int64 data in 64 bits (as Keras's add and multiply do).
NARROWING = set(
    "divide_no_nan floor_divide maximum minimum fmax fmin arctan2 hypot logaddexp logaddexp2 "
    "nextafter heaviside ldexp ceil floor".split()
)
# These convert a Python float to a float32 tensor before promoting, so float16 + 2.5 gives
# float32; deepnum keeps the number weak (float16), as Keras's add and multiply do.
STRONG_FLOAT = set("arctan2 hypot logaddexp logaddexp2 nextafter heaviside".split())
# Keras's PyTorch backend sends int64 to float64 in these alone; deepnum sends every integer
# dtype to floatx, as Keras's other float functions (sin, exp, sqrt, ...) do.
INT64_TO_FLOAT64 = {"cbrt", "deg2rad", "rad2deg", "i0"}
# Keras raises where deepnum answers: hypot of booleans (torch has no kernel), imag of real
# data (torch.imag needs complex; NumPy gives zeros), round of booleans (no torch kernel).
KERAS_RAISES = {("hypot", "bool", "bool"), ("imag",), ("round", "bool")}
# Shifting a boolean by a Python int: Keras passes the int to torch unconverted (int64 result);
# the lattice gives int32.
SHIFT_BOOL_BY_INT = {"left_shift", "right_shift", "bitwise_left_shift", "bitwise_right_shift"}


def _value(kind: str, second: bool):
    if kind in NUMBERS:
        return NUMBERS[kind]
    return np.array([3, 2, 1, 2] if second else [0, 1, 2, 3]).astype(kind)


def _run(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn()
        except (TypeError, ValueError, RuntimeError, NotImplementedError):
            return None
    return out.numpy() if isinstance(out, dn.Tensor) else np.asarray(out)


def _accepted(name: str, kinds: tuple[str, ...], ours: str, theirs: str) -> bool:
    """True when the dtypes agree, or differ only in one of the listed ways."""
    if ours == theirs:
        return True
    if name in NARROWING and NARROW.get(ours) == theirs:
        return any(k in ("int64", "float64") for k in kinds)
    if name in STRONG_FLOAT and "float" in kinds and "float16" in kinds:
        return (ours, theirs) == ("float16", "float32")
    if name in INT64_TO_FLOAT64 and kinds == ("int64",):
        return (ours, theirs) == ("float32", "float64")
    if name in SHIFT_BOOL_BY_INT and set(kinds) == {"bool", "int"}:
        return (ours, theirs) == ("int32", "int64")
    return False


def _compare(name: str, kinds: tuple[str, ...], args: tuple) -> str | None:
    """None when deepnum agrees with Keras on ``name(*args)``, else a description."""
    theirs = _run(lambda: keras_call(name, *args))
    ours = _run(lambda: getattr(ops, name)(*args))
    if theirs is None:
        bools = tuple("bool" if k == "pybool" else k for k in kinds)
        if ours is None or (name, *bools) in KERAS_RAISES or (name,) in KERAS_RAISES:
            return None
        return f"{name}{kinds}: Keras raises, deepnum gives {ours.dtype}"
    if ours is None:
        return f"{name}{kinds}: deepnum raises, Keras gives {theirs.dtype}"
    if not _accepted(name, kinds, ours.dtype.name, theirs.dtype.name):
        return f"{name}{kinds}: dtype {ours.dtype} vs Keras's {theirs.dtype}"
    if ours.shape != theirs.shape:
        return f"{name}{kinds}: shape {ours.shape} vs Keras's {theirs.shape}"
    half = "float16" in (ours.dtype.name, theirs.dtype.name)
    try:
        np.testing.assert_allclose(
            ours.astype(np.float64),
            theirs.astype(np.float64),
            rtol=2e-3 if half else 2e-6,
            atol=2e-3 if half else 1e-6,
            equal_nan=True,
        )
    except AssertionError:
        return f"{name}{kinds}: values {ours.tolist()} vs Keras's {theirs.tolist()}"
    return None


@pytest.mark.parametrize("name", BINARY)
def test_binary_dtypes_and_values_match_keras(name):
    kinds = list(itertools.product(DTYPES, repeat=2))
    kinds += [(d, n) for d in DTYPES for n in NUMBERS] + [(n, d) for d in DTYPES for n in NUMBERS]
    wrong = []
    for k1, k2 in kinds:
        problem = _compare(name, (k1, k2), (_value(k1, False), _value(k2, True)))
        if problem:
            wrong.append(problem)
    assert not wrong, f"{len(wrong)} of {len(kinds)} cases differ:\n" + "\n".join(wrong[:8])


@pytest.mark.parametrize("name", UNARY)
def test_unary_dtypes_and_values_match_keras(name):
    wrong = [p for d in DTYPES if (p := _compare(name, (d,), (_value(d, False),)))]
    assert not wrong, "\n".join(wrong)


# --------------------------------------------------------------------------- conversions
@pytest.mark.parametrize(
    "x1, x2",
    [
        ([1, 2], [3, 4]),  # int lists → int32
        ([1, 2], [0.5, 4]),  # float list → floatx
        (np.array([1, 2], "int32"), np.float64(2.5)),  # a NumPy scalar is weak, like a number
        (np.array([1.0], "float16"), 2.5),
        (2, 3),
        (2, 3.5),
        (np.array([True, False]), 1),
    ],
    ids=str,
)
def test_operand_conversion_matches_keras(x1, x2):
    for name in ("add", "multiply", "maximum"):
        assert _compare(name, ("x1", "x2"), (x1, x2)) is None


def test_numpy_integer_scalars_are_weak():
    # Keras's add keeps int8 (PyTorch's rule for a 0-d operand); its maximum converts the
    # scalar to an int64 tensor first (int32 after narrowing). deepnum keeps NumPy scalars weak
    # in every op, as Python numbers.
    x = np.array([1, 2], "int8")
    assert _compare("add", ("int8", "np.int64"), (x, np.int64(3))) is None
    assert ops.maximum(x, np.int64(3)).dtype == np.int8


def test_float64_data_stays_float64():
    x = np.array([1.0, 2.0])
    assert ops.add(x, dn.tensor(np.ones(2, "float32"))).dtype == np.float64
    assert ops.sin(x).dtype == ops.maximum(x, 1).dtype == ops.arctan2(x, x).dtype == np.float64
    assert (dn.tensor(x) * 2.5).dtype == np.float64


def test_0d_arrays_are_strong_like_keras_lattice():
    # A 0-d array keeps its dtype in the promotion (Keras's lattice; only numbers are weak).
    x = dn.tensor(np.ones(2, "float32"))
    assert ops.add(x, np.array(2.0)).dtype == np.float64
    assert ops.add(x, np.float64(2.0)).dtype == np.float32


def test_promotion_cast_is_differentiable_in_each_dtype():
    x32 = dn.tensor(np.array([1.0, 2.0], "float32"), requires_grad=True)
    x64 = dn.tensor(np.array([3.0, 4.0]), requires_grad=True)
    out = ops.multiply(x32, x64)
    assert out.dtype == np.float64
    out.sum().backward()
    assert x32.grad.dtype == np.float32 and x64.grad.dtype == np.float64
    np.testing.assert_allclose(x32.grad.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(x64.grad.numpy(), [1.0, 2.0])


def test_integer_operand_of_a_float_op_carries_no_gradient():
    x = dn.tensor(np.array([1.0, 2.0]), requires_grad=True)
    g = dn.grad(lambda t: (t * np.array([2, 3], "int32")).sum())(x.numpy())
    np.testing.assert_allclose(g.numpy(), [2.0, 3.0])


def test_python_ints_out_of_range_wrap_like_keras():
    x = np.array([1, 2], "int8")
    assert _compare("add", ("int8", "int"), (x, 300)) is None


def test_promotion_follows_floatx():
    dn.config.set_floatx("float64")
    assert ops.add(np.array([1], "int32"), 0.5).dtype == np.float64
    assert ops.sin(np.array([1], "int32")).dtype == np.float64
    assert ops.divide([1], [2]).dtype == np.float64


def test_non_numeric_operands_are_a_clear_error():
    with pytest.raises(TypeError, match="Cannot convert"):
        ops.add(dn.tensor([1.0]), ["a"])
