"""save_weights / load_weights take Keras 3's options: unset ones are accepted, the ones deepnum
does not implement are refused by name; utils.io's atomic_write is saving.atomic's."""

from __future__ import annotations

import inspect

import pytest

import deepnum as dn
from deepnum.saving import atomic
from deepnum.utils import io
from tests.conftest import reference

keras = reference("keras")


@pytest.fixture
def model_and_path(tmp_path):
    model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(2)])
    return model, str(tmp_path / "m.weights.h5")


@pytest.mark.parametrize("name", ["save_weights", "load_weights"])
def test_signatures_are_keras(name):
    def params(fn):
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]

    assert params(getattr(dn.saving, name)) == params(getattr(keras.saving, name))


def test_unset_keras_options_are_accepted(model_and_path):
    model, path = model_and_path
    dn.saving.save_weights(model, path, max_shard_size=None)
    model.save_weights(path, max_shard_size=None)
    dn.saving.load_weights(model, path, objects_to_skip=None, by_name=None)
    model.load_weights(path, by_name=None)


REFUSED = [
    ("save", {"max_shard_size": 1.0}, "max_shard_size"),
    ("save", {"shards": 2}, "shards"),
    ("load", {"by_name": True}, "by_name"),
    ("load", {"objects_to_skip": ["dense"]}, "objects_to_skip"),
    ("load", {"strict": False}, "strict"),
]


@pytest.mark.parametrize("which, kwargs, named", REFUSED, ids=[r[2] for r in REFUSED])
def test_unsupported_options_are_refused_by_name(model_and_path, which, kwargs, named):
    model, path = model_and_path
    dn.saving.save_weights(model, path)
    call = dn.saving.save_weights if which == "save" else dn.saving.load_weights
    with pytest.raises(ValueError, match=named):
        call(model, path, **kwargs)
    if named != "shards":  # Model.save_weights has no **kwargs (Keras's neither)
        with pytest.raises(ValueError, match=named):
            (model.save_weights if which == "save" else model.load_weights)(path, **kwargs)


def test_one_atomic_write():
    assert io.atomic_write is atomic.atomic_write
