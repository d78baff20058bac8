"""Keras's image-classification architectures (``keras.applications``): the same functions,
arguments, defaults, layer names and weight layouts, so that Keras's published ImageNet weights
(``weights="imagenet"``, fetched once into Keras's cache) and files saved by Keras from these
models load into deepnum's, and deepnum's ``.keras`` files open in Keras.

Each family is a sub-module with its model functions, ``preprocess_input`` and
``decode_predictions`` (``applications.resnet50.preprocess_input``, ...).

Example:
    >>> import deepnum as dn
    >>> model = dn.applications.MobileNetV2(
    ...     weights=None, input_shape=(32, 32, 3), include_top=False, pooling="avg", alpha=0.35
    ... )
    >>> model.output_shape
    (None, 1280)
"""

from deepnum.applications import (
    convnext,
    densenet,
    efficientnet,
    efficientnet_v2,
    imagenet_utils,
    inception_resnet_v2,
    inception_v3,
    mobilenet,
    mobilenet_v2,
    mobilenet_v3,
    nasnet,
    resnet,
    resnet50,
    resnet_v2,
    vgg16,
    vgg19,
    xception,
)
from deepnum.applications.convnext import (
    ConvNeXtBase,
    ConvNeXtLarge,
    ConvNeXtSmall,
    ConvNeXtTiny,
    ConvNeXtXLarge,
)
from deepnum.applications.densenet import DenseNet121, DenseNet169, DenseNet201
from deepnum.applications.efficientnet import (
    EfficientNetB0,
    EfficientNetB1,
    EfficientNetB2,
    EfficientNetB3,
    EfficientNetB4,
    EfficientNetB5,
    EfficientNetB6,
    EfficientNetB7,
)
from deepnum.applications.efficientnet_v2 import (
    EfficientNetV2B0,
    EfficientNetV2B1,
    EfficientNetV2B2,
    EfficientNetV2B3,
    EfficientNetV2L,
    EfficientNetV2M,
    EfficientNetV2S,
)
from deepnum.applications.inception_resnet_v2 import InceptionResNetV2
from deepnum.applications.inception_v3 import InceptionV3
from deepnum.applications.mobilenet import MobileNet
from deepnum.applications.mobilenet_v2 import MobileNetV2
from deepnum.applications.mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
from deepnum.applications.nasnet import NASNetLarge, NASNetMobile
from deepnum.applications.resnet import ResNet50, ResNet101, ResNet152
from deepnum.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from deepnum.applications.vgg16 import VGG16
from deepnum.applications.vgg19 import VGG19
from deepnum.applications.xception import Xception

__all__ = [
    "ConvNeXtBase",
    "ConvNeXtLarge",
    "ConvNeXtSmall",
    "ConvNeXtTiny",
    "ConvNeXtXLarge",
    "DenseNet121",
    "DenseNet169",
    "DenseNet201",
    "EfficientNetB0",
    "EfficientNetB1",
    "EfficientNetB2",
    "EfficientNetB3",
    "EfficientNetB4",
    "EfficientNetB5",
    "EfficientNetB6",
    "EfficientNetB7",
    "EfficientNetV2B0",
    "EfficientNetV2B1",
    "EfficientNetV2B2",
    "EfficientNetV2B3",
    "EfficientNetV2L",
    "EfficientNetV2M",
    "EfficientNetV2S",
    "InceptionResNetV2",
    "InceptionV3",
    "MobileNet",
    "MobileNetV2",
    "MobileNetV3Large",
    "MobileNetV3Small",
    "NASNetLarge",
    "NASNetMobile",
    "ResNet101",
    "ResNet101V2",
    "ResNet152",
    "ResNet152V2",
    "ResNet50",
    "ResNet50V2",
    "VGG16",
    "VGG19",
    "Xception",
    "convnext",
    "densenet",
    "efficientnet",
    "efficientnet_v2",
    "imagenet_utils",
    "inception_resnet_v2",
    "inception_v3",
    "mobilenet",
    "mobilenet_v2",
    "mobilenet_v3",
    "nasnet",
    "resnet",
    "resnet50",
    "resnet_v2",
    "vgg16",
    "vgg19",
    "xception",
]
