"""Boston housing prices: 506 samples of 13 attributes of houses near Boston in the late 1970s;
the target is the median value of a home (k$).

Same call and result as ``keras.datasets.boston_housing.load_data()``, from Keras's
``boston_housing.npz`` (fetched with ``get_file`` into ``~/.keras/datasets``). The data set
includes a variable that presumes racial self-segregation affects prices; Keras discourages
its use except to illustrate ethical issues in data science.
"""

from __future__ import annotations

from deepnum.datasets._regression import Split, check_test_split, load_xy, shuffle_split

SHA256 = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(
    path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113
) -> tuple[Split, Split]:
    """Load the Boston housing data as ``(x_train, y_train), (x_test, y_test)``.

    Args:
        path: the file name in Keras's cache folder.
        test_split: the fraction of samples in the test set, in ``[0, 1)``.
        seed: the seed of the shuffle (``np.random.RandomState``) before the split.

    Returns:
        ``x``: float ``(n, 13)``; ``y``: float ``(n,)`` prices in k$. 404 training and 102 test
        samples with the defaults.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> x_train.shape  # doctest: +SKIP
        (404, 13)
    """
    check_test_split(test_split, "boston_housing.load_data")
    x, y = load_xy(path, "boston_housing.npz", SHA256, "boston_housing.load_data")
    return shuffle_split(x, y, test_split, seed)
