"""Initializers against Keras 3: exact values for the deterministic ones, the same distribution
(two-sample Kolmogorov–Smirnov) for the random ones, seeds, dtypes, configs and memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import deepnum as dn
from deepnum import initializers
from tests.conftest import reference


@pytest.fixture(scope="module")
def keras():
    return reference("keras")


def _np(keras, x):
    return np.asarray(keras.ops.convert_to_numpy(x))


# (class name, kwargs, shape, dtype): exact values.
DETERMINISTIC = [
    ("Zeros", {}, (3, 4), "float32"),
    ("Zeros", {}, (5,), "int32"),
    ("Ones", {}, (2, 3, 4), "float64"),
    ("Ones", {}, (4,), "int64"),
    ("Constant", {"value": 2.5}, (3, 2), "float32"),
    ("Constant", {"value": 3}, (3,), "int32"),
    ("Identity", {}, (4, 4), "float32"),
    ("Identity", {"gain": 0.5}, (3, 5), "float64"),
    ("STFT", {}, (16, 1, 9), "float32"),
    ("STFT", {"side": "imag"}, (16, 1, 9), "float32"),
    ("STFT", {"window": "hamming", "periodic": True}, (8, 1, 5), "float64"),
    ("STFT", {"window": "hann", "periodic": True, "scaling": "spectrum"}, (8, 1, 5), "float32"),
    ("STFT", {"window": "blackman", "scaling": None}, (10, 1, 6), "float32"),
    ("STFT", {"window": None}, (6, 1, 4), "float32"),
    ("STFT", {"window": [0.5, 1.0, 1.0, 0.5]}, (4, 1, 3), "float32"),
]


@pytest.mark.parametrize("name, kwargs, shape, dtype", DETERMINISTIC)
def test_deterministic_values_match_keras(keras, name, kwargs, shape, dtype):
    ours = getattr(initializers, name)(**kwargs)(shape, dtype=dtype)
    theirs = _np(keras, getattr(keras.initializers, name)(**kwargs)(shape, dtype=dtype))
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


# (class name, kwargs, shape): the same distribution as Keras's.
RANDOM = [
    ("RandomNormal", {"mean": 0.5, "stddev": 2.0}, (100, 80)),
    ("RandomUniform", {"minval": -2.0, "maxval": 3.0}, (100, 80)),
    ("TruncatedNormal", {"mean": -1.0, "stddev": 0.5}, (100, 80)),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "uniform"}, (80, 100)),
    ("VarianceScaling", {"mode": "fan_avg", "distribution": "untruncated_normal"}, (3, 3, 40, 20)),
    ("VarianceScaling", {"distribution": "normal"}, (100, 80)),
    ("VarianceScaling", {"input_axes": [0], "output_axes": [1, 2]}, (64, 5, 25)),
    ("GlorotUniform", {}, (3, 3, 30, 30)),
    ("GlorotNormal", {}, (100, 80)),
    ("HeNormal", {}, (100, 80)),
    ("HeUniform", {}, (100, 80)),
    ("LecunNormal", {}, (5, 40, 40)),
    ("LecunUniform", {}, (100, 80)),
    ("GlorotUniform", {"input_axes": [0, 1], "output_axes": [2]}, (20, 10, 40)),
    ("Orthogonal", {}, (90, 90)),
    ("Orthogonal", {"gain": 2.0}, (3, 30, 90)),
    ("Orthogonal", {}, (40, 200)),
]


@pytest.mark.parametrize("name, kwargs, shape", RANDOM)
def test_random_distribution_matches_keras(keras, name, kwargs, shape):
    stats = reference("scipy.stats")
    ours = getattr(initializers, name)(seed=1, **kwargs)(shape)
    theirs = _np(keras, getattr(keras.initializers, name)(seed=1, **kwargs)(shape))
    assert ours.dtype == theirs.dtype == np.float32 and ours.shape == theirs.shape
    assert stats.ks_2samp(ours.ravel(), theirs.ravel()).pvalue > 1e-3
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.05)
    np.testing.assert_allclose(ours.mean(), theirs.mean(), atol=0.05 * theirs.std())


@pytest.mark.parametrize(
    "shape, gain", [((6, 6), 1.0), ((4, 9), 1.5), ((9, 4), 1.0), ((2, 3, 8), 0.5)]
)
def test_orthogonal_is_orthogonal(shape, gain):
    q = initializers.Orthogonal(gain=gain, seed=0)(shape, dtype="float64").reshape(-1, shape[-1])
    small = q @ q.T if q.shape[0] < q.shape[1] else q.T @ q
    np.testing.assert_allclose(small, gain**2 * np.eye(min(q.shape)), atol=1e-12)


@pytest.mark.parametrize("name", ["GlorotUniform", "RandomNormal", "Orthogonal"])
def test_seed_semantics_as_keras(keras, name):
    for lib in (initializers, keras.initializers):
        cls = getattr(lib, name)
        for seed in (None, 7):
            init = cls(seed=seed)
            np.testing.assert_array_equal(_np(keras, init((5, 5))), _np(keras, init((5, 5))))
        generator = (dn.random if lib is initializers else keras.random).SeedGenerator(3)
        init = cls(seed=generator)
        assert not np.array_equal(_np(keras, init((5, 5))), _np(keras, init((5, 5))))
    ours = getattr(initializers, name)
    assert not np.array_equal(ours()((5, 5)), ours()((5, 5)))  # two instances, two seeds


def test_unseeded_initializers_follow_set_random_seed():
    dn.utils.set_random_seed(3)
    first = initializers.GlorotUniform()((4, 4))
    dn.utils.set_random_seed(3)
    np.testing.assert_array_equal(initializers.GlorotUniform()((4, 4)), first)


@pytest.mark.parametrize(
    "name", ["RandomNormal", "RandomUniform", "TruncatedNormal", "HeNormal", "Orthogonal"]
)
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_requested_dtype(name, dtype):
    assert getattr(initializers, name)(seed=0)((8, 8), dtype=dtype).dtype == dtype


@pytest.mark.parametrize(
    "name", ["RandomNormal", "RandomUniform", "TruncatedNormal", "GlorotNormal", "Zeros", "Ones"]
)
def test_float32_weights_are_drawn_in_float32(name):
    shape = (500, 400)  # 800 kB in float32; drawn in float64 and cast, the peak would be 3x
    init = getattr(initializers, name)()
    tracemalloc.start()
    out = init(shape, dtype="float32")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert out.dtype == np.float32
    assert peak < 1.8 * out.nbytes, f"{name}: peak {peak} bytes for a {out.nbytes}-byte weight"


def test_random_initializers_refuse_integer_dtypes():
    with pytest.raises(ValueError, match="dtype must be a float dtype"):
        initializers.RandomNormal()((2,), dtype="int32")


@pytest.mark.parametrize(
    "shape, axes",
    [
        ((5,), {}),
        ((4, 6), {}),
        ((3, 3, 8, 16), {}),
        ((64, 5, 25), {"input_axes": [0], "output_axes": [1, 2]}),
    ],
)
def test_compute_fans_matches_keras(shape, axes):
    from keras.src.initializers.random_initializers import compute_fans

    assert initializers.compute_fans(shape, **axes) == compute_fans(shape, **axes)


CONFIGS = [
    ("Constant", {"value": 1.5}),
    ("Identity", {"gain": 2.0}),
    ("RandomNormal", {"mean": 1.0, "stddev": 0.1, "seed": 4}),
    ("TruncatedNormal", {"seed": 2}),
    ("RandomUniform", {"minval": 0.0, "maxval": 2.0, "seed": None}),
    ("VarianceScaling", {"scale": 0.5, "mode": "fan_avg", "input_axes": [0], "output_axes": [1]}),
    ("GlorotUniform", {"seed": 5}),
    ("HeNormal", {"input_axes": [0], "output_axes": [1]}),
    ("Orthogonal", {"gain": 0.5, "seed": 1}),
    ("STFT", {"side": "imag", "window": "hamming", "scaling": None, "periodic": True}),
    ("Zeros", {}),
]


@pytest.mark.parametrize("name, kwargs", CONFIGS)
def test_config_matches_keras_and_round_trips(keras, name, kwargs):
    ours = getattr(initializers, name)(**kwargs)
    theirs = getattr(keras.initializers, name)(**kwargs)
    config = initializers.serialize(ours)
    if name == "Identity":  # Keras 3's Identity.get_config omits `gain`; deepnum keeps it
        assert keras.initializers.deserialize(config).gain == ours.gain
    else:
        assert config == keras.initializers.serialize(theirs)
    rebuilt = initializers.deserialize(config)
    assert type(rebuilt) is type(ours) and rebuilt.get_config() == ours.get_config()
    assert ours.clone().get_config() == ours.get_config()


def test_seed_generator_in_config_matches_keras(keras):
    ours = initializers.RandomNormal(seed=dn.random.SeedGenerator(3)).get_config()
    theirs = keras.initializers.RandomNormal(seed=keras.random.SeedGenerator(3)).get_config()
    for config in (ours, theirs):
        del config["seed"]["config"]["name"]  # Keras numbers its generators' names
    assert ours == theirs
    rebuilt = initializers.RandomNormal.from_config(theirs)
    assert isinstance(rebuilt.seed, dn.random.SeedGenerator)
    assert rebuilt.seed.get_config()["seed"] == 3


def test_lowercase_and_compatibility_names_are_the_classes(keras):
    for name in dir(keras.initializers):
        if not name.startswith("_"):
            ours, theirs = getattr(initializers, name), getattr(keras.initializers, name)
            if isinstance(theirs, type):
                assert ours.__name__ == theirs.__name__, name


def test_array_identifier_gives_its_values(keras):
    value = np.arange(6.0).reshape(2, 3)
    fn = initializers.get(value)
    np.testing.assert_array_equal(fn((2, 3), dtype="float32"), value.astype("float32"))
    with pytest.raises(ValueError, match=r"Expected `shape` to be \(2, 3\)"):
        fn((3, 2))


def test_invalid_arguments_name_themselves():
    cases = [
        (lambda: initializers.VarianceScaling(scale=0), "scale"),
        (lambda: initializers.VarianceScaling(mode="fan"), "mode"),
        (lambda: initializers.VarianceScaling(distribution="cauchy"), "distribution"),
        (lambda: initializers.RandomNormal(seed="1"), "seed"),
        (lambda: initializers.STFT(side="both"), "side"),
        (lambda: initializers.STFT(scaling="power"), "Scaling"),
        (lambda: initializers.Identity()((2, 2, 2)), "2D"),
        (lambda: initializers.Orthogonal()((4,)), "two-dimensional"),
    ]
    for build, word in cases:
        with pytest.raises(ValueError, match=word):
            build()
