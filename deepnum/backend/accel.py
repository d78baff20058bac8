"""Optional compiled kernels (numba) for the loops that NumPy runs as many separate passes:

* the LSTM's time loop: one call runs a chunk of steps, each a GEMM (``np.dot``, which numba
  routes to SciPy's BLAS: without SciPy the NumPy loop runs) and one fused pass over the gate
  maths that the NumPy loop does in about ten ufunc passes; float32, unmasked sequences;
* the embedding gradient, a scatter-add of rows (``np.add.at`` is several times slower);
* Adam's update, one pass over each variable instead of about twelve;
* max pooling (with the winning tap per window) and, for windows that do not overlap, its
  backward scatter, one pass each instead of one strided pass per tap; ReLU's backward
  ``gy · [x > 0]``, one pass instead of three;
* col2im, which lets the convolution's input gradient be one GEMM (``gy · Wᵀ``, efficient)
  followed by one pass, instead of a narrow GEMM and a strided add per kernel tap;
* the exact GELU in float32, x·Φ(x) with Φ(x) = (1 + erf(x/√2))/2, one vectorised pass
  (the NumPy path calls SciPy's scalar erf in float64).

numba, SciPy and threadpoolctl are dependencies of deepnum, so these kernels are the default
path. The NumPy code paths stay as the fallback (where numba cannot be installed, or with the
environment variable ``DEEPNUM_NUMBA=0``, read on each use) and as the readable reference the
kernels are tested against. A fallback taken because something is missing (not switched off)
warns once, naming the fast path, the reason and the fix; :func:`fast_paths` lists them all
(``deepnum info`` prints it). All kernels but the LSTM's, col2im (which sums the taps of a
pixel in another order) and the GELU's do the same IEEE operations in the same order as the
NumPy paths (no fused multiply-add, no reassociation), so their results are bit-for-bit
identical.

tanh is evaluated with the odd rational minimax approximation of degree 13/6 that Eigen, XLA
and ONNX Runtime's MLAS use for float32,

    tanh(x) ≈ x·P(x²)/Q(x²) on [-7.9053, 7.9053] (±1 beyond, where float32 tanh rounds to ±1),

within 8 float32 ulps of the exact value (the tests' bound, checked against float64 tanh;
so the LSTM's results differ from the NumPy loop's by float32 rounding), with tanh(x) = x for
|x| < 4e-4, where the two differ by at most one ulp. It is written as plain arithmetic so
that LLVM vectorises the loop (with ``error_model="numpy"``: Python's division check would
prevent it). The sigmoid gates use σ(z) = ½·tanh(z/2) + ½ with z/2 already folded into the
kernels, as in the NumPy loop.

erf, for the GELU, is likewise the odd rational approximation of degree 13/8 that Eigen and
XLA use for float32,

    erf(x) ≈ x·P(x²)/Q(x²) on [-4, 4] (±1 beyond, where float32 erf rounds to ±1),

within 8 float32 ulps of the exact value (checked against SciPy's float64 erf).
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from typing import Any

import numpy as np

_kernels: dict[str, Any] = {}
_warned: set[str] = set()
FIX = "pip install 'numba>=0.60' 'scipy>=1.10' 'threadpoolctl>=3.1' (deepnum's dependencies)"


def switched_off() -> bool:
    """True when the environment variable ``DEEPNUM_NUMBA`` is 0, false or no."""
    return os.environ.get("DEEPNUM_NUMBA", "1").strip().lower() in ("0", "false", "no")


def enabled() -> bool:
    """True when numba is installed and not switched off with ``DEEPNUM_NUMBA=0``."""
    if switched_off():
        return False
    return kernels() is not None


def kernels() -> dict[str, Any] | None:
    """The compiled kernels (compiled, or loaded from numba's cache, on first use)."""
    if not _kernels:
        try:
            _kernels.update(_compile())
        except ImportError as e:
            _kernels["missing"] = f"numba cannot be imported ({e})"
    return None if "missing" in _kernels else _kernels


# Each kernel's fast path in words (the kernels of one path are on or off together).
KERNEL_PATHS = {
    "lstm_steps": "compiled LSTM time loop (numba + SciPy's BLAS)",
    "lstm_steps_backward": "compiled LSTM time loop (numba + SciPy's BLAS)",
    "lstm_step": "compiled LSTM gate step",
    "lstm_step_backward": "compiled LSTM gate step",
    "max_pool": "compiled max pooling",
    "max_pool_scatter": "compiled max pooling",
    "col2im": "compiled col2im (convolution input gradient)",
    "depthwise_conv": "compiled depthwise convolution",
    "depthwise_grad_input": "compiled depthwise convolution",
    "depthwise_grad_weight": "compiled depthwise convolution",
    "relu_grad": "compiled ReLU backward",
    "gelu": "compiled exact GELU",
    "scatter_add_rows": "compiled embedding gradient",
    "adam": "compiled Adam update",
}
NO_SCIPY = "SciPy is not installed: numba's np.dot needs its BLAS"
SERIAL_BLAS_PATH = "single-threaded BLAS inside recurrent loops (threadpoolctl)"


def fast_paths() -> list[tuple[str, bool, str]]:
    """Every fast path with whether it is on and why (``deepnum info`` prints these).

    Returns:
        ``(path, on, reason)`` triples; ``reason`` names what is missing when a path is off.

    Example:
        >>> all(isinstance(on, bool) for _, on, _ in fast_paths())
        True
    """
    found = None if switched_off() else kernels()
    rows = []
    for path in dict.fromkeys(KERNEL_PATHS.values()):
        names = [k for k, v in KERNEL_PATHS.items() if v == path]
        if switched_off():
            rows.append((path, False, "switched off with DEEPNUM_NUMBA=0"))
        elif found is None:
            rows.append((path, False, _kernels["missing"]))
        elif all(n in found for n in names):
            rows.append((path, True, "numba kernels"))
        else:
            rows.append((path, False, NO_SCIPY))
    tpc = importlib.util.find_spec("threadpoolctl") is not None
    rows.append((SERIAL_BLAS_PATH, tpc, "threadpoolctl" if tpc else "threadpoolctl is missing"))
    return rows


def warn_fallback(path: str, why: str, fix: str = FIX) -> None:
    """Warn once per process that the fast path ``path`` is off, why, and how to turn it on.

    Args:
        path: the fast path in words (``"compiled max pooling"``).
        why: what is missing.
        fix: the command or setting that turns the path on.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as w:
        ...     warnings.simplefilter("always")
        ...     warn_fallback("a path", "a reason"); warn_fallback("a path", "a reason")
        >>> len(w) <= 1
        True
    """
    if path in _warned:
        return
    _warned.add(path)
    warnings.warn(
        f"deepnum: the fast path '{path}' is off ({why}); deepnum runs its slower NumPy code "
        f"instead. Fix: {fix}. `deepnum info` lists every fast path.",
        RuntimeWarning,
        stacklevel=3,
    )


def _compile() -> dict[str, Any]:
    from numba import njit

    f32 = np.float32
    zero, half, one = f32(0.0), f32(0.5), f32(1.0)
    clamp, small = f32(7.90531110763549805), f32(4e-4)
    a13, a11, a9 = f32(-2.76076847742355e-16), f32(2.00018790482477e-13), f32(-8.60467152213735e-11)
    a7, a5, a3 = f32(5.12229709037114e-08), f32(1.48572235717979e-05), f32(6.37261928875436e-04)
    a1 = f32(4.89352455891786e-03)
    b6, b4, b2 = f32(1.19825839466702e-06), f32(1.18534705686654e-04), f32(2.26843463243900e-03)
    b0 = f32(4.89352518554385e-03)

    @njit(inline="always")
    def tanh(x):
        c = min(max(x, -clamp), clamp)
        x2 = c * c
        p = ((((((a13 * x2 + a11) * x2 + a9) * x2 + a7) * x2 + a5) * x2 + a3) * x2 + a1) * c
        q = ((b6 * x2 + b4) * x2 + b2) * x2 + b0
        return x if abs(x) < small else p / q

    e13, e11, e9 = f32(-2.72614225801306e-10), f32(2.77068142495902e-08), f32(-2.10102402082508e-06)
    e7, e5, e3 = f32(-5.69250639462346e-05), f32(-7.34990630326855e-04), f32(-2.95459980854025e-03)
    e1 = f32(-1.60960333262415e-02)
    d8, d6, d4 = f32(-1.45660718464996e-05), f32(-2.13374055278905e-04), f32(-1.68282697438203e-03)
    d2, d0 = f32(-7.37332916720468e-03), f32(-1.42647390514189e-02)
    four, rsqrt2 = f32(4.0), f32(0.7071067811865476)

    @njit(inline="always")
    def erf(x):
        c = min(max(x, -four), four)
        x2 = c * c
        p = ((((((e13 * x2 + e11) * x2 + e9) * x2 + e7) * x2 + e5) * x2 + e3) * x2 + e1) * c
        q = (((d8 * x2 + d6) * x2 + d4) * x2 + d2) * x2 + d0
        return p / q

    @njit(cache=True, nogil=True, error_model="numpy")
    def gelu(x, y, phi):
        """phi = Φ(x) = ½ + ½·erf(x/√2), y = x·Φ(x); float32, walked as flat vectors."""
        x, y, phi = x.reshape(-1), y.reshape(-1), phi.reshape(-1)
        for k in range(x.size):
            p = half + half * erf(x[k] * rsqrt2)
            phi[k], y[k] = p, x[k] * p

    @njit(cache=True, nogil=True, error_model="numpy")
    def lstm_step(a, z, c_prev, c, tc, h):
        """Gates (o, i, f, g) from a + z into ``a``; c = f·c_prev + i·g; h = o·tanh(c).

        Contiguous arrays, walked as flat vectors (one long loop vectorises best): ``a`` and
        ``z`` are (4·units, batch), the others (units, batch)."""
        n = c.size
        a, z = a.reshape(-1), z.reshape(-1)
        c_prev, c, tc, h = c_prev.reshape(-1), c.reshape(-1), tc.reshape(-1), h.reshape(-1)
        for k in range(n):
            o = half * tanh(a[k] + z[k]) + half
            i = half * tanh(a[n + k] + z[n + k]) + half
            f = half * tanh(a[2 * n + k] + z[2 * n + k]) + half
            g = tanh(a[3 * n + k] + z[3 * n + k])
            a[k], a[n + k], a[2 * n + k], a[3 * n + k] = o, i, f, g
            cn = f * c_prev[k] + i * g
            t = tanh(cn)
            c[k], tc[k], h[k] = cn, t, o * t

    @njit(cache=True, nogil=True, error_model="numpy")
    def lstm_step_backward(dh, dc, a, c_prev, tc, dz, tiny):
        """From the carried (dh, dc) of step s: dz (o, i, f, g) and dc ← dc·f; carried values
        below ``tiny`` in magnitude count as zero (denormal flushing, see recurrent_scan).
        Contiguous arrays, walked as flat vectors as in ``lstm_step``."""
        n = dc.size
        dh, dc, a, dz = dh.reshape(-1), dc.reshape(-1), a.reshape(-1), dz.reshape(-1)
        c_prev, tc = c_prev.reshape(-1), tc.reshape(-1)
        for k in range(n):
            o, i, f, g = a[k], a[n + k], a[2 * n + k], a[3 * n + k]
            t, d_h = tc[k], dh[k]
            if abs(d_h) < tiny:  # dh comes from the GEMM: flushed as it is read
                d_h = zero
            d_c = dc[k] + d_h * o * (one - t * t)
            dz[k] = d_h * t * o * (one - o)
            dz[n + k] = d_c * g * i * (one - i)
            dz[2 * n + k] = d_c * c_prev[k] * f * (one - f)
            dz[3 * n + k] = d_c * i * (one - g) * (one + g)
            d_c *= f
            dc[k] = d_c if abs(d_c) >= tiny else zero

    @njit(cache=True, nogil=True, error_model="numpy")
    def lstm_steps(A, UsT, C, TC, H, z, s0, s1):
        """Steps ``[s0, s1)`` of the forward loop: z = Uᵀ h (BLAS through ``np.dot``), then
        ``lstm_step``; the arrays are the loop's (steps, rows, batch) buffers."""
        for s in range(s0, s1):
            np.dot(UsT, H[s], z)
            lstm_step(A[s], z, C[s], C[s + 1], TC[s], H[s + 1])

    @njit(cache=True, nogil=True, error_model="numpy")
    def lstm_steps_backward(dh, dc, A, C, TC, dZ, rk, gY, tiny, s0, s1):
        """Steps ``s1 - 1`` down to ``s0`` of BPTT: add the output gradient of the step (when
        ``gY`` has one per step), ``lstm_step_backward``, then dh ← U dz (``np.dot``)."""
        for s in range(s1 - 1, s0 - 1, -1):
            if gY.shape[0] > 1:
                dh += gY[s]
            lstm_step_backward(dh, dc, A[s], C[s], TC[s], dZ[s], tiny)
            np.dot(rk, dZ[s], dh)

    @njit(cache=True, nogil=True)
    def scatter_add_rows(out, ids, g):
        """out[ids[n]] += g[n] for n in order (``np.add.at(out, ids, g)``)."""
        for n in range(ids.size):
            r = ids[n]
            for j in range(out.shape[1]):
                out[r, j] += g[n, j]

    @njit(cache=True, nogil=True, error_model="numpy")
    def adam(w, g, m, v, b1, c1, b2, c2, alpha, eps):
        """m ← m·β₁ + g·(1-β₁); v ← v·β₂ + g²·(1-β₂); w ← w - (m·α)/(√v + ε), 1-D arrays;
        ``c1``, ``c2`` are 1-β₁ and 1-β₂ rounded to the arrays' dtype."""
        for k in range(w.size):
            gk = g[k]
            mk = m[k] * b1 + gk * c1
            vk = v[k] * b2 + (gk * gk) * c2
            m[k], v[k] = mk, vk
            w[k] -= (mk * alpha) / (np.sqrt(vk) + eps)

    @njit(cache=True, nogil=True)
    def max_pool(x, kh, kw, sh, sw, ph, pw, y, arg, need_arg):
        """y[n, i, j, c] = max over the window's real pixels; ``arg`` the first winning tap
        (row-major) when ``need_arg``; NaN propagates as in ``np.maximum``."""
        n_, h_, w_, c_ = x.shape
        ho, wo = y.shape[1], y.shape[2]
        for n in range(n_):
            for i in range(ho):
                for j in range(wo):
                    yv, av = y[n, i, j], arg[n, i, j]
                    yv[:] = -np.inf
                    if need_arg:
                        av[:] = 0
                    for di in range(kh):
                        h = i * sh - ph + di
                        if h < 0 or h >= h_:
                            continue
                        for dj in range(kw):
                            w = j * sw - pw + dj
                            if w < 0 or w >= w_:
                                continue
                            xv, t = x[n, h, w], di * kw + dj
                            # selects, not branches, so that LLVM vectorises the channels
                            if need_arg:
                                for c in range(c_):
                                    v, m = xv[c], yv[c]
                                    gt = v > m
                                    yv[c] = v if gt or v != v else m
                                    av[c] = t if gt else av[c]
                            else:
                                for c in range(c_):
                                    v, m = xv[c], yv[c]
                                    yv[c] = v if v > m or v != v else m

    @njit(cache=True, nogil=True)
    def max_pool_scatter(gy, arg, kh, kw, sh, sw, ph, pw, gx, one, nil):
        """For windows that do not overlap: each pixel of each window gets gy·[it won]
        (pixels outside every window are left as they are)."""
        n_, ho, wo, c_ = gy.shape
        h_, w_ = gx.shape[1], gx.shape[2]
        for n in range(n_):
            for i in range(ho):
                for j in range(wo):
                    g, a = gy[n, i, j], arg[n, i, j]
                    for di in range(kh):
                        h = i * sh - ph + di
                        if h < 0 or h >= h_:
                            continue
                        for dj in range(kw):
                            w = j * sw - pw + dj
                            if w < 0 or w >= w_:
                                continue
                            out, t = gx[n, h, w], di * kw + dj
                            for c in range(c_):
                                out[c] = g[c] * (one if a[c] == t else nil)

    @njit(cache=True, nogil=True)
    def col2im(dcol, ho, wo, kh, kw, sh, sw, dh, dw, ph, pw, gx):
        """gx (zeros, N×H×W×C) += each row of ``dcol`` (N·Ho·Wo, kh·kw·C) spread over the
        pixels its window read: the adjoint of im2col, in one pass."""
        n_, h_, w_, c_ = gx.shape
        for n in range(n_):
            for i in range(ho):
                for j in range(wo):
                    row = dcol[(n * ho + i) * wo + j]
                    for a in range(kh):
                        h = i * sh - ph + a * dh
                        if h < 0 or h >= h_:
                            continue
                        for b in range(kw):
                            w = j * sw - pw + b * dw
                            if w < 0 or w >= w_:
                                continue
                            out, base = gx[n, h, w], (a * kw + b) * c_
                            for c in range(c_):
                                out[c] += row[base + c]

    @njit(cache=True, nogil=True)
    def depthwise_conv(x, w, sh, sw, dh, dw, ph, pw, y):
        """y (N×Ho×Wo×C, holding the bias or zeros) += Σ over the taps that read real pixels
        of x[n, i·sh − ph + a·dh, j·sw − pw + b·dw] · w[a, b] (w: kh×kw×C)."""
        n_, h_, w_, c_ = x.shape
        ho, wo, kh, kw = y.shape[1], y.shape[2], w.shape[0], w.shape[1]
        for n in range(n_):
            for i in range(ho):
                for j in range(wo):
                    yv = y[n, i, j]
                    for a in range(kh):
                        h = i * sh - ph + a * dh
                        if h < 0 or h >= h_:
                            continue
                        for b in range(kw):
                            col = j * sw - pw + b * dw
                            if col < 0 or col >= w_:
                                continue
                            xv, wv = x[n, h, col], w[a, b]
                            for c in range(c_):
                                yv[c] += xv[c] * wv[c]

    @njit(cache=True, nogil=True)
    def depthwise_grad_input(gy, w, sh, sw, dh, dw, ph, pw, gx):
        """gx (zeros, N×H×W×C) += gy[n, i, j] · w[a, b] at each pixel tap (a, b) read: the
        adjoint of ``depthwise_conv`` in x."""
        n_, h_, w_, c_ = gx.shape
        ho, wo, kh, kw = gy.shape[1], gy.shape[2], w.shape[0], w.shape[1]
        for n in range(n_):
            for i in range(ho):
                for j in range(wo):
                    g = gy[n, i, j]
                    for a in range(kh):
                        h = i * sh - ph + a * dh
                        if h < 0 or h >= h_:
                            continue
                        for b in range(kw):
                            col = j * sw - pw + b * dw
                            if col < 0 or col >= w_:
                                continue
                            out, wv = gx[n, h, col], w[a, b]
                            for c in range(c_):
                                out[c] += g[c] * wv[c]

    @njit(cache=True, nogil=True)
    def depthwise_grad_weight(x, gy, sh, sw, dh, dw, ph, pw, acc):
        """acc (zeros, kh×kw×C, float64) += Σ over batch and output pixels of the pixel each
        tap read times gy: the adjoint of ``depthwise_conv`` in w, summed in float64."""
        n_, h_, w_, c_ = x.shape
        ho, wo, kh, kw = gy.shape[1], gy.shape[2], acc.shape[0], acc.shape[1]
        for n in range(n_):
            for i in range(ho):
                for j in range(wo):
                    g = gy[n, i, j]
                    for a in range(kh):
                        h = i * sh - ph + a * dh
                        if h < 0 or h >= h_:
                            continue
                        for b in range(kw):
                            col = j * sw - pw + b * dw
                            if col < 0 or col >= w_:
                                continue
                            xv, out = x[n, h, col], acc[a, b]
                            for c in range(c_):
                                out[c] += xv[c] * g[c]

    @njit(cache=True, nogil=True)
    def relu_grad(gy, x, out, one, nil):
        """out = gy · [x > 0] (as NumPy multiplies by the 0/1 mask: -0 and NaN included)."""
        gy, x, out = gy.reshape(-1), x.reshape(-1), out.reshape(-1)
        for k in range(out.size):
            out[k] = gy[k] * (one if x[k] > 0 else nil)

    found = {
        "max_pool": max_pool,
        "max_pool_scatter": max_pool_scatter,
        "relu_grad": relu_grad,
        "gelu": gelu,
        "col2im": col2im,
        "depthwise_conv": depthwise_conv,
        "depthwise_grad_input": depthwise_grad_input,
        "depthwise_grad_weight": depthwise_grad_weight,
        "lstm_step": lstm_step,
        "lstm_step_backward": lstm_step_backward,
        "lstm_steps": lstm_steps,
        "lstm_steps_backward": lstm_steps_backward,
        "scatter_add_rows": scatter_add_rows,
        "adam": adam,
    }
    if importlib.util.find_spec("scipy") is None:  # numba's np.dot calls SciPy's BLAS
        del found["lstm_steps"], found["lstm_steps_backward"]
    else:  # loaded now, so that threadpoolctl (recurrent_scan.serial_blas) sees it
        import scipy.linalg.cython_blas  # noqa: F401
    return found


def kernel(name: str) -> Any:
    """The kernel ``name`` when the accelerator is on, else None (warning once when a missing
    package, not ``DEEPNUM_NUMBA=0``, turned it off)."""
    if switched_off():
        return None
    found = kernels()
    if found is None:
        warn_fallback(KERNEL_PATHS.get(name, name), _kernels["missing"])
        return None
    if name not in found and name in ("lstm_steps", "lstm_steps_backward"):
        warn_fallback(KERNEL_PATHS[name], NO_SCIPY)
    return found.get(name)


def kernel_for(name: str, *arrays: Any) -> Any:
    """The kernel ``name`` when the accelerator is on and ``arrays`` are C-contiguous NumPy
    arrays of one float dtype (float32 or float64), else None.

    Args:
        name: a kernel of this module (``"adam"``, ``"max_pool"``, ``"relu_grad"``, ...).
        arrays: the arrays the kernel would read and write.

    Returns:
        The compiled function, or None: the caller then runs its NumPy code.

    Example:
        >>> import numpy as np
        >>> kernel_for("relu_grad", np.zeros(3, np.float32), np.zeros(3, np.float64)) is None
        True
    """
    first = arrays[0]
    if type(first) is not np.ndarray or first.dtype not in (np.float32, np.float64):
        return None
    for a in arrays:
        if type(a) is not np.ndarray or a.dtype != first.dtype or not a.flags.c_contiguous:
            return None
    return kernel(name)
