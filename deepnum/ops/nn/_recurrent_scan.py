"""The machinery around the recurrent loops of ``deepnum.ops.nn._recurrent_kernels``: time order,
masks, layouts, the GEMMs before and after the loops, threading and denormal flushing.

Layout. Inside the loops the per-step arrays are feature-major, ``(features, batch)``: the block
of a gate is then a contiguous range of rows, so every ufunc runs on contiguous memory (a gate's
columns in a ``(batch, 4·units)`` array would be a strided view, several times slower). Arrays
are indexed by step ``s`` in processing order: with ``go_backwards`` step ``s`` reads time
``T - 1 - s``, and outputs are in processing order, as in Keras.

GEMMs and threads. The input projection ``x W + b`` of all steps and the gradients
``dZ Wᵀ``, ``xᵀ dZ``, ``hᵀ dZ`` are large GEMMs outside the loop; the loop itself does one small
GEMM per step (e.g. 64×64 by 64×256), too small to split across BLAS threads (a second thread
makes it slower, and much slower on busy cores), so the loops run with BLAS on one thread
(``SERIAL_BLAS_IN_LOOPS``, through threadpoolctl when it is installed). The large GEMMs are cut
into chunks of steps and run on a worker thread, overlapped with the loop
(``PIPELINE_GEMMS``): the projection of the next chunk is computed while the loop consumes the
current one, and the weight gradients of a finished chunk while BPTT runs through the next, so
on two cores one runs the loop and the other the GEMMs (NumPy and BLAS release the GIL). Short
sequences and CuPy arrays run everything in order. When the loop is compiled (the LSTM's, with
numba), a large batch is instead cut into parts that run whole, loop and GEMMs, on their own
threads (``batch_parts``, ``run_parts``): the compiled loop holds no GIL, so the parts run at
the same time, where NumPy's per-op loop would hand the GIL back and forth at every op.

Denormals. As BPTT runs back through many steps the carried gradients decay geometrically and
eventually fall below the smallest normal float (1.2e-38 in float32). Arithmetic on such
subnormal numbers is up to 100× slower on x86 CPUs, in BLAS as much as in NumPy. With
``FLUSH_DENORMALS`` (the default) the carried state gradients are set to zero each step where
their magnitude is below ``finfo(dtype).tiny`` — what a CPU's flush-to-zero mode does — and so
are such entries of the input gradient: once a carried gradient underflows it is exactly zero,
so subnormals cannot pile up step after step in the loop's GEMMs and ufuncs, nor reach the
layers below; no result changes by more than that tiny absolute amount. (Setting the CPU's FTZ
flag instead would change every other NumPy computation in the process, and would not reach BLAS
threads created earlier.)
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from deepnum.backend import get_array_module

FLUSH_DENORMALS = True
SERIAL_BLAS_IN_LOOPS = True
PIPELINE_GEMMS = True
# Batch parallelism (compiled loops only): the samples of a batch are independent, so a batch
# of at least 2·MIN_PART_BATCH samples is cut into up to MAX_PARTS parts whose loops run on
# their own threads at once. The compiled loops release the GIL, so the parts do not wait for
# each other (NumPy's per-op loops would: each op takes the GIL back).
MAX_PARTS = max(1, min(os.cpu_count() or 1, 4))
MIN_PART_BATCH = 16
_controller: list[Any] = []
_executor: list[ThreadPoolExecutor] = []
_part_executor: list[ThreadPoolExecutor] = []
if hasattr(os, "register_at_fork"):  # a forked child has no worker threads: make new ones
    os.register_at_fork(after_in_child=lambda: (_executor.clear(), _part_executor.clear()))


def serial_blas(xp: Any) -> Any:
    """A context in which the BLAS libraries run on one thread (a no-op without threadpoolctl):
    NumPy's, and SciPy's once loaded (the compiled LSTM loop calls it through numba)."""
    if not SERIAL_BLAS_IN_LOOPS or xp.__name__ != "numpy":
        return contextlib.nullcontext()
    scipy_blas = "scipy.linalg.cython_blas" in sys.modules
    if not _controller or _controller[0][0] != scipy_blas:  # find the loaded BLAS again
        try:
            from threadpoolctl import ThreadpoolController

            ctl = ThreadpoolController()
        except Exception as e:  # threadpoolctl missing or failing: keep BLAS as it is
            from deepnum.backend import accel

            why = "threadpoolctl is missing" if isinstance(e, ImportError) else repr(e)
            accel.warn_fallback(accel.SERIAL_BLAS_PATH, why)
            ctl = None
        _controller[:] = [(scipy_blas, ctl)]
    ctl = _controller[0][1]
    return contextlib.nullcontext() if ctl is None else ctl.limit(limits=1, user_api="blas")


def batch_parts(batch: int, steps: int) -> list[slice]:
    """The batch slices to run in parallel: the whole batch for short sequences, small
    batches or a single core."""
    n = min(MAX_PARTS, batch // MIN_PART_BATCH)
    if steps < 32 or n < 2:
        return [slice(None)]
    bounds = [round(i * batch / n) for i in range(n + 1)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def run_parts(fn: Any, parts: list[Any], xp: Any) -> list[Any]:
    """``[fn(part) for part in parts]``, the first part on this thread and the others on
    worker threads at the same time, each with BLAS on one thread."""
    if len(parts) == 1:
        return [fn(parts[0])]
    if not _part_executor:
        _part_executor.append(ThreadPoolExecutor(MAX_PARTS - 1, thread_name_prefix="deepnum-rnn"))
    with serial_blas(xp):
        jobs = [_part_executor[0].submit(fn, part) for part in parts[1:]]
        first = fn(parts[0])
        return [first] + [job.result() for job in jobs]


def _submit(fn: Any, *args: Any) -> Future:
    if not _executor:
        _executor.append(ThreadPoolExecutor(1, thread_name_prefix="deepnum-rnn-gemm"))
    return _executor[0].submit(fn, *args)


class Scan:
    """Sizes, time order, mask and output bookkeeping shared by the loops.

    Args:
        x: inputs ``(batch, time, features)``.
        units: state size.
        keep: ``None`` or a boolean array ``(batch, steps)`` in processing order; a step
            whose entry is False keeps the previous state.
        out_weight: ``None`` or ``(batch, steps)`` weights (processing order) applied to the
            outputs; they encode Keras's rule for the output of masked steps.
        go_backwards: process the time axis in reverse.
        return_sequences: whether the first output is the whole sequence or the last step.
        pipeline: allow the large GEMMs on the worker thread (off when the batch is already
            split across threads).
    """

    def __init__(
        self,
        x,
        units: int,
        keep,
        out_weight,
        go_backwards: bool,
        return_sequences: bool,
        pipeline: bool = True,
    ):
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
        big = self.T >= 32 and self.T * self.B >= 2048
        self.pipelined = pipeline and PIPELINE_GEMMS and xp.__name__ == "numpy" and big
        self.chunk = max(16, math.ceil(self.T / 8)) if self.pipelined else self.T

    def time_major(self, a):
        """``(batch, time, ...)`` → contiguous ``(steps, batch, ...)`` in processing order."""
        a = a.swapaxes(0, 1)
        return self.xp.ascontiguousarray(a[::-1] if self.go_backwards else a)

    def batch_major(self, a):
        """The inverse of ``time_major``, as a view."""
        return (a[::-1] if self.go_backwards else a).swapaxes(0, 1)

    def gradients(self, kernel, needs) -> Gradients:
        return Gradients(self, kernel, needs)

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


class Chunked:
    """Work done chunk by chunk of steps ahead of a loop: ``fn(s0, s1)`` for each chunk, in
    loop order (``reverse`` for BPTT). Pipelined, ``start`` hands the chunks to the worker
    (call it inside the loop's serial-BLAS context) and ``wait(s)`` blocks until the chunk
    holding step ``s`` is done; otherwise everything runs at once, when the object is made."""

    def __init__(self, scan: Scan, fn: Any, reverse: bool = False) -> None:
        self.scan, self.fn, self.reverse = scan, fn, reverse
        self.jobs: list[Any] = []
        if not scan.pipelined:
            fn(0, scan.T)

    def start(self) -> None:
        scan = self.scan
        if scan.pipelined:
            starts = list(range(0, scan.T, scan.chunk))
            jobs = {
                s: _submit(self.fn, s, min(s + scan.chunk, scan.T))
                for s in (reversed(starts) if self.reverse else starts)
            }
            self.jobs = [jobs[s] for s in starts]

    def wait(self, s: int) -> None:
        if self.jobs:
            c = s // self.scan.chunk
            job = self.jobs[c]
            if job is not None:
                if job.cancel():  # the worker has not started it: do it here rather than wait
                    s0 = c * self.scan.chunk
                    self.fn(s0, min(s0 + self.scan.chunk, self.scan.T))
                else:
                    job.result()
                self.jobs[c] = None


def projection(scan: Scan, kernel, bias, scale, out) -> Chunked:
    """(x W + b) with rows scaled by ``scale``, written feature-major into ``out[s]``
    ``(steps, G, B)`` chunk by chunk: one GEMM per chunk (one in all when not pipelined)."""
    w = (kernel * scale).T
    b = None if bias is None else (bias * scale)[:, None]
    B = scan.B

    def fill(s0: int, s1: int) -> None:
        xw = w @ scan.x[s0 * B : s1 * B].T
        if b is not None:
            xw += b
        out[s0:s1] = xw.reshape(-1, s1 - s0, B).transpose(1, 0, 2)

    return Chunked(scan, fill)


class Gradients:
    """The GEMMs after BPTT, from the pre-activation gradients ``dZ`` ``(steps, G, B)`` and the
    states ``H``: ``dx = dZ Wᵀ``, ``dW = xᵀ dZ``, ``dU = hᵀ dZ``, ``db = Σ dZ`` (those in
    ``needs``). Pipelined, ``step_done`` hands each finished chunk of steps to the worker and
    ``drain`` does the last chunk on this thread; ``finish`` returns the results."""

    def __init__(self, scan: Scan, kernel, needs) -> None:
        self.scan, self.kernel, self.needs = scan, kernel, needs
        xp, G = scan.xp, kernel.shape[1]
        self.dx = xp.empty((scan.T * scan.B, scan.n_in), scan.dtype) if needs[0] else None
        self.dW = xp.zeros((scan.n_in, G), scan.dtype) if needs[1] else None
        self.dU = xp.zeros((scan.U, G), scan.dtype) if needs[2] else None
        self.db = xp.zeros(G, scan.dtype) if needs[3] else None
        self.jobs: list[Future] = []
        self.done = False

    def step_done(self, dZ, H, s: int) -> None:
        """BPTT has finished step ``s``; steps ``s ≥`` it form complete chunks."""
        scan = self.scan
        if scan.pipelined and s % scan.chunk == 0 and s > 0:
            s1 = min(s + scan.chunk, scan.T)
            self.jobs.append((_submit(self._chunk, dZ, H, s, s1, True), s, s1))

    def drain(self, dZ, H) -> None:
        """After BPTT: the first chunk, and any the worker has not started yet, on this
        thread; then wait for the worker."""
        if self.scan.pipelined:
            partials = [self._chunk(dZ, H, 0, min(self.scan.chunk, self.scan.T), False)]
            for job, s0, s1 in reversed(self.jobs):
                if job.cancel():
                    partials.append(self._chunk(dZ, H, s0, s1, False))
            for job, _, _ in self.jobs:
                if not job.cancelled():
                    job.result()
            for partial in partials:
                self._add(partial)
            self.done = True

    def finish(self, dZ, H) -> tuple:
        if not self.done:
            self._add(self._chunk(dZ, H, 0, self.scan.T, False))
        scan = self.scan
        dx = None
        if self.dx is not None:
            dx = scan.batch_major(self.dx.reshape(scan.T, scan.B, scan.n_in))
        return dx, self.dW, self.dU, self.db

    def _chunk(self, dZ, H, s0: int, s1: int, accumulate: bool) -> tuple:
        """The GEMMs of steps ``[s0, s1)``, with dZ and H made sample-major, (steps·B, G) and
        (steps·B, U): as the contiguous right operand of ``xᵀ dZ`` and ``hᵀ dZ`` it runs ~25%
        faster than the transposed feature-major copy."""
        scan, xp, B = self.scan, self.scan.xp, self.scan.B
        rows = slice(s0 * B, s1 * B)
        dz = xp.ascontiguousarray(dZ[s0:s1].transpose(0, 2, 1)).reshape(-1, dZ.shape[1])
        if self.dx is not None:
            dx = self.dx[rows]
            xp.matmul(dz, self.kernel.T, out=dx)
            if scan.flush:  # tiny normal dZ times small weights can give subnormal dx
                xp.copyto(dx, 0, where=xp.abs(dx) < scan.tiny)
        dW = scan.x[rows].T @ dz if self.dW is not None else None
        dU = None
        if self.dU is not None:
            h = xp.ascontiguousarray(H[s0:s1].transpose(0, 2, 1)).reshape(-1, scan.U)
            dU = h.T @ dz
        db = xp.ones(dz.shape[0], scan.dtype) @ dz if self.db is not None else None
        if accumulate:
            self._add((dW, dU, db))
        return dW, dU, db

    def _add(self, partial: tuple) -> None:
        for total, part in zip((self.dW, self.dU, self.db), partial):
            if part is not None:
                total += part
