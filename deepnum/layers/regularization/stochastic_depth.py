"""StochasticDepth: drop a whole residual branch per sample while training ("drop path")."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import default_rng, get_array_module
from deepnum.layers.layer import Layer


class StochasticDepth(Layer):
    """Zero the whole input of a sample with probability ``drop_path_rate`` while training and
    scale the kept samples by ``1 / keep``, keep = 1 − drop_path_rate (Huang et al., "Deep
    Networks with Stochastic Depth"); the identity at inference.

    y = x · ⌊keep + u⌋ / keep,  u ~ U[0, 1) drawn once per sample   (training=True)

    Placed on a residual branch (``x + StochasticDepth(r)(f(x))``), it skips the block for
    that sample. Keras defines it in ``keras.applications.convnext``; name and config are
    Keras's.

    Args:
        drop_path_rate: the probability of dropping a sample's branch, in ``[0, 1)``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.StochasticDepth(0.5)
        >>> x = np.ones((4, 2), "float32")
        >>> bool((layer(x).numpy() == x).all())                  # inference: identity
        True
        >>> y = layer(x, training=True).numpy()                  # each row all 0 or all 2
        >>> set(y.ravel().tolist()) <= {0.0, 2.0}, bool((y == y[:, :1]).all())
        (True, True)
    """

    def __init__(self, drop_path_rate: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        rate = drop_path_rate
        if not isinstance(rate, numbers.Real) or isinstance(rate, bool) or not 0 <= rate < 1:
            raise ValueError(
                "StochasticDepth: argument `drop_path_rate` must be a number ≥ 0 and < 1 (the "
                f"probability of dropping a sample's branch), received drop_path_rate={rate!r}."
            )
        self.drop_path_rate = float(rate)
        self.supports_masking = True

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        if not training or self.drop_path_rate == 0:
            return inputs
        keep = 1.0 - self.drop_path_rate
        shape = (inputs.shape[0],) + (1,) * (inputs.ndim - 1)
        xp = get_array_module(inputs.data)
        # The draw comes from the seeded host generator, then moves to the inputs' device.
        u = xp.asarray(default_rng().random(shape, dtype=np.float32))
        mask = (xp.floor(keep + u) / keep).astype(inputs.dtype)
        return inputs * Tensor._make(mask)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}
