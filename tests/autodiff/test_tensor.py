"""The Tensor API: construction and dtype rules, properties, conversion, operators,
comparisons, astype, backward and .grad."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference

torch = reference("torch")


# --------------------------------------------------------------------------- dtype rules
@pytest.mark.parametrize(
    "data, dtype",
    [
        (np.ones(3), np.float64),  # a NumPy array keeps its dtype (as in PyTorch)
        (np.ones(3, dtype=np.float32), np.float32),
        (np.ones(3, dtype=np.float16), np.float16),
        (np.arange(3), np.int64),
        (np.float64(2.0), np.float64),
        (2.0, np.float32),  # Python numbers and lists become floatx
        (3, np.float32),
        ([1, 2, 3], np.float32),
        ([[1.0, 2.0]], np.float32),
        ([True, False], np.bool_),
    ],
)
def test_dtype_rules(data, dtype):
    assert dn.tensor(data).dtype == dtype


def test_python_numbers_follow_floatx():
    dn.config.set_floatx("float64")
    assert dn.tensor([1.0, 2.0]).dtype == np.float64
    assert dn.tensor(1).dtype == np.float64


def test_explicit_dtype():
    assert dn.tensor([1, 2], dtype="float64").dtype == np.float64
    assert dn.tensor(np.ones(2), dtype=np.float32).dtype == np.float32
    assert dn.tensor([1.7, 2.2], dtype="int32").numpy().tolist() == [1, 2]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_python_scalars_do_not_promote(dtype):
    t = dn.tensor(np.ones(3, dtype=dtype))
    for y in (t * 2, 2 * t, t + 1.5, t / 3, 1 - t, t**2, 2.0**t):
        assert y.dtype == dtype


def test_mixed_array_dtypes_promote_like_numpy():
    t32, t64 = dn.tensor(np.ones(2, np.float32)), dn.tensor(np.ones(2))
    assert (t32 + t64).dtype == np.float64
    assert (np.ones(2) * t32).dtype == (np.ones(2) * np.ones(2, np.float32)).dtype


def test_object_data_is_rejected():
    with pytest.raises(TypeError, match="cannot build a numeric tensor from dict"):
        dn.tensor({"a": 1})


# --------------------------------------------------------------------------- properties
def test_properties():
    x = np.arange(24.0).reshape(2, 3, 4)
    t = dn.tensor(x)
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.size == 24 and t.dtype == np.float64
    np.testing.assert_array_equal(t.T.numpy(), x.T)
    assert isinstance(t.numpy(), np.ndarray)
    np.testing.assert_array_equal(np.asarray(t), x)
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert len(t) == 2 and t.is_leaf and t.grad is None


def test_np_array_copies_and_np_asarray_shares():
    t = dn.tensor(np.array([1.0, 2.0]))
    copied = np.array(t)
    copied[0] = 99.0
    assert t.numpy()[0] == 1.0
    assert np.shares_memory(np.asarray(t), t.data)


def test_scalar_tensor():
    t = dn.tensor(np.float64(2.5))
    assert t.shape == () and t.ndim == 0 and t.size == 1
    assert t.item() == 2.5 and isinstance(t.item(), float)
    assert float(t) == 2.5 and int(dn.tensor(3.0)) == 3
    with pytest.raises(TypeError, match="0-d"):
        len(t)


def test_item_on_several_elements_fails():
    with pytest.raises(ValueError, match=r"one-element.*shape \(3,\)"):
        dn.tensor([1.0, 2.0, 3.0]).item()


def test_truth_value():
    assert bool(dn.tensor(1.0)) and not bool(dn.tensor([0.0]))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(dn.tensor([1.0, 2.0]))


def test_repr():
    assert repr(dn.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert "dtype=float64" in repr(dn.tensor(np.ones(2)))
    assert "requires_grad=True" in repr(dn.tensor([1.0], requires_grad=True))
    assert "grad_fn=Multiply" in repr(dn.tensor([1.0], requires_grad=True) * 2)


def test_tolist_and_iteration():
    t = dn.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert [r.tolist() for r in t] == [[1.0, 2.0], [3.0, 4.0]]


# --------------------------------------------------------------------------- operators
def test_reflected_operators_with_numpy_arrays_on_the_left():
    a = np.array([1.0, 2.0, 3.0])
    t = dn.tensor(np.array([2.0, 4.0, 8.0]), requires_grad=True)
    results = {
        "+": a + t,
        "-": a - t,
        "*": a * t,
        "/": a / t,
        "**": a**t,
        "@": a @ t,
    }
    for name, out in results.items():
        assert isinstance(out, dn.Tensor), name
        assert out.requires_grad, name
    x = t.numpy()
    want = {"+": a + x, "-": a - x, "*": a * x, "/": a / x, "**": a**x, "@": a @ x}
    for name in want:
        np.testing.assert_allclose(results[name].numpy(), want[name], err_msg=name)
    tt = torch.tensor(x, requires_grad=True)
    (torch.tensor(a) ** tt).sum().backward()
    results["**"].sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy())


@pytest.mark.parametrize("op", ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"])
def test_comparisons_give_booleans_without_gradient(op):
    x = np.array([1.0, 2.0, 3.0])
    t = dn.tensor(x, requires_grad=True)
    out = getattr(t, op)(2.0)
    assert out.dtype == np.bool_ and not out.requires_grad and out.creator is None
    np.testing.assert_array_equal(out.numpy(), getattr(x, op)(2.0))
    np.testing.assert_array_equal(
        getattr(t, op)(dn.tensor(x[::-1].copy())).numpy(), getattr(x, op)(x[::-1])
    )


def test_any_all():
    t = dn.tensor([[0.0, 1.0], [0.0, 0.0]])
    assert t.any().item() and not t.all().item()
    np.testing.assert_array_equal(t.any(axis=1).numpy(), [True, False])


def test_astype():
    t = dn.tensor(np.array([1.5, -2.5]), requires_grad=True)
    t32 = t.astype("float32")
    assert t32.dtype == np.float32 and t32.requires_grad
    (t32 * 2).sum().backward()
    assert t.grad.dtype == np.float64
    np.testing.assert_array_equal(t.grad.numpy(), [2.0, 2.0])
    assert t.astype(np.float64) is t
    assert t.astype("int64").dtype == np.int64


def test_tensor_methods_exist_for_the_issue_list():
    t = dn.tensor(np.arange(6.0).reshape(2, 3) + 1)
    x = t.numpy()
    np.testing.assert_allclose(t.flatten().numpy(), x.flatten())
    np.testing.assert_allclose(t.squeeze().numpy(), x)
    np.testing.assert_allclose(t.expand_dims(0).numpy(), x[None])
    np.testing.assert_allclose(t.clip(2, 4).numpy(), x.clip(2, 4))
    np.testing.assert_allclose(t.dot(t.T).numpy(), x @ x.T)
    np.testing.assert_allclose(t.relu().numpy(), x)
    np.testing.assert_allclose(t.sigmoid().numpy(), 1 / (1 + np.exp(-x)), rtol=1e-6)


# --------------------------------------------------------------------------- requires_grad
def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="Only floating-point tensors can require gradients.*int"):
        dn.tensor(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        dn.tensor(np.arange(3)).requires_grad_()


def test_detach_shares_data_and_cuts_the_graph():
    t = dn.tensor([1.0, 2.0], requires_grad=True)
    d = (t * 2).detach()
    assert not d.requires_grad and d.creator is None
    y = (t * d).sum()
    y.backward()
    np.testing.assert_array_equal(t.grad.numpy(), [2.0, 4.0])


def test_zero_grad():
    t = dn.tensor([1.0], requires_grad=True)
    (t * 3).sum().backward()
    t.zero_grad()
    assert t.grad is None
