"""AdditiveAttention: Bahdanau-style attention over [query, value, key], Keras 3's layer."""

from __future__ import annotations

from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor
from deepnum.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention: scores from a learned direction through tanh.

        scores_ij = Σ_d s_d · tanh(Q_i + K_j)_d,   weights = softmax(scores),   output = weights·V

    with s the learned ``scale`` vector of the feature size (glorot-uniform; 1 without
    ``use_scale``). Masks, dropout and the scores returned are as in ``Attention``.

    Args:
        use_scale: learn the vector s.
        dropout: dropout rate on the attention weights (training only).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> q, v = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")
        >>> layer = dn.layers.AdditiveAttention()
        >>> layer([q, v]).shape, layer.scale.shape
        ((2, 3, 4), (4,))
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs: Any) -> None:
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape: Any) -> None:
        self._validate_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight((input_shape[0][-1],), "glorot_uniform", name="scale")
        self.built = True

    def _calculate_scores(self, query: Tensor, key: Tensor) -> Tensor:
        pairs = ops.tanh(ops.expand_dims(query, -2) + ops.expand_dims(key, -3))  # (B, Tq, Tv, d)
        if self.scale is not None:
            pairs = pairs * self.scale
        return ops.sum(pairs, axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["score_mode"]
        return config
