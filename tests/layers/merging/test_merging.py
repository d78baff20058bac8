"""Merging layers against Keras 3: elementwise merges (with broadcasting and different ranks),
Concatenate, Dot (axes, normalize), functional forms, masks, symbolic shapes and errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from tests.conftest import reference
from tests.layers.keras_parity import check_config_matches, compare_with_keras, keras, to_np

K = keras()


def data(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]
SHAPES = [
    [(4, 3), (4, 3)],
    [(2, 3, 4), (2, 1, 4)],  # broadcasting a size-1 axis
    [(2, 4), (2, 3, 4)],  # different ranks: the lower one gets axes after the batch axis
    [(2, 3, 4), (2, 3, 4), (2, 3, 4)],
]


CASES = [
    (name, shapes)
    for name in ELEMENTWISE
    for shapes in SHAPES
    if not (name == "Subtract" and len(shapes) != 2)  # Subtract takes exactly two inputs
]


@pytest.mark.parametrize("name, shapes", CASES)
def test_elementwise_merges_match_keras(name, shapes):
    inputs = [data(*s, seed=i) for i, s in enumerate(shapes)]
    compare_with_keras(getattr(K.layers, name)(), getattr(layers, name)(), inputs)


@pytest.mark.parametrize(
    "axis, shapes",
    [(-1, [(2, 3), (2, 5)]), (1, [(2, 3, 4), (2, 2, 4)]), (-1, [(2, 3, 4), (2, 3, 1), (2, 3, 2)])],
)
def test_concatenate_matches_keras(axis, shapes):
    inputs = [data(*s, seed=i) for i, s in enumerate(shapes)]
    compare_with_keras(K.layers.Concatenate(axis=axis), layers.Concatenate(axis=axis), inputs)


@pytest.mark.parametrize(
    "axes, normalize, shapes",
    [
        (1, False, [(3, 4), (3, 4)]),
        (-1, True, [(3, 4), (3, 4)]),
        ((1, 2), False, [(2, 3, 5), (2, 4, 3)]),
        ([2, 2], True, [(2, 3, 4), (2, 5, 4)]),
        ((1, 1), False, [(2, 3, 4, 2), (2, 3, 5)]),
        (2, False, [(2, 4, 3), (2, 5, 3)]),
    ],
)
def test_dot_matches_keras(axes, normalize, shapes):
    inputs = [data(*s, seed=i) for i, s in enumerate(shapes)]
    k = K.layers.Dot(axes=axes, normalize=normalize)
    compare_with_keras(k, layers.Dot(axes=axes, normalize=normalize), inputs)


@pytest.mark.parametrize(
    "name", ["add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]
)
def test_functional_forms_match_keras(name):
    a, b = data(3, 4), data(3, 4, seed=1)
    kwargs = {"axes": 1} if name == "dot" else {}
    got = getattr(layers, name)([a, b], **kwargs)
    want = getattr(K.layers, name)([a, b], **kwargs)
    np.testing.assert_allclose(got.numpy(), to_np(want), rtol=1e-5, atol=1e-6)


def test_merges_on_symbolic_inputs():
    a, b = dn.Input((3,)), dn.Input((3,))
    assert layers.add([a, b]).shape == (None, 3)
    assert layers.concatenate([a, dn.Input((5,))]).shape == (None, 8)
    assert layers.Dot(axes=1)([a, b]).shape == (None, 1)
    assert layers.Average()([dn.Input((2, 3)), dn.Input((1, 3))]).shape == (None, 2, 3)


def test_masks_are_or_ed_like_keras():
    torch = reference("torch")
    a, b = data(2, 3, 4), data(2, 3, 4, seed=1)
    m1 = np.array([[1, 1, 0], [1, 0, 0]], bool)
    m2 = np.array([[1, 0, 0], [1, 1, 0]], bool)
    for name in ("Add", "Concatenate"):
        k, d = getattr(K.layers, name)(), getattr(layers, name)()
        want = k.compute_mask(
            [torch.tensor(a), torch.tensor(b)], [torch.tensor(m1), torch.tensor(m2)]
        )
        y = d([a, b], mask=[m1, m2])
        np.testing.assert_array_equal(y._keras_mask.numpy(), to_np(want))
    assert getattr(layers.Add()([a, b], mask=[m1, None]), "_keras_mask", None) is None
    c = layers.Concatenate(axis=1)([a, b], mask=[m1, None])._keras_mask
    assert c.numpy().tolist() == np.concatenate([m1, np.ones_like(m2)], 1).tolist()


# ---------------------------------------------------------------------- errors
def test_merge_needs_a_list():
    with pytest.raises(ValueError, match=r"must be called on a list of tensors"):
        layers.Add()(data(2, 3))


def test_incompatible_shapes_name_both_shapes():
    with pytest.raises(
        ValueError,
        match=r"Add: inputs have incompatible shapes \(None, 3\) and "
        r"\(None, 4\)",
    ):
        layers.Add()([data(2, 3), data(2, 4)])
    with pytest.raises(ValueError, match=r"incompatible shapes \(None, 3\) and \(None, 4\)"):
        layers.add([dn.Input((3,)), dn.Input((4,))])
    with pytest.raises(ValueError, match=r"different batch sizes"):
        layers.Multiply()([data(2, 3), data(5, 3)])


def test_subtract_takes_exactly_two_inputs():
    with pytest.raises(ValueError, match=r"exactly 2 inputs, received 3"):
        layers.Subtract()([data(2, 3)] * 3)


def test_concatenate_shape_errors():
    with pytest.raises(
        ValueError,
        match=r"Concatenate\(axis=-1\): inputs of shapes \(None, 3, 4\) "
        r"and \(None, 5, 2\) must match on every axis except",
    ):
        layers.Concatenate()([data(2, 3, 4), data(2, 5, 2)])
    with pytest.raises(ValueError, match=r"same rank"):
        layers.Concatenate()([data(2, 3, 4), data(2, 3)])
    with pytest.raises(ValueError, match=r"`axis` must be an integer, received axis='x'"):
        layers.Concatenate(axis="x")


def test_dot_errors():
    with pytest.raises(ValueError, match=r"`axes` must be an integer or a pair of integers"):
        layers.Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match=r"sizes 4 and 5 on the summed axes"):
        layers.Dot(axes=1)([data(2, 4), data(2, 5)])
    with pytest.raises(ValueError, match=r"not the batch axis"):
        layers.Dot(axes=0)([data(2, 4), data(2, 4)])
    with pytest.raises(ValueError, match=r"exactly 2 inputs"):
        layers.Dot(axes=1)([data(2, 4)])


def test_dot_gradient_float64_with_normalize():
    x, y = (np.random.default_rng(s).standard_normal((2, 3, 4)) for s in (0, 1))
    layer = layers.Dot(axes=(2, 2), normalize=True, dtype="float64")
    assert dn.check_grad(lambda a, b: layer([a, b]) ** 2, x, y) < 1e-6


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.layers.Add(),
        lambda m: m.layers.Concatenate(axis=1),
        lambda m: m.layers.Dot(axes=[1, 2], normalize=True),
        lambda m: m.layers.Maximum(),
    ],
)
def test_merging_configs_match_keras_and_round_trip(make):
    check_config_matches(make(K), make(dn), from_keras=True)
