"""Preprocessing layers: rescaling, feature normalization and discretization, categorical
encodings and hashing, vocabulary lookups and text vectorization, audio spectrograms, image
resizing, cropping and augmentation."""

from deepnum.layers.preprocessing.category_encoding import CategoryEncoding
from deepnum.layers.preprocessing.discretization import Discretization
from deepnum.layers.preprocessing.hashed_crossing import HashedCrossing
from deepnum.layers.preprocessing.hashing import Hashing
from deepnum.layers.preprocessing.image_preprocessing import (
    AugMix,
    AutoContrast,
    CenterCrop,
    ContrastLimitedAdaptiveHistogramEqualization,
    CutMix,
    Equalization,
    MaxNumBoundingBoxes,
    MixUp,
    RandAugment,
    RandomBrightness,
    RandomColorDegeneration,
    RandomColorJitter,
    RandomContrast,
    RandomCrop,
    RandomElasticTransform,
    RandomErasing,
    RandomFlip,
    RandomGaussianBlur,
    RandomGrayscale,
    RandomHue,
    RandomInvert,
    RandomPerspective,
    RandomPosterization,
    RandomRotation,
    RandomSaturation,
    RandomSharpness,
    RandomShear,
    RandomTranslation,
    RandomZoom,
    Resizing,
    Solarization,
)
from deepnum.layers.preprocessing.integer_lookup import IntegerLookup
from deepnum.layers.preprocessing.normalization import Normalization
from deepnum.layers.preprocessing.rescaling import Rescaling
from deepnum.layers.preprocessing.spectrograms import MelSpectrogram, STFTSpectrogram
from deepnum.layers.preprocessing.string_lookup import StringLookup
from deepnum.layers.preprocessing.text_vectorization import TextVectorization
