"""keras.random-style sampling: shapes, dtypes, seeds and the distributions' moments."""

import numpy as np
import pytest

import deepnum as dn


def test_distributions_have_the_right_moments():
    n = 200_000
    x = dn.random.normal((n,), mean=2.0, stddev=3.0, seed=0).numpy()
    assert x.dtype == np.float32 and abs(x.mean() - 2) < 0.05 and abs(x.std() - 3) < 0.05
    u = dn.random.uniform((n,), minval=-1.0, maxval=3.0, seed=1).numpy()
    assert u.min() >= -1 and u.max() < 3 and abs(u.mean() - 1) < 0.02
    t = dn.random.truncated_normal((n,), stddev=2.0, seed=2).numpy()
    assert np.abs(t).max() <= 4.0 and abs(t.std() - 2 * 0.8796) < 0.02
    r = dn.random.randint((n,), 3, 7, seed=3).numpy()
    assert r.dtype == np.int32 and set(np.unique(r)) == {3, 4, 5, 6}


def test_seeds_repeat_and_seed_generators_advance():
    a = dn.random.normal((5,), seed=7).numpy()
    np.testing.assert_array_equal(a, dn.random.normal((5,), seed=7).numpy())
    gen = dn.random.SeedGenerator(7)
    first, second = dn.random.normal((5,), seed=gen), dn.random.normal((5,), seed=gen)
    assert not np.array_equal(first.numpy(), second.numpy())
    with pytest.raises(ValueError, match="seed must be"):
        dn.random.normal((2,), seed="x")


def test_shuffle_categorical_and_dropout():
    x = np.arange(10.0)
    np.testing.assert_array_equal(np.sort(dn.random.shuffle(x, seed=0).numpy()), x)
    draws = dn.random.categorical([[0.0, np.log(3.0)]], 40_000, seed=0).numpy()
    assert draws.shape == (1, 40_000) and abs(draws.mean() - 0.75) < 0.01
    y = dn.random.dropout(np.ones(100_000, "float32"), 0.25, seed=0).numpy()
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)} and abs(y.mean() - 1) < 0.01
