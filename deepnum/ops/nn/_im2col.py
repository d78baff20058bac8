"""The array kernels of the convolution (NumPy or CuPy through ``xp``): im2col from a strided
view, the forward GEMM with the bias folded in, the kernel-gradient GEMM and the input gradient
as one GEMM per kernel tap. ``deepnum.ops.nn._conv`` wraps them into differentiable Functions."""

from __future__ import annotations

from typing import Any

from deepnum.backend import accel, get_array_module
from deepnum.ops.nn._window import Window

# Below this many channels per group, im2col is built tap-major, (K·C, M): each row is then a
# long strided copy instead of a gather of K·C scattered values (measured ~8x faster for C=1).
TAP_MAJOR_MAX_CHANNELS = 4
# Stride-1 input gradients with fewer output than input channels run as a correlation of the
# output gradient (grad_input_by_correlation); False keeps the per-tap / col2im paths.
GRAD_INPUT_BY_CORRELATION = True


def im2col(x: Any, win: Window, groups: int, ones: bool) -> tuple[Any, bool]:
    """Columns of the padded input, one row per output pixel and group.

    Returns ``(col, tap_major)``: col is (g, M, K·Cg [+1]) or, tap-major, (g, K·Cg [+1], M),
    with M = N·Ho·Wo and K = kh·kw; the optional last column (row) of ones carries the bias.
    """
    xp = get_array_module(x)
    n, c = x.shape[0], x.shape[3]
    cg = c // groups
    (ho, wo), (kh, kw) = win.out_size, win.kernel
    m, kc = n * ho * wo, kh * kw * cg
    tap_major = cg <= TAP_MAJOR_MAX_CHANNELS
    xpad = win.pad(x)
    if tap_major:
        col = xp.empty((groups, kc + int(ones), m), dtype=x.dtype)
        view = win.windows(xpad, tap_major=True).reshape(kh, kw, groups, cg, n, ho, wo)
        dst = col[:, :kc].reshape(groups, kh, kw, cg, n, ho, wo)
        dst[...] = view.transpose(2, 0, 1, 3, 4, 5, 6)
        if ones:
            col[:, kc] = 1
    else:
        col = xp.empty((groups, m, kc + int(ones)), dtype=x.dtype)
        view = win.windows(xpad).reshape(n, ho, wo, kh, kw, groups, cg)
        dst = col[:, :, :kc].reshape(groups, n, ho, wo, kh, kw, cg)
        dst[...] = view.transpose(5, 0, 1, 2, 3, 4, 6)
        if ones:
            col[:, :, kc] = 1
    return col, tap_major


def _weight_matrix(w: Any, b: Any, groups: int) -> Any:
    """Kernel (kh, kw, Cg, O) as (g, K·Cg [+1], O/g), with the bias as the last row."""
    xp = get_array_module(w)
    kh, kw, cg, o = w.shape
    og = o // groups
    wmat = w.reshape(kh * kw * cg, groups, og).transpose(1, 0, 2)
    if b is None:
        return wmat
    return xp.concatenate([wmat, b.reshape(groups, 1, og).astype(w.dtype, copy=False)], axis=1)


def conv_forward(col: Any, tap_major: bool, w: Any, b: Any, win: Window, n: int) -> Any:
    """y = col · W (+ b through the ones column), reshaped to (N, Ho, Wo, O)."""
    xp = get_array_module(col)
    groups, o = col.shape[0], w.shape[3]
    wmat = _weight_matrix(w, b, groups)
    if groups == 1:
        y = (col[0].T if tap_major else col[0]) @ wmat[0]
    else:
        y = xp.matmul(col.transpose(0, 2, 1) if tap_major else col, wmat).transpose(1, 0, 2)
    return y.reshape((n,) + win.out_size + (o,))


def conv_grad_weight(col: Any, tap_major: bool, gy: Any, kernel_shape: tuple, bias: bool):
    """∂L/∂W = colᵀ · gy per group, and ∂L/∂b = 1ᵀ · gy from the ones column (a GEMV)."""
    xp = get_array_module(col)
    groups = col.shape[0]
    kh, kw, cg, o = kernel_shape
    og, kc = o // groups, kh * kw * cg
    gy2 = gy.reshape(-1, o)
    if groups == 1 and tap_major:  # a long inner dimension: summed in blocks, ~2x faster
        blocks = [col[0, :, i : i + 2048] @ gy2[i : i + 2048] for i in range(0, col.shape[2], 2048)]
        g = sum(blocks[1:], blocks[0])[None]
    elif groups == 1:  # (gyᵀ·col)ᵀ: OpenBLAS runs this ~12% faster than colᵀ·gy here
        g = (gy2.T @ col[0]).T[None]
    else:
        gyg = gy2.reshape(-1, groups, og).transpose(1, 0, 2)
        g = xp.matmul(col if tap_major else col.transpose(0, 2, 1), gyg)
    gw = g[:, :kc].reshape(groups, kh, kw, cg, og).transpose(1, 2, 3, 0, 4).reshape(kernel_shape)
    if not bias:
        return gw
    return gw, g[:, kc].reshape(o)


def conv_grad_input(gy: Any, w: Any, win: Window, x_shape: tuple, groups: int) -> Any:
    """∂L/∂x: for each tap (i, j), gy · W[i, j]ᵀ (one GEMM) added into the input pixels that
    the tap read; taps that read only padding are skipped, padding is never materialised.
    With stride 1 and fewer output than input channels, the correlation of gy with the
    flipped kernel instead (``grad_input_by_correlation``)."""
    xp = get_array_module(gy)
    kh, kw, cg, o = w.shape
    og = o // groups
    n, (ho, wo), c = x_shape[0], win.out_size, x_shape[3]
    if GRAD_INPUT_BY_CORRELATION and groups == 1 and o < c and win.strides == (1, 1):
        return grad_input_by_correlation(gy, w, win)
    col2im = accel.kernel_for("col2im", gy, w) if groups == 1 else None
    if col2im is not None:  # one wide GEMM, then the taps summed into place in one pass
        dcol = gy.reshape(-1, o) @ w.reshape(kh * kw * cg, o).T
        gx = xp.zeros(x_shape, dtype=gy.dtype)
        col2im(dcol, ho, wo, kh, kw, *win.strides, *win.dilation, *win.pad_before, gx)
        return gx
    gyg = gy.reshape(-1, groups, og).transpose(1, 0, 2)
    if groups > 1:
        gyg = xp.ascontiguousarray(gyg)
    wt = xp.ascontiguousarray(w.reshape(kh, kw, cg, groups, og).transpose(0, 1, 3, 4, 2))

    def tap_grad(i: int, j: int) -> Any:
        if groups == 1:
            t = gyg[0] @ wt[i, j, 0]
        else:
            t = xp.matmul(gyg, wt[i, j]).transpose(1, 0, 2)
        return t.reshape(n, ho, wo, c)

    taps = [(i, j) for i in range(kh) for j in range(kw)]
    cover = next((t for t in taps if win.covers(*t)), None)
    if cover is not None:  # stride-1 SAME: one tap writes every pixel, no zero fill needed
        gx = tap_grad(*cover)
        taps.remove(cover)
    else:
        gx = xp.zeros(x_shape, dtype=xp.result_type(gy.dtype, w.dtype))
    for i, j in taps:
        region = win.tap(i, j)
        if region is not None:
            (hs, ws), (ohs, ows) = region
            gx[:, hs, ws] += tap_grad(i, j)[:, ohs, ows]
    return gx


def grad_input_by_correlation(gy: Any, w: Any, win: Window) -> Any:
    """∂L/∂x of a stride-1 convolution as a convolution of gy: with y[i] = Σₐ x[i + a·d − p]·W[a]
    per spatial axis, ∂L/∂x[h] = Σₐ gy[h + a·d − p′]·W[k−1−a]ᵀ with p′ = d·(k−1) − p, i.e. the
    valid correlation of gy padded by p′ with the flipped, transposed kernel. Its columns hold
    K·O values per pixel instead of the K·C of col2im's, fewer when O < C (a convolution down
    to one channel: 32 times fewer bytes written and read).

    Example:
        >>> import numpy as np
        >>> from deepnum.ops.nn._window import make_window
        >>> win = make_window((4, 4), (3, 3), (1, 1), "same")
        >>> w = np.ones((3, 3, 2, 1), np.float32)
        >>> grad_input_by_correlation(np.ones((1, 4, 4, 1), np.float32), w, win)[0, :, :, 0]
        array([[4., 6., 6., 4.],
               [6., 9., 9., 6.],
               [6., 9., 9., 6.],
               [4., 6., 6., 4.]], dtype=float32)
    """
    xp = get_array_module(gy)
    before = tuple(d * (k - 1) - p for k, d, p in zip(win.kernel, win.dilation, win.pad_before))
    gwin = Window(win.out_size, win.in_size, win.kernel, (1, 1), win.dilation, before)
    wf = xp.ascontiguousarray(w[::-1, ::-1].transpose(0, 1, 3, 2))
    col, tap_major = im2col(gy, gwin, 1, ones=False)
    return conv_forward(col, tap_major, wf, None, gwin, gy.shape[0])
