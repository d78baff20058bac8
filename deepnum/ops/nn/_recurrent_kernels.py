"""Raw-array loops behind the fused recurrent ops (``deepnum.ops.nn._recurrent``): for each cell a
forward loop and a backpropagation-through-time loop on NumPy/CuPy arrays, with preallocated
buffers and in-place ufuncs (``out=``). A step does one small GEMM (``h U``) plus the gate maths
on feature-major blocks that stay in cache; the input projection before the loop and the
weight-gradient GEMMs after it, the layouts, threading and denormal flushing are in
``deepnum.ops.nn._recurrent_scan``.

Sigmoid gates are computed as σ(z) = ½ tanh(z/2) + ½ with the ½ folded into the columns of the
kernels (scaling by a power of two is exact), so one ``tanh`` call activates all gates; the
LSTM's gates are reordered internally to (i, f, o, c) so that the sigmoid rows are contiguous.
"""

from __future__ import annotations

from deepnum.backend import accel
from deepnum.ops.nn._recurrent_scan import Chunked, Scan, projection, serial_blas


def _sigmoid_scale(xp, dtype, n_sigmoid: int, n_tanh: int):
    """Per-row kernel scale: ½ for the sigmoid rows (σ(z) = ½ tanh(z/2) + ½), 1 for tanh."""
    return xp.concatenate([xp.full(n_sigmoid, 0.5, dtype), xp.ones(n_tanh, dtype)])


# ---------------------------------------------------------------------------- LSTM
def _lstm_order(xp, U: int):
    """Keras's gate blocks (i, f, c, o) → the internal order (o, i, f, c): the sigmoid rows
    (o, i, f) are contiguous, and so are the rows whose gradient is scaled by dc (i, f, c)."""
    r = xp.arange(U)
    return xp.concatenate([r + 3 * U, r, r + U, r + 2 * U])


def lstm_forward(scan: Scan, h0, c0, kernel, recurrent_kernel, bias):
    """Run the LSTM over all steps; return ``(y, h_T, c_T)`` and what backward needs."""
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    order = _lstm_order(xp, U)
    k, rk = kernel[:, order], recurrent_kernel[:, order]
    scale = _sigmoid_scale(xp, scan.dtype, 3 * U, U)
    A = xp.empty((T, 4 * U, B), dtype=scan.dtype)  # x W + b, then the gates (o, i, f, c)
    proj = projection(scan, k, None if bias is None else bias[order], scale, A)
    UsT = xp.ascontiguousarray((rk * scale).T)
    H = xp.empty((T + 1, U, B), dtype=scan.dtype)
    C = xp.empty_like(H)
    TC = xp.empty((T, U, B), dtype=scan.dtype)
    H[0], C[0] = h0.T, c0.T
    z, ig = xp.empty((4 * U, B), dtype=scan.dtype), xp.empty((U, B), dtype=scan.dtype)
    steps = _numba_kernel(scan, "lstm_steps")
    with serial_blas(xp):
        proj.start()
        if steps is not None:  # compiled: one call per chunk of steps
            for s in range(0, T, scan.chunk):
                proj.wait(s)
                steps(A, UsT, C, TC, H, z, s, min(s + scan.chunk, T))
        else:
            for s in range(T):
                proj.wait(s)
                a, c = A[s], C[s + 1]
                xp.matmul(UsT, H[s], out=z)
                a += z
                xp.tanh(a, out=a)
                a[: 3 * U] *= 0.5
                a[: 3 * U] += 0.5
                xp.multiply(a[2 * U : 3 * U], C[s], out=c)
                xp.multiply(a[U : 2 * U], a[3 * U :], out=ig)
                c += ig
                xp.tanh(c, out=TC[s])
                xp.multiply(a[:U], TC[s], out=H[s + 1])
                if scan.drop is not None:
                    xp.copyto(c, C[s], where=scan.drop[s])
                    xp.copyto(H[s + 1], H[s], where=scan.drop[s])
    saved = (A, H, C, TC, k, xp.ascontiguousarray(rk), order)
    return (scan.outputs(H), H[T].T, C[T].T), saved


def compiled_loop(x) -> bool:
    """Whether the LSTM's loop over ``x`` runs compiled (see ``_numba_kernel``)."""
    return (
        x.dtype == "float32"
        and type(x).__module__ == "numpy"
        and (accel.kernel("lstm_steps") is not None)
    )


def _numba_kernel(scan: Scan, name: str):
    """The compiled loop when numba is on and the loop is float32, unmasked NumPy."""
    if scan.keep is not None or scan.dtype != "float32" or scan.xp.__name__ != "numpy":
        return None
    return accel.kernel(name)


def _lstm_factors(xp, U, A, C, TC, Q, P):
    """For steps ``[s0, s1)``: ``Q`` = each gate's partner times its derivative, so that
    dz = [dh; dc; dc; dc] ⊙ Q, and ``P`` = o ⊙ (1 - tanh²c), so that dc += dh ⊙ P."""

    def run(s0: int, s1: int) -> None:
        a, q, p = A[s0:s1], Q[s0:s1], P[s0:s1]
        xp.subtract(1, a, out=q)  # σ' = σ(1 - σ) for o, i, f; 1 - g² = (1 - g)(1 + g) for c
        q[:, : 3 * U] *= a[:, : 3 * U]
        q[:, 3 * U :] *= a[:, 3 * U :] + 1
        q[:, :U] *= TC[s0:s1]  # o ← tanh c
        q[:, U : 2 * U] *= a[:, 3 * U :]  # i ← g
        q[:, 2 * U : 3 * U] *= C[s0:s1]  # f ← c_prev
        q[:, 3 * U :] *= a[:, U : 2 * U]  # c ← i
        xp.multiply(TC[s0:s1], TC[s0:s1], out=p)
        xp.subtract(1, p, out=p)
        p *= a[:, :U]

    return run


def lstm_backward(scan: Scan, saved, gy, gh, gc, needs):
    """BPTT for ``lstm_forward``: gradients for (x, h0, c0, kernel, recurrent_kernel, bias)."""
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    A, H, C, TC, k, rk, order = saved
    gY = scan.output_grads(gy)
    dZ = xp.empty((T, 4 * U, B), dtype=scan.dtype)
    grads = scan.gradients(k, (needs[0], needs[3], needs[4], needs[5]))
    carry = xp.empty((2 * U, B), dtype=scan.dtype)  # [dh; dc], flushed together
    carry[:U], carry[U:] = gh.T, gc.T
    if not scan.return_sequences:
        carry[:U] += gY
    steps = _numba_kernel(scan, "lstm_steps_backward")
    if steps is not None:  # compiled, chunk by chunk from the last steps
        tiny = scan.dtype.type(scan.tiny if scan.flush else 0)
        gy_steps = gY if scan.return_sequences else xp.zeros((1, 1, 1), scan.dtype)
        with serial_blas(xp):
            for s in reversed(range(0, T, scan.chunk)):
                s1 = min(s + scan.chunk, T)
                steps(carry[:U], carry[U:], A, C, TC, dZ, rk, gy_steps, tiny, s, s1)
                grads.step_done(dZ, H, s)
            grads.drain(dZ, H)
        scan.flush_tiny(carry, xp.empty_like(carry), xp.empty(carry.shape, bool))
    else:
        _lstm_bptt(scan, A, C, TC, rk, gY, dZ, H, carry, grads)
    dx, dW, dU, db = grads.finish(dZ, H)
    dW, dU, db = (None if g is None else g[..., xp.argsort(order)] for g in (dW, dU, db))
    return dx, carry[:U].T.copy(), carry[U:].T.copy(), dW, dU, db


def _lstm_bptt(scan: Scan, A, C, TC, rk, gY, dZ, H, carry, grads) -> None:
    """The BPTT loop in NumPy ufuncs, with the gate derivatives precomputed chunk by chunk."""
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    Q = xp.empty((T, 4 * U, B), dtype=scan.dtype)
    P = xp.empty((T, U, B), dtype=scan.dtype)
    factors = Chunked(scan, _lstm_factors(xp, U, A, C, TC, Q, P), reverse=True)
    new = xp.empty_like(carry) if scan.keep is not None else carry
    u, scratch, flags = (
        xp.empty((U, B), scan.dtype),
        xp.empty_like(carry),
        xp.empty(carry.shape, bool),
    )
    with serial_blas(xp):
        factors.start()
        for s in range(T - 1, -1, -1):
            factors.wait(s)
            if scan.return_sequences:
                carry[:U] += gY[s]
            if scan.keep is not None:
                scan.carry_mask(s, carry, new)
            dh, dc, dz, q = new[:U], new[U:], dZ[s], Q[s]
            xp.multiply(dh, P[s], out=u)
            dc += u
            xp.multiply(dh, q[:U], out=dz[:U])
            xp.multiply(dc, q[U:].reshape(3, U, B), out=dz[U:].reshape(3, U, B))
            if scan.keep is None:
                dc *= A[s][2 * U : 3 * U]  # dc_prev = dc · f
                xp.matmul(rk, dz, out=dh)  # dh_prev = U dz
            else:
                xp.multiply(dc, A[s][2 * U : 3 * U], out=u)
                carry[U:] += u
                xp.matmul(rk, dz, out=u)
                carry[:U] += u
            scan.flush_tiny(carry, scratch, flags)
            grads.step_done(dZ, H, s)
        grads.drain(dZ, H)


# ---------------------------------------------------------------------------- GRU
def gru_forward(scan: Scan, h0, kernel, recurrent_kernel, bias):
    """GRU with ``reset_after=True`` over all steps; return ``(y, h_T)`` and the saved values.

    ``bias`` is ``None`` or ``(2, 3·units)``: row 0 for the input, row 1 for the recurrent
    projection (Keras's layout).
    """
    xp, T, B, U = scan.xp, scan.T, scan.B, scan.U
    scale = _sigmoid_scale(xp, scan.dtype, 2 * U, U)
    A = xp.empty((T, 3 * U, B), dtype=scan.dtype)  # x W + b_in, then the gates z, r, ĥ
    proj = projection(scan, kernel, None if bias is None else bias[0], scale, A)
    UsT = xp.ascontiguousarray((recurrent_kernel * scale).T)
    b_rec = None if bias is None else (bias[1] * scale)[:, None]
    IN = xp.empty((T, 3 * U, B), dtype=scan.dtype)  # h U + b_rec, kept for backward
    H = xp.empty((T + 1, U, B), dtype=scan.dtype)
    H[0] = h0.T
    u = xp.empty((U, B), dtype=scan.dtype)
    with serial_blas(xp):
        proj.start()
        for s in range(T):
            proj.wait(s)
            a, inner = A[s], IN[s]
            xp.matmul(UsT, H[s], out=inner)
            if b_rec is not None:
                inner += b_rec
            zr, hh = a[: 2 * U], a[2 * U :]
            zr += inner[: 2 * U]
            xp.tanh(zr, out=zr)
            zr *= 0.5
            zr += 0.5
            xp.multiply(a[U : 2 * U], inner[2 * U :], out=u)
            hh += u
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
    gx = scan.gradients(kernel, (needs[0], needs[2], False, needs[4]))
    gr = scan.gradients(kernel, (False, False, needs[3], needs[4]))
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
            gx.step_done(dX, H, s)
            gr.step_done(dR, H, s)
        gx.drain(dX, H)
        gr.drain(dR, H)
    dx, dW, _, db_in = gx.finish(dX, H)
    _, _, dU, db_rec = gr.finish(dR, H)
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
    H = xp.empty((T + 1, U, B), dtype=scan.dtype)  # H[s + 1] holds x W + b, then h
    proj = projection(scan, kernel, bias, scale, H[1:])
    UsT = xp.ascontiguousarray((recurrent_kernel * scale).T)
    H[0] = h0.T
    z = xp.empty((U, B), dtype=scan.dtype)
    with serial_blas(xp):
        proj.start()
        for s in range(T):
            proj.wait(s)
            h = H[s + 1]
            xp.matmul(UsT, H[s], out=z)
            h += z
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
    dZ, D = xp.empty((T, U, B), dtype=scan.dtype), xp.empty((T, U, B), dtype=scan.dtype)
    factors = Chunked(scan, _activation_derivative(xp, activation, H, D), reverse=True)
    grads = scan.gradients(kernel, (needs[0], needs[2], needs[3], needs[4]))
    carry = xp.array(gh.T) if scan.return_sequences else gh.T + gY
    new = xp.empty_like(carry) if scan.keep is not None else carry
    u = xp.empty_like(carry)
    scratch, flags = xp.empty_like(carry), xp.empty(carry.shape, dtype=bool)
    rk = xp.ascontiguousarray(recurrent_kernel)
    with serial_blas(xp):
        factors.start()
        for s in range(T - 1, -1, -1):
            factors.wait(s)
            if scan.return_sequences:
                carry += gY[s]
            if scan.keep is not None:
                scan.carry_mask(s, carry, new)
            xp.multiply(new, D[s], out=dZ[s])
            if scan.keep is None:
                xp.matmul(rk, dZ[s], out=carry)
            else:
                xp.matmul(rk, dZ[s], out=u)
                carry += u
            scan.flush_tiny(carry, scratch, flags)
            grads.step_done(dZ, H, s)
        grads.drain(dZ, H)
    dx, dW, dU, db = grads.finish(dZ, H)
    return dx, carry.T.copy(), dW, dU, db


def _activation_derivative(xp, activation: str, H, D):
    """act'(z) for steps ``[s0, s1)`` into ``D``, written in terms of the outputs h = act(z)."""

    def run(s0: int, s1: int) -> None:
        h, d = H[s0 + 1 : s1 + 1], D[s0:s1]
        if activation == "tanh":
            xp.multiply(h, h, out=d)
            xp.subtract(1, d, out=d)
        elif activation == "sigmoid":
            xp.subtract(1, h, out=d)
            d *= h
        elif activation == "relu":
            xp.greater(h, 0, out=d)
        else:
            d.fill(1)

    return run
