"""Shared test set-up: reference libraries, seeds, dtype policy."""

from __future__ import annotations

import importlib
import os
import shutil

import numpy as np
import pytest

# Keras 3 is a reference implementation in the tests; run it on PyTorch.
os.environ.setdefault("KERAS_BACKEND", "torch")


def reference(module: str):
    """Import a reference library (torch, keras, sklearn, ...).

    Outside CI a missing reference skips the test; under CI (CI=true) it fails, so a missing
    install step can never pass as green.
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            raise RuntimeError(
                f"reference library {module!r} is missing under CI; `make test` must install it "
                "(dev extras in pyproject.toml)."
            ) from e
        pytest.skip(f"reference library {module!r} is not installed")


def require_program(name: str, package: str) -> str:
    """The path of an external program a test needs (e.g. Graphviz's ``dot``): skip without
    it, but fail under CI, where `make test` must install it from ``package``."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{name!r} is missing under CI: `make test` must install {package}.")
        pytest.skip(f"the {name!r} program is not installed ({package})")
    return path


@pytest.fixture(autouse=True)
def _seed_and_floatx():
    """Every test starts from the same seed and the default float32 policy."""
    import deepnum

    deepnum.utils.set_random_seed(0)
    deepnum.config.set_floatx("float32")
    yield
    deepnum.config.set_floatx("float32")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def _hypothesis_profile() -> None:
    """Under CI, property tests use a fixed sequence of examples (reproducible failures)."""
    try:
        from hypothesis import settings
    except ImportError:
        return
    settings.register_profile("ci", derandomize=True, deadline=None)
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        settings.load_profile("ci")


_hypothesis_profile()
