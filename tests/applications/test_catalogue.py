"""Keras's 57 names of ``keras.applications`` with Keras's signatures, the sub-modules' names,
and the parameter and weight counts of every model function against Keras's."""

from __future__ import annotations

import inspect
import types

import pytest

import deepnum as dn
from tests.conftest import reference
from tools.keras_compatibility import keras_names, signature_difference

keras = reference("keras")

# Keras 3.15.1 (PyTorch backend), ``f(weights=None).count_params()`` and ``len(weights)`` at the
# default input size, recorded once: building the largest models in Keras takes minutes
# (NASNetMobile through keras.src.applications.nasnet.NASNet, Keras refuses it on PyTorch).
KERAS_COUNTS = {
    "ConvNeXtBase": (88591464, 344), "ConvNeXtLarge": (197767336, 344),
    "ConvNeXtSmall": (50223688, 344), "ConvNeXtTiny": (28589128, 182),
    "ConvNeXtXLarge": (350196968, 344), "DenseNet121": (8062504, 606),
    "DenseNet169": (14307880, 846), "DenseNet201": (20242984, 1006),
    "EfficientNetB0": (5330571, 314), "EfficientNetB1": (7856239, 442),
    "EfficientNetB2": (9177569, 442), "EfficientNetB3": (12320535, 499),
    "EfficientNetB4": (19466823, 613), "EfficientNetB5": (30562527, 741),
    "EfficientNetB6": (43265143, 855), "EfficientNetB7": (66658687, 1040),
    "EfficientNetV2B0": (7200312, 361), "EfficientNetV2B1": (8212124, 443),
    "EfficientNetV2B2": (10178374, 462), "EfficientNetV2B3": (14467622, 538),
    "EfficientNetV2L": (119027848, 1331), "EfficientNetV2M": (54431388, 963),
    "EfficientNetV2S": (21612360, 672), "InceptionResNetV2": (55873736, 898),
    "InceptionV3": (23851784, 378), "MobileNet": (4253864, 137), "MobileNetV2": (3538984, 262),
    "MobileNetV3Large": (5507432, 266), "MobileNetV3Small": (2554968, 210),
    "NASNetLarge": (88949818, 1546), "NASNetMobile": (5326716, 1126),
    "ResNet101": (44707176, 626), "ResNet101V2": (44675560, 544), "ResNet152": (60419944, 932),
    "ResNet152V2": (60380648, 816), "ResNet50": (25636712, 320), "ResNet50V2": (25613800, 272),
    "VGG16": (138357544, 32), "VGG19": (143667240, 38), "Xception": (22910480, 236),
}  # fmt: skip
MODELS = sorted(KERAS_COUNTS)
SUBMODULES = sorted(n for n in keras_names("applications") if n[0].islower())


def test_every_keras_name_exists():
    missing = [n for n in keras_names("applications") if not hasattr(dn.applications, n)]
    assert missing == []
    assert sorted(MODELS + SUBMODULES) == keras_names("applications")


@pytest.mark.parametrize("name", MODELS)
def test_model_signature_is_keras(name):
    ours, theirs = getattr(dn.applications, name), getattr(keras.applications, name)
    assert signature_difference(theirs, ours) is None


@pytest.mark.parametrize("module", SUBMODULES)
def test_submodule_names_and_signatures(module):
    ours, theirs = getattr(dn.applications, module), getattr(keras.applications, module)
    public = [n for n in dir(theirs) if not n.startswith("_")]
    assert [n for n in public if not hasattr(ours, n)] == []
    for name in public:
        assert signature_difference(getattr(theirs, name), getattr(ours, name)) is None, name
        assert inspect.getdoc(getattr(ours, name)), name


@pytest.fixture
def zero_weights(monkeypatch):
    """Weights created as zeros: ``np.zeros`` maps no memory until written, so the largest
    models (ConvNeXtXLarge: 350 M parameters) are counted in a fraction of a second without
    drawing 1.4 GB of random numbers. Only the counts and shapes are checked here."""
    from deepnum.layers import layer_state

    real = layer_state.initializers
    monkeypatch.setattr(
        layer_state, "initializers", types.SimpleNamespace(get=lambda _: real.get("zeros"))
    )


@pytest.mark.parametrize("name", MODELS)
def test_parameter_and_weight_counts_are_keras(name, zero_weights):
    # Away from VGG's Flatten top the counts do not depend on the input size: small inputs
    # keep the shape inference cheap.
    kwargs = {} if name.startswith("VGG") else {"input_shape": (75, 75, 3)}
    model = getattr(dn.applications, name)(weights=None, **kwargs)
    assert (model.count_params(), len(model.weights)) == KERAS_COUNTS[name]
