"""``keras.applications.resnet50``: ResNet50 and its preprocessing, as in
:mod:`deepnum.applications.resnet`."""

from deepnum.applications.resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
