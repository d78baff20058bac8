"""Raw-array loops behind the fused recurrent ops (``deepnum.ops.recurrent``).

Each cell has a forward loop and a backpropagation-through-time loop written on NumPy/CuPy
arrays with preallocated buffers and in-place ufuncs (``out=``):

* the input projection ``x W + b`` of all time steps is one GEMM before the loop;
* a step does one small GEMM (``h U``) plus the gate maths on rows that stay in cache;
* the backward loop stores the pre-activation gradients of every step, so the weight
  gradients ``xᵀ dZ`` and ``hᵀ dZ`` and the input gradient ``dZ Wᵀ`` are three GEMMs after it.

Everything is kept time-major (step ``s`` is row block ``[s]``): when ``go_backwards`` is set,
step ``s`` reads time ``T - 1 - s``, and outputs are in processing order, as in Keras.

Sigmoid gates are computed as σ(z) = ½ tanh(z/2) + ½ with the ½ folded into the columns of the
kernels (scaling by a power of two is exact), so one ``tanh`` call activates all gates.

Denormals: as BPTT runs back through many steps the carried gradients decay geometrically and
eventually fall below the smallest normal float (1.2e-38 in float32). Arithmetic on such
subnormal numbers is up to 100× slower on x86 CPUs, in BLAS as much as in NumPy. When
``FLUSH_DENORMALS`` is true (the default) the carried state gradients are flushed to zero each
step where their magnitude is below ``finfo(dtype).tiny`` — what the CPU's flush-to-zero mode
does — which changes no result by more than that tiny absolute amount.
"""

from __future__ import annotations

from deepnum.backend import get_array_module

FLUSH_DENORMALS = True


class Scan:
    """The bookkeeping shared by the loops: sizes, time order and the mask.

    Args:
        x: inputs ``(batch, time, features)``.
        units: state size.
        keep: ``None`` or a boolean array ``(batch, steps)`` in processing order; a step
            whose entry is False keeps the previous state.
        out_weight: ``None`` or ``(batch, steps)`` weights (processing order) applied to the
            outputs; they encode Keras's rule for the output of masked steps.
        go_backwards: process the time axis in reverse.
        return_sequences: whether the first output is the whole sequence or the last step.
    """

    def __init__(self, x, units: int, keep, out_weight, go_backwards: bool, return_sequences: bool):
        xp = get_array_module(x)
        self.xp = xp
        self.B, self.T, self.n_in = x.shape
        self.U = units
        self.dtype = x.dtype
        self.go_backwards = go_backwards
        self.return_sequences = return_sequences
        self.x = self.time_major(x)
        self.keep = self.drop = self.out_w = None
        if keep is not None:
            self.keep = xp.ascontiguousarray(keep.T[:, :, None])
            self.drop = ~self.keep
            self.out_w = xp.ascontiguousarray(out_weight.T[:, :, None].astype(self.dtype))
        self.tiny = xp.finfo(self.dtype).tiny
        self.flush = FLUSH_DENORMALS and xp.__name__ == "numpy"

    def time_major(self, a):
        """``(batch, time, ...)`` → contiguous ``(steps, batch, ...)`` in processing order."""
        a = a.swapaxes(0, 1)
        return self.xp.ascontiguousarray(a[::-1] if self.go_backwards else a)

    def batch_major(self, a):
        """The inverse of ``time_major`` as a view."""
        return (a[::-1] if self.go_backwards else a).swapaxes(0, 1)

    def project(self, kernel, bias, scale):
        """``x W + b`` for all steps in one GEMM, columns scaled by ``scale`` (steps, B, G)."""
        xw = (self.x.reshape(self.T * self.B, self.n_in) @ (kernel * scale)).reshape(
            self.T, self.B, kernel.shape[1]
        )
        if bias is not None:
            xw += bias * scale
        return xw

    def outputs(self, H):
        """The output sequence (in processing order, as Keras returns it) or the last output,
        from the states ``H[1:]``, with the mask rule applied."""
        Y = H[1:]
        if self.out_w is not None:
            Y = Y * self.out_w if self.return_sequences else Y[-1] * self.out_w[-1]
            return Y.swapaxes(0, 1) if self.return_sequences else Y
        return Y.swapaxes(0, 1) if self.return_sequences else Y[-1]

    def output_grads(self, gy):
        """The output gradient per step (steps, B, U), or for the last step only (B, U)."""
        if not self.return_sequences:
            return gy if self.out_w is None else gy * self.out_w[-1]
        g = gy.swapaxes(0, 1)
        return g if self.out_w is None else g * self.out_w

    def input_grads(self, dZ, kernel):
        """``dZ Wᵀ`` for all steps in one GEMM, back in ``(batch, time, features)`` order."""
        dx = (dZ.reshape(self.T * self.B, -1) @ kernel.T).reshape(self.T, self.B, self.n_in)
        return self.batch_major(dx)

    def weight_grads(self, dZ, H, kernel, needs):
        """The GEMMs after the loop: ``(dx, dW, dU, db)`` from dZ and the previous states."""
        flat = dZ.reshape(self.T * self.B, -1)
        dx = self.input_grads(dZ, kernel) if needs[0] else None
        dW = self.x.reshape(self.T * self.B, self.n_in).T @ flat if needs[1] else None
        dU = H[:-1].reshape(self.T * self.B, self.U).T @ flat if needs[2] else None
        db = self.xp.ones(self.T * self.B, dtype=self.dtype) @ flat if needs[3] else None
        return dx, dW, dU, db

    def carry_mask(self, s, carry, new):
        """Split the state gradient at step ``s``: ``new`` gets the kept rows, ``carry`` the
        rows of masked steps (which pass the state through unchanged)."""
        self.xp.multiply(carry, self.keep[s], out=new)
        carry *= self.drop[s]

    def flush_tiny(self, a, scratch, flags) -> None:
        """Set entries of ``a`` whose magnitude is below the smallest normal float to zero."""
        if self.flush:
            xp = self.xp
            xp.abs(a, out=scratch)
            xp.less(scratch, self.tiny, out=flags)
            xp.copyto(a, 0, where=flags)


def gate_vectors(xp, dtype, units: int, kinds: str):
    """Per-column constants for gates given as a string such as ``"sstS"`` (s: sigmoid,
    t: tanh): the kernel scale (½ for sigmoid), the affine map after tanh, and the offset
    that turns ``(1 - a)(a + e)`` into each gate's derivative (σ(1-σ) or 1 - tanh²)."""
    sig = xp.repeat(xp.asarray([k == "s" for k in kinds]), units)
    scale = xp.where(sig, 0.5, 1.0).astype(dtype)
    shift = xp.where(sig, 0.5, 0.0).astype(dtype)
    deriv = xp.where(sig, 0.0, 1.0).astype(dtype)
    return scale, shift, deriv


# ---------------------------------------------------------------------------- LSTM
def lstm_forward(scan: Scan, h0, c0, kernel, recurrent_kernel, bias):
    """Run the LSTM over all steps; return ``(y, h_T, c_T)`` and what backward needs."""
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    scale, shift, deriv = gate_vectors(xp, scan.dtype, U, "ssts")
    A = scan.project(kernel, bias, scale)  # becomes the activated gates, in place
    Us = recurrent_kernel * scale
    H = xp.empty((T + 1, B, U), dtype=scan.dtype)
    C = xp.empty_like(H)
    TC = xp.empty((T, B, U), dtype=scan.dtype)
    H[0], C[0] = h0, c0
    z = xp.empty((B, 4 * U), dtype=scan.dtype)
    ig = xp.empty((B, U), dtype=scan.dtype)
    for s in range(T):
        a = A[s]
        xp.matmul(H[s], Us, out=z)
        a += z
        xp.tanh(a, out=a)
        a *= scale
        a += shift
        c = C[s + 1]
        xp.multiply(a[:, U : 2 * U], C[s], out=c)
        xp.multiply(a[:, :U], a[:, 2 * U : 3 * U], out=ig)
        c += ig
        xp.tanh(c, out=TC[s])
        xp.multiply(a[:, 3 * U :], TC[s], out=H[s + 1])
        if scan.drop is not None:
            xp.copyto(c, C[s], where=scan.drop[s])
            xp.copyto(H[s + 1], H[s], where=scan.drop[s])
    saved = (A, H, C, TC, deriv)
    return (scan.outputs(H), H[T], C[T]), saved


def lstm_backward(scan: Scan, saved, gy, gh, gc, recurrent_kernel, kernel, needs):
    """BPTT for ``lstm_forward``: gradients for (x, h0, c0, kernel, recurrent_kernel, bias)."""
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    A, H, C, TC, deriv = saved
    gY = scan.output_grads(gy)
    dZ = xp.empty((T, B, 4 * U), dtype=scan.dtype)
    carry = xp.empty((B, 2 * U), dtype=scan.dtype)  # [dh | dc], flushed together
    carry[:, :U], carry[:, U:] = gh, gc
    if not scan.return_sequences:
        carry[:, :U] += gY
    new = xp.empty_like(carry) if scan.keep is not None else carry
    u, d4 = xp.empty((B, U), dtype=scan.dtype), xp.empty((B, 4 * U), dtype=scan.dtype)
    scratch, flags = xp.empty_like(carry), xp.empty(carry.shape, dtype=bool)
    UT = xp.ascontiguousarray(recurrent_kernel.T)
    for s in range(T - 1, -1, -1):
        if scan.return_sequences:
            carry[:, :U] += gY[s]
        if scan.keep is not None:
            scan.carry_mask(s, carry, new)
        _lstm_step_grads(xp, U, A[s], C[s], TC[s], new, dZ[s], deriv, u, d4)
        if scan.keep is None:
            new[:, U:] *= A[s][:, U : 2 * U]
            xp.matmul(dZ[s], UT, out=new[:, :U])
        else:
            xp.multiply(new[:, U:], A[s][:, U : 2 * U], out=u)
            carry[:, U:] += u
            xp.matmul(dZ[s], UT, out=u)
            carry[:, :U] += u
        scan.flush_tiny(carry, scratch, flags)
    dx, dW, dU, db = scan.weight_grads(dZ, H, kernel, (needs[0], needs[3], needs[4], needs[5]))
    return dx, carry[:, :U].copy(), carry[:, U:].copy(), dW, dU, db


def _lstm_step_grads(xp, U, a, c_prev, tc, new, dz, deriv, u, d4) -> None:
    """Gate pre-activation gradients of one step into ``dz``; adds the path through tanh(c)
    to the cell gradient ``new[:, U:]``."""
    dh, dc = new[:, :U], new[:, U:]
    i, g, o = a[:, :U], a[:, 2 * U : 3 * U], a[:, 3 * U :]
    xp.multiply(tc, tc, out=u)
    xp.subtract(1, u, out=u)
    u *= o
    u *= dh
    dc += u  # dc_total = dc + dh·o·(1 - tanh²c)
    xp.multiply(dh, tc, out=dz[:, 3 * U :])
    xp.multiply(dc, g, out=dz[:, :U])
    xp.multiply(dc, c_prev, out=dz[:, U : 2 * U])
    xp.multiply(dc, i, out=dz[:, 2 * U : 3 * U])
    xp.subtract(1, a, out=d4)  # (1 - a)(a + e): σ(1 - σ) for i, f, o and 1 - g² for g
    dz *= d4
    xp.add(a, deriv, out=d4)
    dz *= d4


# ---------------------------------------------------------------------------- GRU
def gru_forward(scan: Scan, h0, kernel, recurrent_kernel, bias):
    """GRU with ``reset_after=True`` over all steps; return ``(y, h_T)`` and the saved values.

    ``bias`` is ``None`` or ``(2, 3·units)``: row 0 for the input, row 1 for the recurrent
    projection (Keras's layout).
    """
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    scale, _, _ = gate_vectors(xp, scan.dtype, U, "sst")
    A = scan.project(kernel, None if bias is None else bias[0], scale)
    Us = recurrent_kernel * scale
    b_rec = None if bias is None else bias[1] * scale
    IN = xp.empty((T, B, 3 * U), dtype=scan.dtype)  # h U + b_rec, kept for backward
    H = xp.empty((T + 1, B, U), dtype=scan.dtype)
    H[0] = h0
    u = xp.empty((B, U), dtype=scan.dtype)
    for s in range(T):
        a, inner = A[s], IN[s]
        xp.matmul(H[s], Us, out=inner)
        if b_rec is not None:
            inner += b_rec
        zr, hh = a[:, : 2 * U], a[:, 2 * U :]
        zr += inner[:, : 2 * U]
        xp.tanh(zr, out=zr)
        zr *= 0.5
        zr += 0.5
        xp.multiply(a[:, U : 2 * U], inner[:, 2 * U :], out=u)
        hh += u
        xp.tanh(hh, out=hh)
        xp.subtract(H[s], hh, out=u)  # h' = hh + z (h - hh)
        u *= a[:, :U]
        xp.add(hh, u, out=H[s + 1])
        if scan.drop is not None:
            xp.copyto(H[s + 1], H[s], where=scan.drop[s])
    return (scan.outputs(H), H[T]), (A, IN, H)


def gru_backward(scan: Scan, saved, gy, gh, kernel, recurrent_kernel, needs):
    """BPTT for ``gru_forward``: gradients for (x, h0, kernel, recurrent_kernel, bias)."""
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    A, IN, H = saved
    gY = scan.output_grads(gy)
    dX = xp.empty((T, B, 3 * U), dtype=scan.dtype)  # d(x W + b_in)
    dR = xp.empty((T, B, 3 * U), dtype=scan.dtype)  # d(h U + b_rec)
    carry = gh.copy() if scan.return_sequences else gh + gY
    new = xp.empty_like(carry) if scan.keep is not None else carry
    u, direct = xp.empty_like(carry), xp.empty_like(carry)
    scratch, flags = xp.empty_like(carry), xp.empty(carry.shape, dtype=bool)
    UT = xp.ascontiguousarray(recurrent_kernel.T)
    for s in range(T - 1, -1, -1):
        if scan.return_sequences:
            carry += gY[s]
        if scan.keep is not None:
            scan.carry_mask(s, carry, new)
        _gru_step_grads(xp, U, A[s], IN[s], H[s], new, dX[s], dR[s], direct, u)
        xp.matmul(dR[s], UT, out=u)
        if scan.keep is None:
            xp.add(direct, u, out=carry)
        else:
            carry += direct
            carry += u
        scan.flush_tiny(carry, scratch, flags)
    dx, dW, _, db_in = scan.weight_grads(dX, H, kernel, (needs[0], needs[2], False, needs[4]))
    _, _, dU, db_rec = scan.weight_grads(dR, H, kernel, (False, False, needs[3], needs[4]))
    db = xp.stack([db_in, db_rec]) if needs[4] else None
    return dx, carry.copy(), dW, dU, db


def _gru_step_grads(xp, U, a, inner, h_prev, dh, dx, dr, direct, u) -> None:
    """One step: pre-activation gradients of the input projection into ``dx`` and of the
    recurrent projection into ``dr``; the direct path z ⊙ dh into ``direct``."""
    z, r, hh = a[:, :U], a[:, U : 2 * U], a[:, 2 * U :]
    xp.subtract(h_prev, hh, out=u)
    xp.multiply(u, dh, out=dx[:, :U])  # ∂h'/∂z = h - hh
    xp.multiply(dh, z, out=direct)
    xp.subtract(dh, direct, out=dx[:, 2 * U :])  # ∂h'/∂hh = 1 - z
    xp.multiply(hh, hh, out=u)
    xp.subtract(1, u, out=u)
    dx[:, 2 * U :] *= u  # through tanh
    xp.multiply(dx[:, 2 * U :], inner[:, 2 * U :], out=dx[:, U : 2 * U])  # ∂/∂r = d·(h Uₕ + b)
    zr = dx[:, : 2 * U]
    xp.multiply(zr, a[:, : 2 * U], out=zr)
    xp.subtract(1, a[:, : 2 * U], out=dr[:, : 2 * U])
    zr *= dr[:, : 2 * U]  # σ' = σ(1 - σ)
    dr[:, : 2 * U] = zr
    xp.multiply(dx[:, 2 * U :], r, out=dr[:, 2 * U :])


# ---------------------------------------------------------------------------- SimpleRNN
_ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")


def simple_rnn_forward(scan: Scan, h0, kernel, recurrent_kernel, bias, activation: str):
    """h' = act(x W + b + h U) over all steps, for ``activation`` in tanh/sigmoid/relu/linear."""
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    scale = 0.5 if activation == "sigmoid" else 1.0
    A = scan.project(kernel, bias, scale)
    Us = recurrent_kernel * scale if scale != 1.0 else recurrent_kernel
    H = xp.empty((T + 1, B, U), dtype=scan.dtype)
    H[0] = h0
    for s in range(T):
        h = H[s + 1]
        xp.matmul(H[s], Us, out=h)
        h += A[s]
        if activation == "tanh":
            xp.tanh(h, out=h)
        elif activation == "sigmoid":
            xp.tanh(h, out=h)
            h *= 0.5
            h += 0.5
        elif activation == "relu":
            xp.maximum(h, 0, out=h)
        if scan.drop is not None:
            xp.copyto(h, H[s], where=scan.drop[s])
    return (scan.outputs(H), H[T]), H


def simple_rnn_backward(scan: Scan, H, gy, gh, kernel, recurrent_kernel, activation, needs):
    """BPTT for ``simple_rnn_forward``: gradients for (x, h0, kernel, recurrent_kernel, bias)."""
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    gY = scan.output_grads(gy)
    dZ = xp.empty((T, B, U), dtype=scan.dtype)
    carry = gh.copy() if scan.return_sequences else gh + gY
    new = xp.empty_like(carry) if scan.keep is not None else carry
    u = xp.empty_like(carry)
    scratch, flags = xp.empty_like(carry), xp.empty(carry.shape, dtype=bool)
    UT = xp.ascontiguousarray(recurrent_kernel.T)
    for s in range(T - 1, -1, -1):
        if scan.return_sequences:
            carry += gY[s]
        if scan.keep is not None:
            scan.carry_mask(s, carry, new)
        _activation_grad(xp, activation, H[s + 1], new, dZ[s], u)
        if scan.keep is None:
            xp.matmul(dZ[s], UT, out=carry)
        else:
            xp.matmul(dZ[s], UT, out=u)
            carry += u
        scan.flush_tiny(carry, scratch, flags)
    dx, dW, dU, db = scan.weight_grads(dZ, H, kernel, (needs[0], needs[2], needs[3], needs[4]))
    return dx, carry.copy(), dW, dU, db


def _activation_grad(xp, activation: str, h, dh, dz, u) -> None:
    """dz = dh · act'(z), with the derivative written in terms of the output h = act(z)."""
    if activation == "tanh":
        xp.multiply(h, h, out=u)
        xp.subtract(1, u, out=u)
        xp.multiply(dh, u, out=dz)
    elif activation == "sigmoid":
        xp.subtract(1, h, out=u)
        u *= h
        xp.multiply(dh, u, out=dz)
    elif activation == "relu":
        xp.greater(h, 0, out=u)
        xp.multiply(dh, u, out=dz)
    else:
        dz[...] = dh
