"""One model of every family against Keras's (torch backend), built with ``weights=None`` at a
small input: the same layers with weights (class, name, order, weight shapes) and parameter
count, and Keras's weights moved through a ``.weights.h5`` file Keras wrote give Keras's
predictions (logits, to float32 tolerance)."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from tests.applications.reference import (
    images,
    keras_model,
    keras_predict,
    weighted_layers,
    weights_file,
)

# (function, input shape, keyword arguments): the smallest model of each family, with a
# classifier without softmax where the top is kept (logits compare more strictly).
FAMILIES = {
    "vgg16": ("VGG16", (32, 32, 3), {"include_top": False, "pooling": "max"}),
    "resnet": ("ResNet50", (32, 32, 3), {"classes": 10, "classifier_activation": None}),
    "resnet_v2": ("ResNet50V2", (32, 32, 3), {"include_top": False, "pooling": "avg"}),
    "mobilenet": ("MobileNet", (32, 32, 3), {"alpha": 0.25, "classes": 10,
                                             "classifier_activation": None}),
    "mobilenet_v2": ("MobileNetV2", (32, 32, 3), {"alpha": 0.35, "classes": 10,
                                                  "classifier_activation": None}),
    "mobilenet_v3": ("MobileNetV3Small", (32, 32, 3), {"classes": 10,
                                                       "classifier_activation": None}),
    "densenet": ("DenseNet121", (32, 32, 3), {"include_top": False, "pooling": "avg"}),
    "efficientnet": ("EfficientNetB0", (32, 32, 3), {"classes": 10,
                                                     "classifier_activation": None}),
    "efficientnet_v2": ("EfficientNetV2B0", (32, 32, 3), {"include_top": False}),
    "xception": ("Xception", (71, 71, 3), {"include_top": False, "pooling": "avg"}),
    "inception_v3": ("InceptionV3", (75, 75, 3), {"include_top": False, "pooling": "max"}),
    "inception_resnet_v2": ("InceptionResNetV2", (75, 75, 3), {"include_top": False}),
    "nasnet": ("NASNetMobile", (32, 32, 3), {"classes": 10, "classifier_activation": None}),
    "convnext": ("ConvNeXtTiny", (32, 32, 3), {"classes": 10, "classifier_activation": None}),
}  # fmt: skip


def build(family: str):
    builder, shape, kwargs = FAMILIES[family]
    k_model = keras_model(builder, shape, **kwargs)
    dn.backend.clear_session()  # automatic layer names as in a fresh Keras session
    d_model = getattr(dn.applications, builder)(weights=None, input_shape=shape, **kwargs)
    return k_model, d_model, shape


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_matches_keras(family, tmp_path):
    k_model, d_model, shape = build(family)
    assert weighted_layers(d_model) == weighted_layers(k_model)
    assert d_model.count_params() == k_model.count_params()
    assert d_model.output_shape == k_model.output_shape
    d_model.load_weights(weights_file(k_model, tmp_path))
    x = images(shape)
    expected = keras_predict(k_model, x)
    got = d_model.predict(x, verbose=0)
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * scale)
