"""Function, the public way to write custom ops: forward on arrays, backward in deepnum ops."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import ops


class Cube(dn.Function):
    def forward(self, x):
        return x**3

    def backward(self, gy):
        (x,) = self.inputs
        return gy * 3 * x**2


class SinCos(dn.Function):
    """Two outputs: sin x and cos x."""

    def forward(self, x):
        return np.sin(x), np.cos(x)

    def backward(self, g_sin, g_cos):
        (x,) = self.inputs
        return g_sin * ops.cos(x) - g_cos * ops.sin(x)


class ScaledExp(dn.Function):
    """exp(x) · c; backward reads its own output (so it must be saved)."""

    save_outputs = True

    def forward(self, x, c):
        return np.exp(x) * c

    def backward(self, gy):
        x, c = self.inputs
        (y,) = self.outputs
        gc = (gy * y / c) if self.needs_input_grad[1] else None
        return gy * y, gc


def test_custom_function_first_and_higher_derivatives():
    x = dn.tensor(np.array([1.0, 2.0]), requires_grad=True)
    Cube()(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])
    # backward is written in deepnum ops, so it differentiates again: d²/dx² x³ = 6x
    hess = dn.hessian(lambda t: Cube()(t).sum())(np.array([1.0, 2.0]))
    np.testing.assert_allclose(hess.numpy(), np.diag([6.0, 12.0]))
    assert dn.check_grad(lambda t: Cube()(t), np.array([0.5, -1.5])) < 1e-6


def test_inputs_and_outputs_are_tensors_inside_backward():
    seen = {}

    class Spy(dn.Function):
        def forward(self, a, b):
            seen["forward"] = (type(a), type(b))
            return a * b

        def backward(self, gy):
            seen["inputs"] = self.inputs
            seen["outputs"] = self.outputs
            seen["needs"] = self.needs_input_grad
            a, b = self.inputs
            return gy * b, gy * a

    a = dn.tensor([2.0], requires_grad=True)
    out = Spy()(a, 3.0)
    out.backward()
    assert seen["forward"] == (np.ndarray, np.ndarray)
    assert all(isinstance(t, dn.Tensor) for t in [*seen["inputs"], *seen["outputs"]])
    assert seen["outputs"][0] is out
    assert seen["needs"] == (True, False)
    np.testing.assert_allclose(a.grad.numpy(), [3.0])


def test_multi_output_function():
    x = np.array([0.3, 1.2])
    t = dn.tensor(x, requires_grad=True)
    s, c = SinCos()(t)
    (s * 2 + c * 3).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), 2 * np.cos(x) - 3 * np.sin(x))
    assert dn.check_grad(lambda v: SinCos()(v)[0] * SinCos()(v)[1], x) < 1e-6


def test_multi_output_with_only_one_output_used():
    t = dn.tensor(np.array([0.3]), requires_grad=True)
    _, c = SinCos()(t)
    c.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), -np.sin([0.3]))


def test_save_outputs_keeps_a_dropped_output_available():
    x = np.array([0.5, 1.0])
    t = dn.tensor(x, requires_grad=True)
    loss = ScaledExp()(t, 2.0).sum()  # the output tensor itself is not kept by the caller
    loss.backward()
    np.testing.assert_allclose(t.grad.numpy(), 2 * np.exp(x))
    assert dn.check_grad(lambda a, b: ScaledExp()(a, b), x, np.array([1.5, 2.0])) < 1e-6


def test_reading_a_freed_output_without_save_outputs_says_how_to_fix_it():
    class Forgetful(dn.Function):
        def forward(self, x):
            return np.exp(x)

        def backward(self, gy):
            return gy * self.outputs[0]

    t = dn.tensor([1.0], requires_grad=True)
    loss = Forgetful()(t).sum()
    with pytest.raises(RuntimeError, match="Forgetful.backward reads self.outputs.*save_outputs"):
        loss.backward()


def test_backward_returning_the_wrong_number_of_gradients():
    class Bad(dn.Function):
        def forward(self, a, b):
            return a + b

        def backward(self, gy):
            return gy

    with pytest.raises(RuntimeError, match="Bad.backward returned 1 gradients for 2 inputs"):
        Bad()(dn.tensor([1.0], requires_grad=True), dn.tensor([2.0])).sum().backward()


def test_backward_returning_the_wrong_shape():
    class BadShape(dn.Function):
        def forward(self, x):
            return x.sum()

        def backward(self, gy):
            return gy

    t = dn.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"gradient of shape \(\) for an input of shape \(2,\)"):
        BadShape()(t).backward()


def test_function_without_backward_is_not_differentiable():
    class NoBackward(dn.Function):
        def forward(self, x):
            return x * 2

    t = dn.tensor([1.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="NoBackward.backward is not implemented"):
        NoBackward()(t).sum().backward()


def test_function_on_plain_inputs_records_nothing():
    out = Cube()(np.array([2.0]))
    assert isinstance(out, dn.Tensor) and not out.requires_grad and out.creator is None
    np.testing.assert_allclose(out.numpy(), [8.0])
