"""Activations of ops.nn against PyTorch (forward, gradient, second order) and keras.ops.nn
(shape, dtype, values): the piecewise ones, the smooth ones, softmax, log_softmax, sparsemax."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum.ops import nn
from tests.conftest import reference
from tests.ops.helpers import check_op, dn_grads, dn_second
from tests.ops.keras_reference import check_keras

torch = reference("torch")
F = torch.nn.functional

KINKS = np.array([0.0, 0.5, 1.0, 3.0, 6.0])


def away_from_kinks(shape, seed=0, scale=4.0):
    """Values in ±scale at least 0.05 from every kink ±{0, 0.5, 1, 3, 6} (numerical
    derivatives across a kink are meaningless)."""
    x = np.random.default_rng(seed).uniform(-scale, scale, shape)
    near = np.abs(np.abs(x)[..., None] - KINKS).min(-1) < 0.05
    return np.where(near, x + 0.1 * np.sign(x + 1e-3), x)


def _sparse_plus(x):
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x < 1, (x + 1) ** 2 / 4, x))


def _squareplus(x, b=4.0):
    return (x + torch.sqrt(x * x + b)) / 2


# (name, deepnum call, torch reference, Keras kwargs)
ACTIVATIONS = [
    ("relu", nn.relu, torch.relu, {}),
    ("relu6", nn.relu6, F.relu6, {}),
    ("hard_tanh", nn.hard_tanh, F.hardtanh, {}),
    ("leaky_relu", nn.leaky_relu, lambda x: F.leaky_relu(x, 0.2), {}),
    ("leaky_relu", lambda x: nn.leaky_relu(x, 0.05), lambda x: F.leaky_relu(x, 0.05),
     {"negative_slope": 0.05}),
    ("hard_sigmoid", nn.hard_sigmoid, lambda x: torch.clamp(x / 6 + 0.5, 0, 1), {}),
    ("sparse_sigmoid", nn.sparse_sigmoid, lambda x: torch.clamp((x + 1) / 2, 0, 1), {}),
    ("hard_silu", nn.hard_silu, F.hardswish, {}),
    ("hard_swish", nn.hard_swish, F.hardswish, {}),
    ("hard_shrink", nn.hard_shrink, F.hardshrink, {}),
    ("hard_shrink", lambda x: nn.hard_shrink(x, 1.0), lambda x: F.hardshrink(x, 1.0),
     {"threshold": 1.0}),
    ("soft_shrink", nn.soft_shrink, F.softshrink, {}),
    ("soft_shrink", lambda x: nn.soft_shrink(x, 1.0), lambda x: F.softshrink(x, 1.0),
     {"threshold": 1.0}),
    ("sparse_plus", nn.sparse_plus, _sparse_plus, {}),
    ("threshold", lambda x: nn.threshold(x, 0.5, -2.0), lambda x: F.threshold(x, 0.5, -2.0),
     {"threshold": 0.5, "default_value": -2.0}),
    ("sigmoid", nn.sigmoid, torch.sigmoid, {}),
    ("log_sigmoid", nn.log_sigmoid, F.logsigmoid, {}),
    ("softplus", nn.softplus, F.softplus, {}),
    ("softsign", nn.softsign, F.softsign, {}),
    ("silu", nn.silu, F.silu, {}),
    ("swish", nn.swish, F.silu, {}),
    ("gelu", nn.gelu, lambda x: F.gelu(x, approximate="tanh"), {}),
    ("gelu", lambda x: nn.gelu(x, approximate=False), F.gelu, {"approximate": False}),
    ("elu", nn.elu, F.elu, {}),
    ("elu", lambda x: nn.elu(x, 0.5), lambda x: F.elu(x, 0.5), {"alpha": 0.5}),
    ("selu", nn.selu, F.selu, {}),
    ("celu", nn.celu, F.celu, {}),
    ("celu", lambda x: nn.celu(x, 2.0), lambda x: F.celu(x, 2.0), {"alpha": 2.0}),
    ("squareplus", nn.squareplus, _squareplus, {}),
    ("squareplus", lambda x: nn.squareplus(x, 1.0), lambda x: _squareplus(x, 1.0), {"b": 1.0}),
    ("tanh_shrink", nn.tanh_shrink, F.tanhshrink, {}),
    ("glu", nn.glu, F.glu, {}),
    ("glu", lambda x: nn.glu(x, axis=0), lambda x: F.glu(x, dim=0), {"axis": 0}),
]  # fmt: skip
IDS = [f"{name}{i}" for i, (name, *_) in enumerate(ACTIVATIONS)]


@pytest.mark.parametrize("name, op, ref, kwargs", ACTIVATIONS, ids=IDS)
def test_activation_against_torch(name, op, ref, kwargs):
    check_op(op, ref, inputs=[away_from_kinks((4, 6))])


@pytest.mark.parametrize("name, op, ref, kwargs", ACTIVATIONS, ids=IDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activation_against_keras(name, op, ref, kwargs, dtype):
    x = away_from_kinks((4, 6), seed=1).astype(dtype)
    check_keras(f"nn.{name}", x, atol=1e-6, rtol=1e-5, **kwargs)


@pytest.mark.parametrize("name", ["relu", "relu6", "hard_tanh"])
def test_integer_inputs_keep_their_dtype(name):
    check_keras(f"nn.{name}", np.array([-7, -1, 0, 1, 3, 9], dtype="int32"))


def test_threshold_keeps_integer_dtype():
    x = np.array([-2, 0, 1, 3], dtype="int32")
    check_keras("nn.threshold", x, 0.5, 5.5)


@pytest.mark.parametrize("name", ["sigmoid", "sparse_sigmoid", "softsign", "tanh_shrink"])
def test_integer_inputs_become_floatx(name):
    check_keras(f"nn.{name}", np.array([-2, 0, 1, 3], dtype="int32"))


@pytest.mark.parametrize(
    "op, ref",
    [(nn.sigmoid, torch.sigmoid), (nn.log_sigmoid, F.logsigmoid), (nn.softplus, F.softplus),
     (nn.silu, F.silu), (nn.elu, F.elu), (nn.selu, F.selu), (nn.celu, F.celu),
     (nn.squareplus, _squareplus), (nn.gelu, lambda x: F.gelu(x, approximate="tanh"))],
    ids=["sigmoid", "log_sigmoid", "softplus", "silu", "elu", "selu", "celu", "squareplus",
         "gelu"],
)  # fmt: skip
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_smooth_activations_are_stable_for_large_inputs(op, ref, dtype):
    x = np.array([-1000.0, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1000.0], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = op(x).numpy()
    want = ref(torch.tensor(x)).numpy()
    # PyTorch flushes float32 results below 1e-38 to zero where deepnum keeps the subnormals.
    tiny = 1e-38 if dtype == "float32" else 0.0
    np.testing.assert_allclose(y, want, rtol=1e-6 if dtype == "float32" else 1e-13, atol=tiny)


def test_sigmoid_keeps_relative_precision_in_the_tail():
    x = np.array([-700.0, -50.0, -20.0])
    np.testing.assert_allclose(nn.sigmoid(x).numpy(), np.exp(x) / (1 + np.exp(x)), rtol=1e-14)


@pytest.mark.parametrize(
    "op, ref",
    [(nn.relu, torch.relu), (nn.leaky_relu, lambda t: F.leaky_relu(t, 0.2)),
     (nn.hard_tanh, F.hardtanh), (nn.relu6, F.relu6), (nn.hard_silu, F.hardswish),
     (nn.hard_sigmoid, F.hardsigmoid), (nn.hard_shrink, F.hardshrink),
     (nn.soft_shrink, F.softshrink), (lambda t: nn.threshold(t, 1.0, 0.0),
                                      lambda t: F.threshold(t, 1.0, 0.0))],
    ids=["relu", "leaky_relu", "hard_tanh", "relu6", "hard_silu", "hard_sigmoid",
         "hard_shrink", "soft_shrink", "threshold"],
)  # fmt: skip
def test_derivative_at_the_kinks_is_torchs(op, ref):
    x = np.array([0.0, -1.0, 1.0, 6.0, -3.0, 3.0, -0.5, 0.5])
    t = torch.tensor(x, requires_grad=True)
    ref(t).sum().backward()
    g = dn.grad(lambda v: op(v).sum())(x)
    np.testing.assert_allclose(g.numpy(), t.grad.numpy())


SOFTMAX_CASES = [((5,), -1), ((2, 3), -1), ((2, 3, 4), 1), ((2, 3), 0), ((2, 3, 4), (1, 2)),
                 ((2, 3), None), ((0, 3), 0)]  # fmt: skip


def _torch_over(fn, axis):
    """A torch softmax-like function over several axes (flattened to one)."""

    def ref(x):
        axes = tuple(range(x.ndim)) if axis is None else axis
        if isinstance(axes, int):
            return fn(x, dim=axes)
        keep = [a for a in range(x.ndim) if a not in axes]
        perm = keep + list(axes)
        y = fn(x.permute(perm).reshape(*[x.shape[a] for a in keep], -1), dim=-1)
        y = y.reshape([x.shape[a] for a in perm])
        return y.permute(list(np.argsort(perm)))

    return ref


@pytest.mark.parametrize("shape, axis", SOFTMAX_CASES, ids=str)
@pytest.mark.parametrize(
    "op, ref", [(nn.softmax, torch.softmax), (nn.log_softmax, torch.log_softmax)],
    ids=["softmax", "log_softmax"],
)  # fmt: skip
def test_softmax_against_torch(op, ref, shape, axis):
    check_op(lambda x: op(x, axis=axis), _torch_over(ref, axis), shape)


@pytest.mark.parametrize("shape, axis", SOFTMAX_CASES[:-1], ids=str)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_against_keras(name, shape, axis):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    check_keras(f"nn.{name}", x, axis=axis)


@pytest.mark.parametrize("op", [nn.softmax, nn.log_softmax], ids=["softmax", "log_softmax"])
def test_softmax_matches_composite(op):
    def composite(x):
        lse = dn.ops.logsumexp(x, axis=-1, keepdims=True)
        return dn.ops.exp(x - lse) if op is nn.softmax else x - lse

    x = np.random.default_rng(0).standard_normal((3, 4))
    r, v = np.random.default_rng(1).standard_normal((2, 3, 4))
    np.testing.assert_allclose(op(x).numpy(), composite(dn.tensor(x)).numpy(), atol=1e-12)
    np.testing.assert_allclose(dn_grads(op, [x], r)[0], dn_grads(composite, [x], r)[0])
    np.testing.assert_allclose(dn_second(op, [x], r, [v])[0], dn_second(composite, [x], r, [v])[0])


def test_softmax_large_logits():
    x = np.array([[1000.0, 0.0, -1000.0], [-np.inf, 0.0, 0.0]])
    with np.errstate(over="raise"):
        np.testing.assert_allclose(nn.softmax(x).numpy(), [[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
        np.testing.assert_allclose(nn.log_softmax(x).numpy()[0], [0.0, -1000.0, -2000.0])


def _torch_sparsemax(x, dim=-1):
    """Sparsemax written in torch (Martins & Astudillo), differentiated by torch.autograd."""
    z, _ = torch.sort(x, dim=dim, descending=True)
    k = torch.arange(1, x.shape[dim] + 1, dtype=x.dtype)
    k = k.reshape([-1 if a == dim % x.ndim else 1 for a in range(x.ndim)])
    cs = torch.cumsum(z, dim=dim)
    support = (1 + k * z > cs).to(x.dtype)
    size = support.sum(dim=dim, keepdim=True)
    tau = ((z * support).sum(dim=dim, keepdim=True) - 1) / size
    return torch.clamp(x - tau, min=0)


@pytest.mark.parametrize("shape, axis", [((6,), -1), ((3, 5), -1), ((4, 3), 0)], ids=str)
def test_sparsemax(shape, axis):
    x = np.random.default_rng(3).standard_normal(shape) * 2
    check_op(lambda t: nn.sparsemax(t, axis), lambda t: _torch_sparsemax(t, axis), inputs=[x])
    np.testing.assert_allclose(nn.sparsemax(x, axis).numpy().sum(axis), 1.0)


def test_sparsemax_against_keras_where_keras_is_right():
    # Keras 3.15's threshold is wrong once two or more entries are in the support (keras-team/
    # keras#23425); with a support of one element both are the projection onto the simplex.
    x = np.array([[-1.0, 0.0, 1.0], [3.0, 0.5, -2.0], [0.1, 2.0, 0.3]], dtype="float32")
    check_keras("nn.sparsemax", x)
    check_keras("nn.sparsemax", x.T.copy(), axis=0)


@pytest.mark.parametrize(
    "call, match",
    [(lambda: nn.glu(np.ones((2, 3))), "even"),
     (lambda: nn.softmax(np.ones((2, 3)), axis=2), r"axis.*\[-2, 2\)"),
     (lambda: nn.sparsemax(np.ones(3), axis=(0,)), "axis"),
     (lambda: nn.celu(np.ones(3), alpha=0.0), "alpha"),
     (lambda: nn.squareplus(np.ones(3), b=-1.0), "non-negative")],
    ids=["glu", "softmax", "sparsemax", "celu", "squareplus"],
)  # fmt: skip
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_softmax_over_an_axis_of_size_one_warns_as_keras():
    with pytest.warns(UserWarning, match="axis has size 1"):
        y = nn.softmax(np.ones((3, 1)))
    np.testing.assert_array_equal(y.numpy(), np.ones((3, 1)))


@pytest.mark.parametrize("offset", [0.0, 15.0, 30.0, -50.0], ids=str)
def test_softmax_with_and_without_the_row_shift(offset):
    """Inputs up to UNSHIFTED_MAX are exponentiated without the row-max shift, larger ones
    with it; a row of very negative inputs (the first, at offset −50) is computed again with
    the shift. Each gives torch's values and gradients in float32."""
    x = np.random.default_rng(0).standard_normal((3, 4, 6)).astype("float32")
    x[0 if offset < 0 else slice(None)] += offset
    xt = torch.tensor(x, requires_grad=True)
    want = torch.softmax(xt, dim=-1)
    r = np.random.default_rng(1).standard_normal(x.shape).astype("float32")
    (want * torch.tensor(r)).sum().backward()
    got = nn.softmax(x, axis=-1)
    assert got.dtype == "float32" and np.isfinite(got.numpy()).all()
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-7)
    grad = dn_grads(lambda t: nn.softmax(t, axis=-1), [x], r)[0]
    np.testing.assert_allclose(grad, xt.grad.numpy(), rtol=1e-4, atol=1e-6)
