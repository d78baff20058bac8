"""cond, switch, while_loop, fori_loop, scan, map, associative_scan, vectorized_map: results
against keras.ops on the same inputs and functions; gradients through the loop bodies against
torch.autograd (float64) and second order."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference
from tests.ops.helpers import check_op
from tests.ops.keras_reference import to_host

keras = reference("keras")
torch = reference("torch")


def both(name, *args, **kwargs):
    """deepnum's and Keras's results of ``ops.<name>`` as host structures."""
    ours = getattr(ops, name)(*args, **kwargs)
    theirs = getattr(keras.ops, name)(*args, **kwargs)
    return dn.tree.map_structure(to_host, ours), dn.tree.map_structure(to_host, theirs)


def assert_same(got, want):
    assert dn.tree.is_nested(got) == dn.tree.is_nested(want)
    dn.tree.assert_same_paths(got, want)
    for g, w in zip(dn.tree.flatten(got), dn.tree.flatten(want)):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (g, w)
        np.testing.assert_allclose(g, w, rtol=1e-6)


def test_cond_and_switch_match_keras():
    x, y = np.float32(2.0), np.float32(0.5)
    for pred in (True, False, np.array(True), np.array(0)):
        assert_same(*both("cond", pred, lambda: x + y, lambda: x - y))
    branches = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b]
    for index in (0, 1, 2, 7, -3, np.int64(1)):  # out of range clamps
        assert_same(*both("switch", index, branches, x, y))
    with pytest.raises(TypeError, match="callable"):
        ops.cond(True, 1, lambda: 0)


@pytest.mark.parametrize(
    "loop_vars, cond, body, maximum",
    [
        (0, lambda i: i < 10, lambda i: i + 1, None),
        ((0, 1), lambda x, y: x < 10, lambda x, y: (x + 1, y + 2), None),
        ([0, 1.5], lambda x, y: x < 10, lambda x, y: [x + 1, y * 2], 4),
        ((np.ones(2, "float32"),), lambda v: v.sum() < 20, lambda v: (v * 2,), None),
    ],
    ids=["scalar", "tuple", "list with maximum", "tensor"],
)
def test_while_loop_matches_keras(loop_vars, cond, body, maximum):
    assert_same(*both("while_loop", cond, body, loop_vars, maximum_iterations=maximum))


def test_fori_loop_matches_keras():
    assert_same(*both("fori_loop", 0, 10, lambda i, s: s + i, 0))
    assert_same(*both("fori_loop", 2, 5, lambda i, s: s * 2.0, np.ones(3, "float32")))


XS = np.arange(1.0, 6.0, dtype="float32")


@pytest.mark.parametrize(
    "f, init, xs, kwargs",
    [
        (lambda c, x: (c + x, c + x), np.float32(0), XS, {}),
        (lambda c, x: (c + x, c * x), np.float32(1), XS, {"reverse": True}),
        (lambda c, x: (c * 2, None), np.float32(1), None, {"length": 3}),
        (
            lambda c, x: ({"s": c["s"] + x[0]}, (x[0] * x[1], c["s"])),
            {"s": np.zeros(2, "float32")},
            (np.ones((3, 2), "float32"), np.arange(6, dtype="float32").reshape(3, 2)),
            {},
        ),
    ],
    ids=["cumsum", "reverse", "no xs, None ys", "nested"],
)
def test_scan_matches_keras(f, init, xs, kwargs):
    assert_same(*both("scan", f, init, xs, **kwargs))


def test_scan_rejects_bad_arguments():
    with pytest.raises(ValueError, match="length"):
        ops.scan(lambda c, x: (c, x), 0)
    with pytest.raises(ValueError, match="unroll"):
        ops.scan(lambda c, x: (c, x), 0, XS, unroll=0)


def test_gradients_flow_through_scan_and_while_loop():
    # An RNN-like recurrence h <- tanh(w * h + x), differentiated through the loop.
    def recurrence(w, xs):
        return ops.scan(lambda h, x: (ops.tanh(w * h + x), h), w * 0, xs)[1].sum()

    def torch_recurrence(w, xs):
        h, out = w * 0, []
        for x in xs:
            out.append(h)
            h = torch.tanh(w * h + x)
        return torch.stack(out).sum()

    check_op(recurrence, torch_recurrence, (3,), (4, 3), float32=False)

    def power(x):  # x ** 8 by repeated squaring in a while loop
        return ops.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * v), (0, x))[1]

    check_op(power, lambda t: t**8, (4,), low=0.5, high=1.2, float32=False)
    check_op(
        lambda x: ops.fori_loop(0, 3, lambda i, v: ops.sin(v) * (i + 1), x),
        lambda t: torch.sin(torch.sin(torch.sin(t)) * 2) * 3,
        (5,),
        float32=False,
    )


def test_map_and_vectorized_map_match_keras():
    xs = np.arange(10, dtype="float32")
    assert_same(*both("map", lambda x: x**2, xs))
    assert_same(*both("map", lambda x: {"y1": x**2, "y2": x * 10}, xs))
    m = np.arange(6, dtype="float32").reshape(3, 2)
    ours = ops.vectorized_map(lambda x: x.sum() * x, m)
    theirs = keras.ops.vectorized_map(lambda x: x.sum() * x, keras.ops.convert_to_tensor(m))
    assert_same(to_host(ours), to_host(theirs))
    pair = (m, m + 1)
    ours = ops.vectorized_map(lambda p: p[0] * p[1], pair)
    theirs = keras.ops.vectorized_map(
        lambda p: p[0] * p[1], tuple(keras.ops.convert_to_tensor(a) for a in pair)
    )
    assert_same(to_host(ours), to_host(theirs))
    check_op(lambda t: ops.map(lambda r: r * r.sum(), t), lambda t: t * t.sum(1, True), (3, 4))


@pytest.mark.parametrize("n", [1, 2, 5, 8, 11])
@pytest.mark.parametrize("reverse", [False, True])
def test_associative_scan_matches_keras(n, reverse):
    xs = np.arange(1, n + 1, dtype="float32")
    assert_same(*both("associative_scan", lambda a, b: a + b, xs, reverse=reverse))
    assert_same(*both("associative_scan", lambda a, b: a * b, xs / 4, reverse=reverse))
    m = np.arange(3 * n, dtype="float32").reshape(3, n)
    maximum = lambda a, b: (a + b + abs(a - b)) / 2  # noqa: E731 - operators work in both
    assert_same(*both("associative_scan", maximum, m, reverse=reverse, axis=1))


def test_associative_scan_of_structures_and_its_gradient():
    xs = [np.array([1.0, 2.0], "float32") for _ in range(3)]

    def pairwise(a, b):
        return [a[0] + b[0], a[1] + b[1], a[2] + b[2]]

    assert_same(*both("associative_scan", pairwise, xs))
    # A linear recurrence h_t = a_t h_{t-1} + b_t as a scan over (a, b) pairs.
    combine = lambda p, q: (p[0] * q[0], q[0] * p[1] + q[1])  # noqa: E731

    def torch_linear_recurrence(a, b):
        h, out = torch.zeros_like(b[0]), []
        for t in range(a.shape[0]):
            h = a[t] * h + b[t]
            out.append(h)
        return torch.stack(out)

    check_op(
        lambda a, b: ops.associative_scan(combine, (a, b))[1],
        torch_linear_recurrence,
        (7, 2),
        (7, 2),
        float32=False,
    )
