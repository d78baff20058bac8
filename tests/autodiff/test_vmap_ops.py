"""vmap over every op family, one line per op: ``deepnum.vmap`` of a ``deepnum.ops`` function
against ``keras.ops.vectorized_map`` of the Keras op of the same name (``torch.vmap`` on Keras's
PyTorch backend), on a batch of 3 float64 examples.

``fast`` marks the ops that must run through batching rules (no per-example fallback: the test
fails on vmap's fallback warning); the others must give the same values either way.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference

keras = reference("keras")
torch = reference("torch")

B = 3


@pytest.fixture(autouse=True, scope="module")
def _keras_float64():
    """Keras computes some ops in floatx: compare in float64."""
    before = keras.config.floatx()
    keras.config.set_floatx("float64")
    yield
    keras.config.set_floatx(before)


def _sample(shape, domain, rng):
    if domain == "pos":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "unit":
        return rng.uniform(-0.9, 0.9, shape)
    if domain == "gt1":
        return rng.uniform(1.1, 3.0, shape)
    if domain == "spd":
        a = rng.standard_normal(shape)
        return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])
    if domain == "int":
        return rng.integers(0, 3, shape)
    return rng.uniform(-2.0, 2.0, shape)


# name, per-example shapes, keyword arguments, input domain (one, or one per input), fast path
# expected, and optionally in_axes (None: an input shared by all examples)
CASES = [
    # unary elementwise
    *[
        (n, [(2, 3)], {}, "any", True)
        for n in [
            "abs",
            "exp",
            "expm1",
            "sin",
            "cos",
            "tan",
            "tanh",
            "sinh",
            "cosh",
            "arctan",
            "arcsinh",
            "negative",
            "square",
            "relu",
            "relu6",
            "sigmoid",
            "softplus",
            "softsign",
            "silu",
            "gelu",
            "elu",
            "selu",
            "leaky_relu",
            "hard_sigmoid",
            "hard_silu",
            "log_sigmoid",
            "erf",
            "cbrt",
            "exp2",
            "sinc",
            "tanh_shrink",
            "celu",
            "squareplus",
        ]
    ],  # fmt: skip
    *[
        (n, [(2, 3)], {}, "pos", True)
        for n in ["log", "log1p", "log2", "log10", "sqrt", "reciprocal", "rsqrt"]
    ],  # fmt: skip
    *[(n, [(4,)], {}, "unit", True) for n in ["arcsin", "arccos", "arctanh", "erfinv"]],
    ("arccosh", [(4,)], {}, "gt1", True),
    ("glu", [(2, 4)], {}, "any", True),
    # binary elementwise, with broadcasting against a lower-rank operand
    *[
        (n, [(2, 3), (3,)], {}, "pos", True)
        for n in [
            "add",
            "subtract",
            "multiply",
            "divide",
            "power",
            "maximum",
            "minimum",
            "arctan2",
            "hypot",
            "logaddexp",
        ]
    ],  # fmt: skip
    ("mod", [(2, 3), (3,)], {}, "pos", True),
    ("clip", [(2, 3)], {"x_min": -0.5, "x_max": 0.5}, "any", True),
    # reductions
    *[
        (n, [(2, 3, 4)], {"axis": 1}, "pos", True)
        for n in [
            "sum",
            "mean",
            "max",
            "min",
            "prod",
            "logsumexp",
            "var",
            "std",
            "cumsum",
            "cumprod",
        ]
    ],  # fmt: skip
    *[(n, [(2, 3)], {}, "pos", True) for n in ["sum", "mean", "max", "prod", "var"]],
    ("sum", [(2, 3)], {"axis": -1, "keepdims": True}, "any", True),
    ("softmax", [(2, 3)], {"axis": -1}, "any", True),
    ("log_softmax", [(2, 3)], {"axis": 0}, "any", True),
    ("norm", [(2, 3)], {"axis": -1}, "any", True),
    ("norm", [(2, 3)], {"ord": "fro"}, "any", True),
    # shapes and joins
    ("reshape", [(2, 3)], {"newshape": (3, 2)}, "any", True),
    ("reshape", [(2, 3)], {"newshape": (-1,)}, "any", True),
    ("transpose", [(2, 3, 4)], {"axes": (2, 0, 1)}, "any", True),
    ("transpose", [(2, 3)], {}, "any", True),
    ("expand_dims", [(2, 3)], {"axis": 1}, "any", True),
    ("squeeze", [(2, 1, 3)], {"axis": 1}, "any", True),
    ("moveaxis", [(2, 3, 4)], {"source": 0, "destination": -1}, "any", True),
    ("swapaxes", [(2, 3, 4)], {"axis1": 0, "axis2": 2}, "any", True),
    ("flip", [(2, 3)], {"axis": 1}, "any", True),
    ("roll", [(2, 3)], {"shift": 1, "axis": 1}, "any", True),
    ("tile", [(2, 3)], {"repeats": (2, 1)}, "any", True),
    ("repeat", [(2, 3)], {"repeats": 2, "axis": 0}, "any", True),
    ("broadcast_to", [(3,)], {"shape": (2, 3)}, "any", True),
    ("pad", [(2, 3)], {"pad_width": ((1, 0), (0, 2))}, "any", True),
    ("tril", [(3, 3)], {}, "any", True),
    ("triu", [(3, 3)], {"k": 1}, "any", True),
    ("diagonal", [(3, 3)], {}, "any", True),
    ("diag", [(3,)], {}, "any", True),
    ("trace", [(3, 3)], {}, "any", True),
    ("ravel", [(2, 3)], {}, "any", True),
    # products
    ("matmul", [(2, 3), (3, 4)], {}, "any", True),
    ("matmul", [(3,), (3, 4)], {}, "any", True),
    ("matmul", [(2, 3), (3,)], {}, "any", True),
    ("matmul", [(3,), (3,)], {}, "any", True),
    ("matmul", [(5, 2, 3), (3, 2)], {}, "any", True),
    ("dot", [(2, 3), (3,)], {}, "any", True),
    ("tensordot", [(2, 3), (3, 4)], {"axes": 1}, "any", True),
    ("outer", [(2,), (3,)], {}, "any", True),
    ("inner", [(3,), (3,)], {}, "any", True),
    ("einsum", [(2, 3), (3, 4)], {}, "any", True),
    ("cross", [(3,), (3,)], {}, "any", True),
    # linear algebra and signals
    ("det", [(3, 3)], {}, "spd", True),
    ("inv", [(3, 3)], {}, "spd", True),
    ("solve", [(3, 3), (3, 2)], {}, ("spd", "any"), True),
    ("cholesky", [(3, 3)], {}, "spd", True),
    ("slogdet", [(3, 3)], {}, "spd", True),
    ("logdet", [(3, 3)], {}, "spd", False),
    # convolutions and pooling: examples of shape (N, H, W, C)
    ("conv", [(2, 5, 5, 2), (3, 3, 2, 4)], {"padding": "same"}, "any", True, (0, None)),
    ("conv", [(2, 5, 5, 2), (3, 3, 2, 4)], {"strides": 2}, "any", False),
    ("max_pool", [(2, 4, 4, 3)], {"pool_size": 2}, "any", True),
    ("average_pool", [(2, 4, 4, 3)], {"pool_size": 2}, "any", True),
    # values without gradients: whatever path, the same values
    *[(n, [(2, 3)], {}, "any", False) for n in ["sign", "floor", "ceil", "round"]],
    ("argmax", [(2, 3)], {"axis": -1}, "any", False),
    ("sort", [(2, 3)], {"axis": -1}, "any", False),
    ("where", [(2, 3)], {}, "any", False),
]

_EINSUM = {"einsum": "ij,jk->ik"}
_KERAS_FLOAT32 = {"mean"}  # Keras's PyTorch backend averages float64 in float32


def _ids(case):
    name, shapes, kw = case[0], case[1], case[2]
    extra = ",".join(f"{k}={v}" for k, v in kw.items())
    return f"{name}{shapes}{'[' + extra + ']' if extra else ''}"


def _call(module, name, xs, kw):
    fn = getattr(module, name)
    if name == "einsum":
        return fn(_EINSUM[name], *xs)
    if name == "where":
        return fn(xs[0] > 0, xs[0], -xs[0])
    return fn(*xs, **kw)


def _keras_reference(name, xs, kw, in_axes):
    ts = tuple(torch.tensor(x) for x in xs)
    mapped = tuple(t for t, a in zip(ts, in_axes) if a is not None)

    def per_example(parts):
        it = iter(parts)
        return [next(it) if a is not None else t for t, a in zip(ts, in_axes)]

    try:
        out = keras.ops.vectorized_map(lambda a: _call(keras.ops, name, per_example(a), kw), mapped)
    except Exception:  # an op torch.vmap cannot trace: Keras's op once per example
        outs = [_call(keras.ops, name, per_example([t[i] for t in mapped]), kw) for i in range(B)]
        if isinstance(outs[0], (tuple, list)):
            return tuple(np.stack([np.asarray(o[k]) for o in outs]) for k in range(len(outs[0])))
        return np.stack([np.asarray(o) for o in outs])
    if isinstance(out, (tuple, list)):
        return tuple(np.asarray(o) for o in out)
    return np.asarray(out)


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_vmap_of_an_op_matches_keras_vectorized_map(case):
    name, shapes, kw, domain, fast = case[:5]
    in_axes = case[5] if len(case) > 5 else (0,) * len(shapes)
    domains = domain if isinstance(domain, tuple) else (domain,) * len(shapes)
    rng = np.random.default_rng(0)
    xs = [
        _sample(s if a is None else (B,) + s, d, rng) for s, d, a in zip(shapes, domains, in_axes)
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = dn.vmap(lambda *a: _call(dn.ops, name, a, kw), in_axes=in_axes)(*xs)
    fell_back = [str(w.message) for w in caught if "vmap" in str(w.message)]
    if fast:
        assert not fell_back, fell_back
    want = _keras_reference(name, xs, kw, in_axes)
    pairs = zip(got, want) if isinstance(want, tuple) else [(got, want)]
    for g, w in pairs:
        # A few of Keras's ops compute in float32 whatever the input: then float32 tolerance.
        tol = 2e-6 if w.dtype == np.float32 or name in _KERAS_FLOAT32 else 1e-10
        np.testing.assert_allclose(np.asarray(g), w, rtol=tol, atol=tol)
