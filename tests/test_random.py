"""keras.random's names: signatures, shapes and dtypes against keras.random; the distributions'
moments against their formulas; Keras's seeding rules (int, SeedGenerator, global state)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference
from tools.keras_compatibility import signature_difference

keras = reference("keras")
N = 100_000

CALLS = [  # name, args, kwargs: the same call in both libraries
    ("normal", ((2, 3),), {}),
    ("normal", ((4,),), {"mean": 1.0, "stddev": 2.0, "dtype": "float64"}),
    ("uniform", ((3, 2),), {"minval": -1.0, "maxval": 2.0}),
    ("uniform", ((5,),), {"dtype": "float16"}),
    ("truncated_normal", ((2, 2),), {"stddev": 3.0}),
    ("randint", ((6,), 0, 10), {}),
    ("randint", ((2, 3), -5, 5), {"dtype": "int64"}),
    ("categorical", (np.log([[0.2, 0.8], [0.5, 0.5]]), 7), {}),
    ("gamma", ((3, 2),), {"alpha": 2.0}),
    ("beta", ((4,),), {"alpha": 2.0, "beta": 5.0}),
    ("binomial", ((2, 2),), {"counts": 10, "probabilities": 0.3}),
    ("binomial", ((3,),), {"counts": 5.0, "probabilities": 0.5, "dtype": "int32"}),
    ("dropout", (np.ones((3, 4), "float32"), 0.5), {}),
    ("shuffle", (np.arange(12.0, dtype="float32").reshape(3, 4),), {"axis": 1}),
]


def test_signatures_are_keras():
    for name in [n for n in dir(keras.random) if not n.startswith("_")]:
        assert signature_difference(getattr(keras.random, name), getattr(dn.random, name)) is None


@pytest.mark.parametrize("name, args, kwargs", CALLS, ids=lambda v: v if isinstance(v, str) else "")
def test_shapes_and_dtypes_match_keras(name, args, kwargs):
    ours = getattr(dn.random, name)(*args, seed=1, **kwargs)
    as_keras = [keras.ops.convert_to_tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    theirs = getattr(keras.random, name)(*as_keras, seed=1, **kwargs)
    assert isinstance(ours, dn.Tensor)
    assert ours.shape == tuple(theirs.shape)
    assert dn.ops.dtype(ours) == keras.ops.dtype(theirs)


def test_floatx_is_the_default_float_dtype():
    dn.config.set_floatx("float64")
    for fn in (dn.random.normal, dn.random.uniform, dn.random.truncated_normal):
        assert fn((2,), seed=0).dtype == np.float64
    assert dn.random.gamma((2,), 1.0, seed=0).dtype == np.float64


def _moments(x):
    x = x.numpy().astype(np.float64)
    return x.mean(), x.var()


@pytest.mark.parametrize(
    "draw, mean, var",
    [
        (lambda s: dn.random.normal((N,), 2.0, 3.0, seed=s), 2.0, 9.0),
        (lambda s: dn.random.uniform((N,), -1.0, 3.0, seed=s), 1.0, 16 / 12),
        # N(0, 2²) truncated to ±2σ: variance σ²(1 − 2·2φ(2)/(2Φ(2) − 1)) ≈ 0.7737σ².
        (lambda s: dn.random.truncated_normal((N,), 1.0, 2.0, seed=s), 1.0, 4 * 0.77374),
        (lambda s: dn.random.randint((N,), 3, 7, seed=s), 4.5, (4**2 - 1) / 12),
        (lambda s: dn.random.gamma((N,), 2.5, seed=s), 2.5, 2.5),
        (lambda s: dn.random.beta((N,), 2.0, 5.0, seed=s), 2 / 7, 10 / (49 * 8)),
        (lambda s: dn.random.binomial((N,), 10, 0.3, seed=s), 3.0, 2.1),
    ],
    ids=["normal", "uniform", "truncated_normal", "randint", "gamma", "beta", "binomial"],
)
def test_moments_match_the_distributions(draw, mean, var):
    m, v = _moments(draw(0))
    assert abs(m - mean) < 5 * np.sqrt(var / N)
    assert abs(v - var) < 0.03 * var


def test_ranges_and_supports():
    t = dn.random.truncated_normal((N,), 1.0, 2.0, seed=0).numpy()
    assert t.min() >= -3.0 and t.max() <= 5.0
    u = dn.random.uniform((N,), -1.0, 3.0, seed=0).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0
    r = dn.random.randint((N,), 3, 7, seed=0).numpy()
    assert set(np.unique(r)) == {3, 4, 5, 6}
    b = dn.random.binomial((N,), np.array([0, 1, 5, 5]).repeat(N // 4), 0.5, seed=0).numpy()
    assert b[: N // 4].max() == 0 and b[N // 4 : N // 2].max() <= 1 and b.max() <= 5


def test_categorical_frequencies_follow_softmax():
    logits = np.array([[0.0, np.log(3.0)], [np.log(2.0), np.log(2.0)], [0.0, -np.inf]])
    draws = dn.random.categorical(logits, 40_000, seed=0).numpy()
    assert draws.shape == (3, 40_000) and draws.dtype == np.int32
    np.testing.assert_allclose(draws.mean(axis=1), [0.75, 0.5, 0.0], atol=0.01)
    with pytest.raises(ValueError, match="2-D"):
        dn.random.categorical([0.0, 1.0], 3)


def test_dropout_keeps_the_expectation_and_is_differentiable():
    x = dn.tensor(np.full(N, 2.0), requires_grad=True)
    y = dn.random.dropout(x, 0.25, seed=0)
    values = y.numpy()
    assert set(np.unique(values)) == {0.0, 2.0 / 0.75} and abs(values.mean() - 2.0) < 0.02
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values / 2.0)
    column = dn.random.dropout(np.ones((4, 1000)), 0.5, noise_shape=(None, 1), seed=0).numpy()
    assert all(len(np.unique(row)) == 1 for row in column)  # one draw per row
    assert float(dn.random.dropout(np.ones(3), 1.0).sum()) == 0.0
    assert dn.random.dropout(np.ones(3), 0.0).tolist() == [1.0, 1.0, 1.0]


def test_shuffle_permutes_along_an_axis_and_is_differentiable():
    x = np.arange(20.0).reshape(4, 5)
    for axis in (0, 1):
        y = dn.random.shuffle(x, axis=axis, seed=3).numpy()
        np.testing.assert_array_equal(np.sort(y, axis=axis), x)
        assert not np.array_equal(y, x)
    t = dn.tensor(x, requires_grad=True)
    (dn.random.shuffle(t, seed=1) * dn.tensor(x)).sum().backward()
    # y = t[perm], so ∂/∂t ⟨y, x⟩ puts x[i] at perm[i]: shuffling the gradient gives x back.
    np.testing.assert_array_equal(dn.random.shuffle(t.grad, seed=1).numpy(), x)


def test_int_seeds_repeat_and_seed_generators_advance_and_replay():
    a = dn.random.normal((5,), seed=7).numpy()
    np.testing.assert_array_equal(a, dn.random.normal((5,), seed=7).numpy())
    gen = dn.random.SeedGenerator(7)
    first, second = dn.random.normal((5,), seed=gen), dn.random.normal((5,), seed=gen)
    np.testing.assert_array_equal(first.numpy(), a)  # as in Keras: the first draw is seed=7's
    assert not np.array_equal(first.numpy(), second.numpy())
    replay = dn.random.SeedGenerator(7)
    dn.random.normal((5,), seed=replay)
    np.testing.assert_array_equal(dn.random.normal((5,), seed=replay).numpy(), second.numpy())
    kgen = keras.random.SeedGenerator(7)
    k1, k2 = keras.random.normal((5,), seed=kgen), keras.random.normal((5,), seed=kgen)
    assert np.array_equal(k1.numpy(), keras.random.normal((5,), seed=7).numpy())
    assert not np.array_equal(k1.numpy(), k2.numpy())


def test_the_global_state_follows_set_random_seed():
    dn.utils.set_random_seed(11)
    a = [dn.random.uniform((3,)).numpy(), dn.random.uniform((3,)).numpy()]
    name = dn.random.SeedGenerator().state.numpy()[0]
    dn.utils.set_random_seed(11)
    b = [dn.random.uniform((3,)).numpy(), dn.random.uniform((3,)).numpy()]
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], a[1])
    assert dn.random.SeedGenerator().state.numpy()[0] == name  # unseeded generators too


def test_seed_generator_config_and_errors():
    gen = dn.random.SeedGenerator(5, name="g")
    assert (
        gen.get_config()
        == {"seed": 5, "name": "g"}
        == keras.random.SeedGenerator(5, name="g").get_config()
    )
    assert dn.random.SeedGenerator.from_config(gen.get_config()).name == "g"
    with pytest.raises(ValueError, match="must be an integer"):
        dn.random.SeedGenerator(1.5)
    with pytest.raises(ValueError, match="unrecognized keyword"):
        dn.random.SeedGenerator(1, foo=2)
    with pytest.raises(ValueError, match="SeedGenerator"):
        dn.random.normal((2,), seed="x")
    with pytest.raises(ValueError, match="floating point"):
        dn.random.uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match="integer"):
        dn.random.randint((2,), 0, 3, dtype="float32")
