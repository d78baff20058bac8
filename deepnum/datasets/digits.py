"""The 8x8 handwritten digits bundled with scikit-learn (1,797 images, UCI optical digits).

Real data that needs no download: the quick stand-in for MNIST in examples, the demo and tests.
"""

from __future__ import annotations

import numpy as np

Split = tuple[np.ndarray, np.ndarray]


def load_data(test_split: float = 0.2, seed: int = 113) -> tuple[Split, Split]:
    """Load scikit-learn's digits as ``(x_train, y_train), (x_test, y_test)``, shuffled.

    The split follows Keras's small loaders (e.g. ``boston_housing``): the samples are shuffled
    with ``np.random.RandomState(seed)`` and the last ``test_split`` fraction is the test set.

    Args:
        test_split: the fraction of the 1,797 samples held out for testing, in ``[0, 1)``.
        seed: the shuffling seed.

    Returns:
        ``x`` uint8 of shape ``(n, 8, 8)`` with pixel values 0-16 (divide by 16 to get [0, 1]),
        ``y`` uint8 of shape ``(n,)`` with digits 0-9; 1,437 training and 360 test samples by
        default.

    Raises:
        ImportError: scikit-learn is not installed.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()
        >>> x_train.shape, x_test.shape, int(x_train.max())
        ((1437, 8, 8), (360, 8, 8), 16)
    """
    if not 0 <= test_split < 1:
        raise ValueError(
            f"digits.load_data: test_split must be in [0, 1), received test_split={test_split}."
        )
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:
        raise ImportError(
            "deepnum.datasets.digits needs scikit-learn, which ships these digits: "
            "pip install scikit-learn"
        ) from error
    bunch = load_digits()
    x = bunch.images.astype(np.uint8)
    y = bunch.target.astype(np.uint8)
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    n_train = int(len(x) * (1 - test_split))
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])
