"""Forward mode: jvp, jacfwd, linearize against torch.func in float64 and against deepnum's
reverse mode; jvp is one forward pass (no reverse pass for ops with a rule); hessian equals
jacfwd(jacrev); the forward rule of every op family against reverse mode."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from deepnum.autodiff import engine, forward
from tests.autodiff.test_transforms import SCALAR, VECTOR, X0, D, T, V
from tests.autodiff.test_vmap_ops import CASES, _call, _sample
from tests.conftest import reference

torch = reference("torch")
tf = torch.func


def _t(a):
    return torch.tensor(a, dtype=torch.float64)


@pytest.mark.parametrize("name", list(VECTOR) + list(SCALAR))
def test_jvp_and_jacfwd_against_torch(name):
    f = {**VECTOR, **SCALAR}[name]
    y, dy = dn.jvp(lambda x: f(D, x), (X0,), (V,))
    want_y, want_dy = tf.jvp(lambda x: f(T, x), (_t(X0),), (_t(V),))
    np.testing.assert_allclose(y.numpy(), want_y.numpy(), rtol=1e-12)
    np.testing.assert_allclose(dy.numpy(), want_dy.numpy(), rtol=1e-10, atol=1e-12)
    jf = dn.jacfwd(lambda x: f(D, x))(X0)
    np.testing.assert_allclose(jf.numpy(), tf.jacfwd(lambda x: f(T, x))(_t(X0)).numpy(),
                               rtol=1e-10, atol=1e-12)  # fmt: skip
    np.testing.assert_allclose(jf.numpy(), dn.jacrev(lambda x: f(D, x))(X0).numpy(), atol=1e-12)


@pytest.mark.parametrize("name", list(SCALAR))
def test_hessian_is_jacfwd_of_jacrev(name):
    f = SCALAR[name]
    h = dn.hessian(lambda x: f(D, x))(X0)
    fr = dn.jacfwd(dn.jacrev(lambda x: f(D, x)))(X0)
    want = tf.hessian(lambda x: f(T, x))(_t(X0))
    np.testing.assert_allclose(h.numpy(), want.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fr.numpy(), want.numpy(), rtol=1e-9, atol=1e-12)


def test_jvp_is_one_forward_pass(monkeypatch):
    calls = []
    real = engine.run_backward
    monkeypatch.setattr(
        "deepnum.autodiff.reverse.run_backward", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    forward.fallback_classes.clear()
    dn.jvp(lambda x: ops.softmax(ops.tanh(x @ x.reshape(2, 2)), axis=-1), (X0.reshape(2, 2),),
           (V.reshape(2, 2),))  # fmt: skip
    assert not calls and not forward.fallback_classes
    # A Function without a forward rule gets its tangent from two reverse passes.
    _, dy = dn.jvp(lambda x: ops.cumprod(x), (X0,), (V,))
    assert calls and ops.numpy._cumulative.Cumprod in forward.fallback_classes
    want = tf.jvp(lambda x: torch.cumprod(x, 0), (_t(X0),), (_t(V),))[1]
    np.testing.assert_allclose(dy.numpy(), want.numpy(), rtol=1e-10)


def test_several_arguments_structures_and_aux():
    def f(p, x):
        return ops.tanh(x @ p["w"]) + p["b"], x.sum()

    p = {"w": np.arange(6.0).reshape(3, 2) / 5, "b": np.array([0.5, -0.5])}
    x = np.array([0.1, -0.2, 0.3])
    tangents = ({"w": np.ones((3, 2)), "b": np.array([1.0, 2.0])}, np.array([1.0, 0.0, -1.0]))
    (y, s), (dy, ds) = dn.jvp(f, (p, x), tangents)

    def tf_f(p, x):
        return torch.tanh(x @ p["w"]) + p["b"], x.sum()

    tp = {k: _t(v) for k, v in p.items()}
    tt = ({k: _t(v) for k, v in tangents[0].items()}, _t(tangents[1]))
    (_, _), (want_dy, want_ds) = tf.jvp(tf_f, (tp, _t(x)), tt)
    np.testing.assert_allclose(dy.numpy(), want_dy.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ds.numpy(), want_ds.numpy(), rtol=1e-12)
    _, _, aux = dn.jvp(lambda v: (v * 2, "aux"), (x,), (x,), has_aux=True)
    assert aux == "aux"
    jx, jy = dn.jacfwd(lambda a, b: a * b.sum(), argnums=(0, 1))(x, x + 1)
    wx, wy = tf.jacfwd(lambda a, b: a * b.sum(), argnums=(0, 1))(_t(x), _t(x + 1))
    np.testing.assert_allclose(jx.numpy(), wx.numpy(), rtol=1e-12)
    np.testing.assert_allclose(jy.numpy(), wy.numpy(), rtol=1e-12)


def test_linearize_against_torch():
    def f(m, x):
        return m.sin(x) * m.exp(x).sum()

    y, f_jvp = dn.linearize(lambda x: f(ops, x), X0)
    want_y, t_jvp = tf.linearize(lambda x: f(torch, x), _t(X0))
    np.testing.assert_allclose(y.numpy(), want_y.numpy(), rtol=1e-12)
    for v in (V, X0):
        np.testing.assert_allclose(f_jvp(v).numpy(), t_jvp(_t(v)).numpy(), rtol=1e-10)


def test_values_read_directly_fall_back_to_two_reverse_passes():
    def f(x):
        return ops.sin(x) * (2.0 if float(x.sum()) > 0 else -1.0)

    _, dy = dn.jvp(f, (X0,), (V,))
    np.testing.assert_allclose(dy.numpy(), np.cos(X0) * V * 2.0, rtol=1e-12)


def test_jvp_errors():
    with pytest.raises(TypeError, match="tuples"):
        dn.jvp(lambda x: x, X0, V)
    with pytest.raises(ValueError, match="one tangent per primal"):
        dn.jvp(lambda x: x, (X0,), (V, V))
    with pytest.raises(ValueError, match="tangent 0 has shape"):
        dn.jvp(lambda x: x, (X0,), (V[:2],))


# The forward rule of every differentiable op family (the vmap table's ops) against the
# reverse-mode Jacobian: J·v.
_DIFFERENTIABLE = [c for c in CASES if c[4] and c[0] not in ("cholesky", "slogdet", "conv")]
_DIFFERENTIABLE.append(("conv", [(1, 4, 4, 2), (2, 2, 2, 3)], {"padding": "same"}, "any", True))


@pytest.mark.parametrize(
    "case", _DIFFERENTIABLE, ids=[f"{c[0]}{list(c[1])}{c[2] or ''}" for c in _DIFFERENTIABLE]
)
def test_forward_rule_of_each_op_against_reverse_mode(case):
    name, shapes, kw, domain = case[:4]
    domains = domain if isinstance(domain, tuple) else (domain,) * len(shapes)
    rng = np.random.default_rng(1)
    xs = [_sample(s, d, rng) for s, d in zip(shapes, domains)]
    vs = [rng.standard_normal(s) for s in shapes]

    def f(*a):
        out = _call(dn.ops, name, a, kw)
        return out[0] if isinstance(out, tuple) else out

    forward.fallback_classes.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, dy = dn.jvp(f, tuple(xs), tuple(vs))
        jacs = dn.jacrev(f, argnums=tuple(range(len(xs))))(*xs)
    want = sum(np.tensordot(j.numpy(), v, axes=v.ndim) for j, v in zip(jacs, vs))
    np.testing.assert_allclose(dy.numpy(), want, rtol=1e-9, atol=1e-11)
