"""Models with image layers move both ways between Keras 3 and deepnum as ``.keras`` files
(configs only: these layers have no weights); predictions (inference: deterministic layers
applied, augmentation off) agree. Equalization is left out: Keras 3.15 cannot place it in a
model (its output spec is its input, which Keras's graph reports as a cycle)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.layers.interop import assert_moves_both_ways

X = np.random.default_rng(2).uniform(0, 255, (3, 12, 12, 3)).astype("float32")


def geometric(lib):
    layers = lib.layers
    return lib.Sequential(
        [
            lib.Input((12, 12, 3)),
            layers.RandomFlip("horizontal", seed=1),
            layers.RandomRotation(0.1, fill_mode="constant", seed=2),
            layers.RandomZoom(0.2, width_factor=(-0.1, 0.3), seed=3),
            layers.RandomTranslation(0.1, (-0.2, 0.1)),
            layers.RandomShear(x_factor=0.2, y_factor=(0.1, 0.3)),
            layers.RandomPerspective(factor=0.5, scale=0.3),
            layers.RandomElasticTransform(scale=0.5),
            # At the input's size: Keras 3.15 skips RandomCrop at inference (#21868).
            layers.RandomCrop(12, 12, seed=4),
            layers.CenterCrop(8, 8),
            layers.Resizing(6, 6, interpolation="nearest"),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )


def photometric(lib):
    layers = lib.layers
    return lib.Sequential(
        [
            lib.Input((12, 12, 3)),
            layers.RandomContrast(0.3),
            layers.RandomBrightness(0.2),
            layers.RandomHue(0.2),
            layers.RandomSaturation((0.3, 0.7)),
            layers.RandomSharpness(0.4),
            layers.RandomGrayscale(0.3),
            layers.RandomInvert(0.2),
            layers.RandomPosterization((4, 6)),
            layers.Solarization(0.1, 0.5),
            layers.RandomErasing(fill_value=(1.0, 2.0, 3.0)),
            layers.RandomGaussianBlur(kernel_size=5, sigma=(0.2, 0.8)),
            layers.RandomColorJitter(brightness_factor=0.1, hue_factor=0.1),
            layers.RandomColorDegeneration(0.3),
            layers.AutoContrast(),
            # A whole clip limit (16·4·4/256 = 1): Keras's PyTorch backend truncates it.
            layers.ContrastLimitedAdaptiveHistogramEqualization(
                clip_limit=16.0, tile_grid_size=(3, 3)
            ),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )


def mixing(lib):
    layers = lib.layers
    return lib.Sequential(
        [
            lib.Input((12, 12, 3)),
            layers.AugMix(num_chains=2, seed=5),
            layers.RandAugment(num_ops=3, factor=0.3, seed=6),
            layers.CutMix(0.5),
            layers.MixUp(0.4),
            layers.MaxNumBoundingBoxes(4),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )


@pytest.mark.parametrize("build", [geometric, photometric, mixing])
def test_models_move_both_ways(tmp_path, build):
    assert_moves_both_ways(tmp_path, build, X, tol=1e-3)
