"""deepnum's public API against Keras 3's, name by name (``tools/keras_compatibility.py``).

For every namespace listed as complete, each public name of the pinned Keras exists in
deepnum (or is excluded with a reason in the tool) and has Keras's signature: parameter names,
order, kinds and defaults.
"""

import pytest

from tests.conftest import reference
from tools import keras_compatibility as kc


@pytest.fixture(scope="module", autouse=True)
def _keras():
    reference("keras")


@pytest.mark.parametrize("namespace", kc.COMPLETE)
def test_every_keras_name_exists(namespace):
    rep = kc.report(namespace)
    assert not rep.missing, f"deepnum.{namespace} lacks Keras's names: {', '.join(rep.missing)}"
    assert not rep.pending, f"deepnum.{namespace} still lacks: {', '.join(rep.pending)}"


@pytest.mark.parametrize("namespace", kc.COMPLETE)
def test_every_signature_matches(namespace):
    rep = kc.report(namespace)
    lines = [f"{name}: {why}" for name, why in sorted(rep.mismatches.items())]
    assert not lines, f"deepnum.{namespace} signatures differ from Keras's:\n" + "\n".join(lines)


def test_signature_comparison_detects_differences():
    def keras_like(x1, x2, axis=None, **kwargs):
        pass

    def renamed(x, y, axis=None, **kwargs):
        pass

    def other_default(x1, x2, axis=0, **kwargs):
        pass

    assert kc.signature_difference(keras_like, keras_like) is None
    assert "vs deepnum (x, y" in kc.signature_difference(keras_like, renamed)
    assert "default of 'axis'" in kc.signature_difference(keras_like, other_default)


def test_the_document_is_generated_from_the_enumeration():
    text = kc.render([kc.report("ops.linalg")])
    assert "| `ops.linalg` |" in text
    assert "keras.layers.TorchModuleWrapper" in text
