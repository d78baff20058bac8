"""Image preprocessing and augmentation layers with Keras 3's names, arguments and protocol
(``get_random_transformation``, then ``transform_images`` / ``transform_labels`` /
``transform_bounding_boxes`` / ``transform_segmentation_masks``)."""

from deepnum.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer
from deepnum.layers.preprocessing.image_preprocessing.center_crop import CenterCrop
from deepnum.layers.preprocessing.image_preprocessing.histogram import (
    AutoContrast,
    ContrastLimitedAdaptiveHistogramEqualization,
    Equalization,
)
from deepnum.layers.preprocessing.image_preprocessing.max_num_bounding_boxes import (
    MaxNumBoundingBoxes,
)
from deepnum.layers.preprocessing.image_preprocessing.mixing import AugMix, CutMix, MixUp
from deepnum.layers.preprocessing.image_preprocessing.rand_augment import RandAugment
from deepnum.layers.preprocessing.image_preprocessing.random_affine import (
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)
from deepnum.layers.preprocessing.image_preprocessing.random_color import (
    RandomBrightness,
    RandomColorDegeneration,
    RandomColorJitter,
    RandomContrast,
    RandomGrayscale,
    RandomHue,
    RandomSaturation,
)
from deepnum.layers.preprocessing.image_preprocessing.random_crop import RandomCrop
from deepnum.layers.preprocessing.image_preprocessing.random_erasing import RandomErasing
from deepnum.layers.preprocessing.image_preprocessing.random_filters import (
    RandomGaussianBlur,
    RandomSharpness,
)
from deepnum.layers.preprocessing.image_preprocessing.random_flip import RandomFlip
from deepnum.layers.preprocessing.image_preprocessing.random_intensity import (
    RandomInvert,
    RandomPosterization,
    Solarization,
)
from deepnum.layers.preprocessing.image_preprocessing.random_shear import RandomShear
from deepnum.layers.preprocessing.image_preprocessing.random_warps import (
    RandomElasticTransform,
    RandomPerspective,
)
from deepnum.layers.preprocessing.image_preprocessing.resizing import Resizing

__all__ = [
    "AugMix",
    "AutoContrast",
    "BaseImagePreprocessingLayer",
    "CenterCrop",
    "ContrastLimitedAdaptiveHistogramEqualization",
    "CutMix",
    "Equalization",
    "MaxNumBoundingBoxes",
    "MixUp",
    "RandAugment",
    "RandomBrightness",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomContrast",
    "RandomCrop",
    "RandomElasticTransform",
    "RandomErasing",
    "RandomFlip",
    "RandomGaussianBlur",
    "RandomGrayscale",
    "RandomHue",
    "RandomInvert",
    "RandomPerspective",
    "RandomPosterization",
    "RandomRotation",
    "RandomSaturation",
    "RandomSharpness",
    "RandomShear",
    "RandomTranslation",
    "RandomZoom",
    "Resizing",
    "Solarization",
]
