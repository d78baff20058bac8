"""The LSTM's gates as one op: ``(h', c')`` from the pre-activations ``z`` and the carry ``c``,
for layers whose step is not the fused LSTM loop (the convolutional LSTM: its pre-activations
come from convolutions). One Function instead of a dozen elementwise ops per step, in the
forward pass and in the backward pass."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.nn._smooth_activations import sigmoid
from deepnum.ops.numpy import concatenate, split, tanh

__all__ = ["lstm_gates"]


class LSTMGates(Function):
    """(h', c') = (o ⊙ tanh(c'), f ⊙ c + i ⊙ g) with i, f, o = σ(z_i, z_f, z_o), g = tanh(z_c).

    The gates come from one ``tanh`` over z, the sigmoid blocks through σ(x) = ½ tanh(x/2) + ½;
    backward keeps them and tanh(c'). With dc = ∂c' + ∂h' ⊙ o ⊙ (1 − tanh²c')::

        ∂z_i = dc ⊙ g ⊙ i(1 − i)    ∂z_f = dc ⊙ c ⊙ f(1 − f)    ∂z_c = dc ⊙ i ⊙ (1 − g²)
        ∂z_o = ∂h' ⊙ tanh(c') ⊙ o(1 − o)    ∂c = dc ⊙ f
    """

    def forward(self, z, c):
        xp = get_array_module(z)
        n = z.shape[-1] // 4
        gates = z * xp.asarray(0.5, dtype=z.dtype)
        gates[..., 2 * n : 3 * n] = z[..., 2 * n : 3 * n]
        xp.tanh(gates, out=gates)
        for block in (slice(0, 2 * n), slice(3 * n, 4 * n)):
            gates[..., block] *= 0.5
            gates[..., block] += 0.5
        i, f, g, o = (gates[..., k * n : (k + 1) * n] for k in range(4))
        c_new = f * c
        c_new += i * g
        tc = xp.tanh(c_new)
        self._gates, self._tc = gates, tc
        return o * tc, c_new

    def backward_arrays(self, gh, gc):
        xp = get_array_module(gh)
        gates, tc, c = self._gates, self._tc, self.inputs[1].data
        n = gates.shape[-1] // 4
        i, f, g, o = (gates[..., k * n : (k + 1) * n] for k in range(4))
        dc = gh * o
        dc *= 1 - tc * tc
        dc += gc
        dz = xp.empty_like(gates)
        xp.multiply(dc, g, out=dz[..., :n])
        xp.multiply(dc, c, out=dz[..., n : 2 * n])
        xp.multiply(dc, i, out=dz[..., 2 * n : 3 * n])
        xp.multiply(gh, tc, out=dz[..., 3 * n :])
        sig = gates.copy()  # σ(1 − σ) for the sigmoid blocks, 1 − g² for the tanh block
        sig[..., 2 * n : 3 * n] *= -sig[..., 2 * n : 3 * n]
        sig[..., 2 * n : 3 * n] += 1
        for block in (slice(0, 2 * n), slice(3 * n, 4 * n)):
            sig[..., block] *= 1 - gates[..., block]
        dz *= sig
        return dz, dc * f

    def backward(self, gh, gc):
        """The same formulas in deepnum ops, recomputed from the inputs (differentiable)."""
        z, c = self.inputs
        zi, zf, zg, zo = split(z, 4, axis=-1)
        i, f, o, g = sigmoid(zi), sigmoid(zf), sigmoid(zo), tanh(zg)
        tc = tanh(f * c + i * g)
        dc = gc + gh * o * (1 - tc * tc)
        dz = concatenate(
            [
                dc * g * i * (1 - i),
                dc * c * f * (1 - f),
                dc * i * (1 - g * g),
                gh * tc * o * (1 - o),
            ],
            axis=-1,
        )
        return dz, dc * f

    def release(self) -> None:
        super().release()
        self._gates = self._tc = None


def lstm_gates(z: Any, c: Any) -> tuple[Tensor, Tensor]:
    """One LSTM update from pre-activations, Keras's gate order i, f, c, o on the last axis::

        i, f, o = σ(z_i), σ(z_f), σ(z_o)    g = tanh(z_c)
        c' = f ⊙ c + i ⊙ g                 h' = o ⊙ tanh(c')

    Args:
        z: pre-activations ``(..., 4·units)``.
        c: the carry ``(..., units)``.

    Returns:
        ``(h', c')``, each shaped like ``c``.

    Example:
        >>> import numpy as np
        >>> h, c = lstm_gates(np.zeros((2, 8)), np.ones((2, 2)))
        >>> c.numpy().tolist()  # f = i = ½, g = 0
        [[0.5, 0.5], [0.5, 0.5]]
    """
    z, c = as_tensor(z), as_tensor(c)
    if z.shape[-1] != 4 * c.shape[-1] or z.shape[:-1] != c.shape[:-1]:
        raise ValueError(
            f"lstm_gates: pre-activations of shape {shape_str(z.shape)} need a carry of shape "
            f"{shape_str(z.shape[:-1] + (z.shape[-1] // 4,))} (4·units on the last axis), "
            f"received {shape_str(c.shape)}."
        )
    return LSTMGates()(z, c)
