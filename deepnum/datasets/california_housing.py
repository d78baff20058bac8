"""California housing prices: 20,640 census block groups of 1990, 8 features each (median
income, house age, rooms, bedrooms, population, occupancy, latitude, longitude); the target is
the median house value in dollars.

Same call and result as ``keras.datasets.california_housing.load_data()``, from Keras's
``california_housing.npz`` (fetched with ``get_file`` into ``~/.keras/datasets``).
"""

from __future__ import annotations

from deepnum.datasets._regression import Split, check_test_split, load_xy, shuffle_split

SHA256 = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(
    version: str = "large",
    path: str = "california_housing.npz",
    test_split: float = 0.2,
    seed: int = 113,
) -> tuple[Split, Split]:
    """Load the California housing data as ``(x_train, y_train), (x_test, y_test)``.

    Args:
        version: ``"large"`` (all 20,640 samples) or ``"small"`` (the first 600, a stand-in
            for the Boston data set).
        path: the file name in Keras's cache folder.
        test_split: the fraction of samples in the test set, in ``[0, 1)``.
        seed: the seed of the shuffle (``np.random.RandomState``) before the split.

    Returns:
        ``x``: float ``(n, 8)``; ``y``: float ``(n,)`` values in dollars.

    Example:
        >>> (x_train, y_train), _ = load_data(version="small")  # doctest: +SKIP
        >>> x_train.shape  # doctest: +SKIP
        (480, 8)
    """
    check_test_split(test_split, "california_housing.load_data")
    if version not in ("small", "large"):
        raise ValueError(
            'california_housing.load_data: version must be "small" or "large", received '
            f"version={version!r}."
        )
    x, y = load_xy(path, "california_housing.npz", SHA256, "california_housing.load_data")
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffle_split(x, y, test_split, seed)
