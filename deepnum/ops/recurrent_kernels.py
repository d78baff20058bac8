"""Raw-array loops behind the fused recurrent ops (``deepnum.ops.recurrent``).

Each cell has a forward loop and a backpropagation-through-time loop written on NumPy/CuPy
arrays with preallocated buffers and in-place ufuncs (``out=``):

* the input projection ``x W + b`` of all time steps is one GEMM before the loop;
* a step does one small GEMM (``h U``) plus the gate maths on blocks that stay in cache;
* the backward loop stores the pre-activation gradients of every step, so the weight
  gradients ``xᵀ dZ`` and ``hᵀ dZ`` and the input gradient ``dZ Wᵀ`` are three GEMMs after it.

Inside the loops the per-step arrays are feature-major, ``(features, batch)``: the block of a
gate is then a contiguous range of rows, so every ufunc runs on contiguous memory (a gate's
columns in a ``(batch, 4·units)`` array would be a strided view, several times slower).
Arrays are indexed by step ``s`` in processing order: with ``go_backwards`` step ``s`` reads
time ``T - 1 - s``, and outputs are in processing order, as in Keras.

Sigmoid gates are computed as σ(z) = ½ tanh(z/2) + ½ with the ½ folded into the columns of the
kernels (scaling by a power of two is exact), so one ``tanh`` call activates all gates; the
LSTM's gates are reordered internally to (i, f, o, c) so that the sigmoid rows are contiguous.

Denormals: as BPTT runs back through many steps the carried gradients decay geometrically and
eventually fall below the smallest normal float (1.2e-38 in float32). Arithmetic on such
subnormal numbers is up to 100× slower on x86 CPUs, in BLAS as much as in NumPy. When
``FLUSH_DENORMALS`` is true (the default) the carried state gradients are flushed to zero each
step where their magnitude is below ``finfo(dtype).tiny`` — what the CPU's flush-to-zero mode
does — which changes no result by more than that tiny absolute amount.
"""

from __future__ import annotations

import contextlib
from typing import Any

from deepnum.backend import get_array_module

FLUSH_DENORMALS = True
SERIAL_BLAS_IN_LOOPS = True
_controller: list[Any] = []


def serial_blas(xp: Any) -> Any:
    """A context in which NumPy's BLAS runs on one thread (needs ``threadpoolctl``, else a
    no-op). The per-step GEMMs of a recurrent loop (e.g. 64×64 by 64×256) are too small to
    split: a second BLAS thread makes them slower, and much slower when the cores are busy.
    The GEMMs before and after the loop keep all threads."""
    if not SERIAL_BLAS_IN_LOOPS or xp.__name__ != "numpy":
        return contextlib.nullcontext()
    if not _controller:
        try:
            from threadpoolctl import ThreadpoolController

            _controller.append(ThreadpoolController())
        except Exception:  # threadpoolctl missing or failing: keep BLAS as it is
            _controller.append(None)
    ctl = _controller[0]
    return contextlib.nullcontext() if ctl is None else ctl.limit(limits=1, user_api="blas")


class Scan:
    """The bookkeeping shared by the loops: sizes, time order, the mask and the GEMMs before
    and after the loop.

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
        self.x = self.time_major(x).reshape(self.T * self.B, self.n_in)
        self.keep = self.drop = self.out_w = None
        if keep is not None:
            self.keep = xp.ascontiguousarray(keep.T[:, None, :])  # (steps, 1, batch)
            self.drop = ~self.keep
            self.out_w = xp.ascontiguousarray(out_weight.T[:, None, :].astype(self.dtype))
        self.tiny = xp.finfo(self.dtype).tiny
        self.flush = FLUSH_DENORMALS and xp.__name__ == "numpy"

    def time_major(self, a):
        """``(batch, time, ...)`` → contiguous ``(steps, batch, ...)`` in processing order."""
        a = a.swapaxes(0, 1)
        return self.xp.ascontiguousarray(a[::-1] if self.go_backwards else a)

    def batch_major(self, a):
        """The inverse of ``time_major``, as a view."""
        return (a[::-1] if self.go_backwards else a).swapaxes(0, 1)

    def project(self, kernel, bias, scale):
        """(x W + b)ᵀ for all steps in one GEMM, rows scaled by ``scale``: ``(G, steps, B)``,
        so that ``[:, s]`` is step ``s`` feature-major."""
        xw = (kernel * scale).T @ self.x.T
        if bias is not None:
            xw += (bias * scale)[:, None]
        return xw.reshape(kernel.shape[1], self.T, self.B)

    def outputs(self, H):
        """The output sequence ``(B, steps, U)`` in processing order (as Keras returns it) or
        the last output ``(B, U)``, from the feature-major states ``H[1:]``."""
        Y = H[1:]
        if not self.return_sequences:
            y = Y[-1] if self.out_w is None else Y[-1] * self.out_w[-1]
            return y.T
        if self.out_w is not None:
            Y = Y * self.out_w
        return Y.transpose(2, 0, 1)

    def output_grads(self, gy):
        """The output gradient feature-major per step ``(steps, U, B)``, or ``(U, B)``."""
        if not self.return_sequences:
            return gy.T if self.out_w is None else gy.T * self.out_w[-1]
        g = self.xp.ascontiguousarray(gy.transpose(1, 2, 0))
        if self.out_w is not None:
            g *= self.out_w
        return g

    def weight_grads(self, dZ, H, kernel, needs):
        """The GEMMs after the loop, from the pre-activation gradients ``dZ`` ``(steps, G, B)``
        and the states ``H``: ``(dx, dW, dU, db)`` for the needed ones."""
        T, B, xp = self.T, self.B, self.xp
        flat = xp.ascontiguousarray(dZ.transpose(1, 0, 2)).reshape(dZ.shape[1], T * B)
        dx = dW = dU = db = None
        if needs[0]:
            dx = self.batch_major((flat.T @ kernel.T).reshape(T, B, self.n_in))
        if needs[1]:
            dW = self.x.T @ flat.T
        if needs[2]:
            dU = xp.ascontiguousarray(H[:-1].transpose(1, 0, 2)).reshape(self.U, T * B) @ flat.T
        if needs[3]:
            db = flat @ xp.ones(T * B, dtype=self.dtype)
        return dx, dW, dU, db

    def carry_mask(self, s, carry, new):
        """Split the state gradient at step ``s``: ``new`` gets the kept samples, ``carry``
        those of masked steps (which pass the state through unchanged)."""
        self.xp.multiply(carry, self.keep[s], out=new)
        carry *= self.drop[s]

    def flush_tiny(self, a, scratch, flags) -> None:
        """Set entries of ``a`` whose magnitude is below the smallest normal float to zero."""
        if self.flush:
            xp = self.xp
            xp.abs(a, out=scratch)
            xp.less(scratch, self.tiny, out=flags)
            xp.copyto(a, 0, where=flags)


def _sigmoid_scale(xp, dtype, n_sigmoid: int, n_tanh: int):
    """Per-row kernel scale: ½ for the sigmoid rows (σ(z) = ½ tanh(z/2) + ½), 1 for tanh."""
    return xp.concatenate([xp.full(n_sigmoid, 0.5, dtype), xp.ones(n_tanh, dtype)])


# ---------------------------------------------------------------------------- LSTM
def _lstm_order(xp, U: int):
    """Keras's gate blocks (i, f, c, o) → the internal order (i, f, o, c); it is its own
    inverse."""
    r = xp.arange(U)
    return xp.concatenate([r, r + U, r + 3 * U, r + 2 * U])


def lstm_forward(scan: Scan, h0, c0, kernel, recurrent_kernel, bias):
    """Run the LSTM over all steps; return ``(y, h_T, c_T)`` and what backward needs."""
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    order = _lstm_order(xp, U)
    k, rk = kernel[:, order], recurrent_kernel[:, order]
    scale = _sigmoid_scale(xp, scan.dtype, 3 * U, U)
    XW = scan.project(k, None if bias is None else bias[order], scale)
    UsT = xp.ascontiguousarray((rk * scale).T)
    A = xp.empty((T, 4 * U, B), dtype=scan.dtype)  # activated gates (i, f, o, c) per step
    H = xp.empty((T + 1, U, B), dtype=scan.dtype)
    C = xp.empty_like(H)
    TC = xp.empty((T, U, B), dtype=scan.dtype)
    H[0], C[0] = h0.T, c0.T
    ig = xp.empty((U, B), dtype=scan.dtype)
    with serial_blas(xp):
        for s in range(T):
            a, c = A[s], C[s + 1]
            xp.matmul(UsT, H[s], out=a)
            a += XW[:, s]
            xp.tanh(a, out=a)
            a[: 3 * U] *= 0.5
            a[: 3 * U] += 0.5
            xp.multiply(a[U : 2 * U], C[s], out=c)
            xp.multiply(a[:U], a[3 * U :], out=ig)
            c += ig
            xp.tanh(c, out=TC[s])
            xp.multiply(a[2 * U : 3 * U], TC[s], out=H[s + 1])
            if scan.drop is not None:
                xp.copyto(c, C[s], where=scan.drop[s])
                xp.copyto(H[s + 1], H[s], where=scan.drop[s])
    saved = (A, H, C, TC, k, xp.ascontiguousarray(rk), order)
    return (scan.outputs(H), H[T].T, C[T].T), saved


def lstm_backward(scan: Scan, saved, gy, gh, gc, needs):
    """BPTT for ``lstm_forward``: gradients for (x, h0, c0, kernel, recurrent_kernel, bias)."""
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    A, H, C, TC, k, rk, order = saved
    gY = scan.output_grads(gy)
    dZ = xp.empty((T, 4 * U, B), dtype=scan.dtype)
    carry = xp.empty((2 * U, B), dtype=scan.dtype)  # [dh; dc], flushed together
    carry[:U], carry[U:] = gh.T, gc.T
    if not scan.return_sequences:
        carry[:U] += gY
    new = xp.empty_like(carry) if scan.keep is not None else carry
    u, d4 = xp.empty((U, B), dtype=scan.dtype), xp.empty((4 * U, B), dtype=scan.dtype)
    is_tanh = xp.concatenate([xp.zeros(3 * U, scan.dtype), xp.ones(U, scan.dtype)])[:, None]
    scratch, flags = xp.empty_like(carry), xp.empty(carry.shape, dtype=bool)
    with serial_blas(xp):
        for s in range(T - 1, -1, -1):
            if scan.return_sequences:
                carry[:U] += gY[s]
            if scan.keep is not None:
                scan.carry_mask(s, carry, new)
            _lstm_step_grads(xp, U, A[s], C[s], TC[s], new, dZ[s], is_tanh, u, d4)
            if scan.keep is None:
                new[U:] *= A[s][U : 2 * U]  # dc_prev = dc · f
                xp.matmul(rk, dZ[s], out=new[:U])  # dh_prev = U dz
            else:
                xp.multiply(new[U:], A[s][U : 2 * U], out=u)
                carry[U:] += u
                xp.matmul(rk, dZ[s], out=u)
                carry[:U] += u
            scan.flush_tiny(carry, scratch, flags)
    dx, dW, dU, db = scan.weight_grads(dZ, H, k, (needs[0], needs[3], needs[4], needs[5]))
    dW, dU, db = (None if g is None else g[..., order] for g in (dW, dU, db))
    return dx, carry[:U].T.copy(), carry[U:].T.copy(), dW, dU, db


def _lstm_step_grads(xp, U, a, c_prev, tc, new, dz, is_tanh, u, d4) -> None:
    """Gate pre-activation gradients of one step into ``dz``; adds the path through tanh(c)
    to the cell gradient ``new[U:]``."""
    dh, dc = new[:U], new[U:]
    i, o, g = a[:U], a[2 * U : 3 * U], a[3 * U :]
    xp.multiply(tc, tc, out=u)
    xp.subtract(1, u, out=u)
    u *= o
    u *= dh
    dc += u  # dc_total = dc + dh·o·(1 - tanh²c)
    xp.multiply(dc, g, out=dz[:U])
    xp.multiply(dc, c_prev, out=dz[U : 2 * U])
    xp.multiply(dh, tc, out=dz[2 * U : 3 * U])
    xp.multiply(dc, i, out=dz[3 * U :])
    xp.subtract(1, a, out=d4)  # (1 - a)(a + t): σ(1 - σ) for i, f, o and 1 - g² for c
    dz *= d4
    xp.add(a, is_tanh, out=d4)
    dz *= d4


# ---------------------------------------------------------------------------- GRU
def gru_forward(scan: Scan, h0, kernel, recurrent_kernel, bias):
    """GRU with ``reset_after=True`` over all steps; return ``(y, h_T)`` and the saved values.

    ``bias`` is ``None`` or ``(2, 3·units)``: row 0 for the input, row 1 for the recurrent
    projection (Keras's layout).
    """
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    scale = _sigmoid_scale(xp, scan.dtype, 2 * U, U)
    XW = scan.project(kernel, None if bias is None else bias[0], scale)
    UsT = xp.ascontiguousarray((recurrent_kernel * scale).T)
    b_rec = None if bias is None else (bias[1] * scale)[:, None]
    IN = xp.empty((T, 3 * U, B), dtype=scan.dtype)  # h U + b_rec, kept for backward
    A = xp.empty((T, 3 * U, B), dtype=scan.dtype)  # z, r, ĥ
    H = xp.empty((T + 1, U, B), dtype=scan.dtype)
    H[0] = h0.T
    u = xp.empty((U, B), dtype=scan.dtype)
    with serial_blas(xp):
        for s in range(T):
            a, inner = A[s], IN[s]
            xp.matmul(UsT, H[s], out=inner)
            if b_rec is not None:
                inner += b_rec
            zr, hh = a[: 2 * U], a[2 * U :]
            xp.add(XW[: 2 * U, s], inner[: 2 * U], out=zr)
            xp.tanh(zr, out=zr)
            zr *= 0.5
            zr += 0.5
            xp.multiply(a[U : 2 * U], inner[2 * U :], out=u)
            xp.add(XW[2 * U :, s], u, out=hh)
            xp.tanh(hh, out=hh)
            xp.subtract(H[s], hh, out=u)  # h' = ĥ + z (h - ĥ)
            u *= a[:U]
            xp.add(hh, u, out=H[s + 1])
            if scan.drop is not None:
                xp.copyto(H[s + 1], H[s], where=scan.drop[s])
    return (scan.outputs(H), H[T].T), (A, IN, H)


def gru_backward(scan: Scan, saved, gy, gh, kernel, recurrent_kernel, needs):
    """BPTT for ``gru_forward``: gradients for (x, h0, kernel, recurrent_kernel, bias)."""
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    A, IN, H = saved
    gY = scan.output_grads(gy)
    dX = xp.empty((T, 3 * U, B), dtype=scan.dtype)  # d(x W + b_in)
    dR = xp.empty((T, 3 * U, B), dtype=scan.dtype)  # d(h U + b_rec)
    carry = xp.array(gh.T) if scan.return_sequences else gh.T + gY
    new = xp.empty_like(carry) if scan.keep is not None else carry
    u, direct = xp.empty_like(carry), xp.empty_like(carry)
    scratch, flags = xp.empty_like(carry), xp.empty(carry.shape, dtype=bool)
    rk = xp.ascontiguousarray(recurrent_kernel)
    with serial_blas(xp):
        for s in range(T - 1, -1, -1):
            if scan.return_sequences:
                carry += gY[s]
            if scan.keep is not None:
                scan.carry_mask(s, carry, new)
            _gru_step_grads(xp, U, A[s], IN[s], H[s], new, dX[s], dR[s], direct, u)
            xp.matmul(rk, dR[s], out=u)
            if scan.keep is None:
                xp.add(direct, u, out=carry)
            else:
                carry += direct
                carry += u
            scan.flush_tiny(carry, scratch, flags)
    dx, dW, _, db_in = scan.weight_grads(dX, H, kernel, (needs[0], needs[2], False, needs[4]))
    _, _, dU, db_rec = scan.weight_grads(dR, H, kernel, (False, False, needs[3], needs[4]))
    db = xp.stack([db_in, db_rec]) if needs[4] else None
    return dx, carry.T.copy(), dW, dU, db


def _gru_step_grads(xp, U, a, inner, h_prev, dh, dx, dr, direct, u) -> None:
    """One step: pre-activation gradients of the input projection into ``dx`` and of the
    recurrent projection into ``dr``; the direct path z ⊙ dh into ``direct``."""
    z, r, hh = a[:U], a[U : 2 * U], a[2 * U :]
    xp.subtract(h_prev, hh, out=u)
    xp.multiply(u, dh, out=dx[:U])  # ∂h'/∂z = h - ĥ
    xp.multiply(dh, z, out=direct)
    xp.subtract(dh, direct, out=dx[2 * U :])  # ∂h'/∂ĥ = 1 - z
    xp.multiply(hh, hh, out=u)
    xp.subtract(1, u, out=u)
    dx[2 * U :] *= u  # through tanh
    xp.multiply(dx[2 * U :], inner[2 * U :], out=dx[U : 2 * U])  # ∂/∂r = d·(h Uₕ + b)
    zr, tmp = dx[: 2 * U], dr[: 2 * U]
    zr *= a[: 2 * U]
    xp.subtract(1, a[: 2 * U], out=tmp)
    zr *= tmp  # σ' = σ(1 - σ)
    tmp[...] = zr
    xp.multiply(dx[2 * U :], r, out=dr[2 * U :])


# ---------------------------------------------------------------------------- SimpleRNN
def simple_rnn_forward(scan: Scan, h0, kernel, recurrent_kernel, bias, activation: str):
    """h' = act(x W + b + h U) over all steps, for ``activation`` in tanh/sigmoid/relu/linear."""
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    half = activation == "sigmoid"
    scale = _sigmoid_scale(xp, scan.dtype, U if half else 0, 0 if half else U)
    XW = scan.project(kernel, bias, scale)
    UsT = xp.ascontiguousarray((recurrent_kernel * scale).T)
    H = xp.empty((T + 1, U, B), dtype=scan.dtype)
    H[0] = h0.T
    with serial_blas(xp):
        for s in range(T):
            h = H[s + 1]
            xp.matmul(UsT, H[s], out=h)
            h += XW[:, s]
            if activation in ("tanh", "sigmoid"):
                xp.tanh(h, out=h)
            if half:
                h *= 0.5
                h += 0.5
            elif activation == "relu":
                xp.maximum(h, 0, out=h)
            if scan.drop is not None:
                xp.copyto(h, H[s], where=scan.drop[s])
    return (scan.outputs(H), H[T].T), H


def simple_rnn_backward(scan: Scan, H, gy, gh, kernel, recurrent_kernel, activation, needs):
    """BPTT for ``simple_rnn_forward``: gradients for (x, h0, kernel, recurrent_kernel, bias)."""
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    gY = scan.output_grads(gy)
    dZ = xp.empty((T, U, B), dtype=scan.dtype)
    carry = xp.array(gh.T) if scan.return_sequences else gh.T + gY
    new = xp.empty_like(carry) if scan.keep is not None else carry
    u = xp.empty_like(carry)
    scratch, flags = xp.empty_like(carry), xp.empty(carry.shape, dtype=bool)
    rk = xp.ascontiguousarray(recurrent_kernel)
    with serial_blas(xp):
        for s in range(T - 1, -1, -1):
            if scan.return_sequences:
                carry += gY[s]
            if scan.keep is not None:
                scan.carry_mask(s, carry, new)
            _activation_grad(xp, activation, H[s + 1], new, dZ[s], u)
            if scan.keep is None:
                xp.matmul(rk, dZ[s], out=carry)
            else:
                xp.matmul(rk, dZ[s], out=u)
                carry += u
            scan.flush_tiny(carry, scratch, flags)
    dx, dW, dU, db = scan.weight_grads(dZ, H, kernel, (needs[0], needs[2], needs[3], needs[4]))
    return dx, carry.T.copy(), dW, dU, db


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
