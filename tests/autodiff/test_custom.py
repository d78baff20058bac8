"""custom_vjp and custom_jvp against torch.autograd.Function with the same rules: the rules
are used (not the function's own derivative), under vmap, to second order; errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops
from tests.conftest import reference

torch = reference("torch")

X = np.array([[0.5, -1.5, 2.0], [3.0, 0.25, -0.75]])


def _clip_gradient():
    """Identity forward; backward clips the cotangent to [-1, 1] and scales it by x."""

    @dn.custom_vjp
    def f(x):
        return x * 1.0

    def fwd(x):
        return x * 1.0, x

    def bwd(x, g):
        return (ops.clip(g, -1.0, 1.0) * x,)

    f.defvjp(fwd, bwd)
    return f


class _TorchClip(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 1.0

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g.clamp(-1.0, 1.0) * x


def _torch_grad(fn, x, create_graph=False):
    t = torch.tensor(x, requires_grad=True)
    (g,) = torch.autograd.grad(fn(t), t, create_graph=create_graph)
    return t, g


def test_custom_vjp_rule_is_used():
    f = _clip_gradient()
    got = dn.grad(lambda x: (5.0 * f(x) ** 2).sum())(X)
    _, want = _torch_grad(lambda t: (5.0 * _TorchClip.apply(t) ** 2).sum(), X)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(f(X)), X)  # values: the function's own


def test_custom_vjp_under_vmap_and_second_order():
    f = _clip_gradient()
    loss = lambda x: (3.0 * f(x) ** 2).sum()  # noqa: E731
    per_example = dn.vmap(dn.grad(loss))(X)
    for i in range(len(X)):
        np.testing.assert_allclose(per_example.numpy()[i], dn.grad(loss)(X[i]).numpy())
    through = dn.grad(lambda x: dn.vmap(loss)(x).sum())(X)
    np.testing.assert_allclose(through.numpy(), per_example.numpy(), rtol=1e-12)
    # Second order: bwd's g·x is differentiated too (with respect to x through the residual).
    t, g = _torch_grad(lambda t: (3.0 * _TorchClip.apply(t) ** 2).sum(), X, create_graph=True)
    (want,) = torch.autograd.grad(g.sum(), t)
    got = dn.grad(lambda x: dn.grad(loss)(x).sum())(X)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_custom_vjp_with_several_arguments_and_structures():
    @dn.custom_vjp
    def f(p, x):
        return p["a"] * x, x.sum()

    f.defvjp(
        lambda p, x: (f.f(p, x), (p, x)),
        lambda res, g: ({"a": g[0] * 0 + 7.0}, res[1] * 0 + g[1]),
    )
    ga, gx = dn.grad(lambda p, x: f(p, x)[0].sum() + f(p, x)[1], argnums=(0, 1))(
        {"a": np.ones(3)}, np.arange(3.0)
    )
    np.testing.assert_allclose(ga["a"].numpy(), [14.0] * 3)  # 7 from each of the two calls
    np.testing.assert_allclose(gx.numpy(), [1.0] * 3)


def test_custom_jvp_rule_in_both_modes():
    @dn.custom_jvp
    def softplus(x):
        return ops.log(1.0 + ops.exp(x))

    @softplus.defjvp
    def softplus_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return softplus(x), t * ops.sigmoid(x)

    class TorchSoftplus(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return torch.log1p(torch.exp(x))

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_forward(inputs[0])
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def jvp(ctx, t):
            (x,) = ctx.saved_tensors
            return t * torch.sigmoid(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * torch.sigmoid(x)

    v = np.ones_like(X) * 0.5
    _, dy = dn.jvp(softplus, (X,), (v,))
    _, want = torch.func.jvp(TorchSoftplus.apply, (torch.tensor(X),), (torch.tensor(v),))
    np.testing.assert_allclose(dy.numpy(), want.numpy(), rtol=1e-12)
    g = dn.grad(lambda x: softplus(x).sum())(X)
    _, tg = _torch_grad(lambda t: TorchSoftplus.apply(t).sum(), X)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12)
    # The rule keeps the gradient finite where exp(x) overflows float32.
    big = np.array([100.0], "float32")
    assert dn.grad(lambda x: softplus(x).sum())(big).item() == pytest.approx(1.0)
    np.testing.assert_allclose(dn.vmap(dn.grad(lambda x: softplus(x).sum()))(X).numpy(),
                               g.numpy(), rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(dn.jacfwd(softplus)(X[0]).numpy(), np.diag(tg.numpy()[0]))


def test_errors_name_the_function():
    @dn.custom_vjp
    def f(x):
        return x

    with pytest.raises(TypeError, match="custom_vjp function f: call defvjp"):
        dn.grad(lambda x: f(x).sum())(X)
    f.defvjp(lambda x: (x, None), lambda res, g: (g, g))
    with pytest.raises(ValueError, match="one gradient per argument"):
        dn.grad(lambda x: f(x).sum())(X)
    f.defvjp(lambda x: x, lambda res, g: (g,))
    with pytest.raises(ValueError, match=r"pair \(output, residuals\)"):
        dn.grad(lambda x: f(x).sum())(X)

    @dn.custom_jvp
    def h(x):
        return x

    with pytest.raises(TypeError, match="call defjvp"):
        h(X)
