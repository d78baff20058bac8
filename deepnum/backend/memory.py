"""Host memory: allocator settings that keep a training loop free of page faults.

A training step allocates and frees the same large temporaries every step (im2col columns,
activations, their gradients). With its default settings glibc's ``malloc`` serves large blocks
with fresh ``mmap`` pages and gives freed memory at the top of the heap back to the kernel, so
every step page-faults its whole working set in again: the kernel zeroes each 4 KiB page on
first touch, which is single-threaded work at roughly a quarter of a millisecond per megabyte.
Measured on the benchmark's CNN (batch 64, 2 cores): 50 ms per step with the defaults, 27 ms
with the settings below. PyTorch users reach the same effect by preloading jemalloc or tcmalloc.

On import, deepnum raises glibc's two thresholds (``M_MMAP_THRESHOLD`` to 256 MiB,
``M_TRIM_THRESHOLD`` to 1 GiB) so that freed blocks stay in the heap and are reused by the next
step. The cost is that memory freed after a peak stays with the process (as with PyTorch's GPU
caching allocator) until :func:`release_memory` is called. Set the environment variable
``DEEPNUM_MALLOC_TUNING=0`` before importing deepnum to keep the C library's defaults. On other
C libraries (macOS, Windows, musl) nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform

_M_TRIM_THRESHOLD = -1  # mallopt parameter numbers, from glibc's <malloc.h>
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 256 << 20
TRIM_THRESHOLD = 1 << 30

_state = {"tuned": False}


def _glibc():
    """The C library as a ctypes handle when it is glibc (which has mallopt), else None."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def tune_allocator(enable: bool = True) -> bool:
    """Keep large freed blocks in the heap (``enable=True``) or restore glibc's defaults.

    Args:
        enable: True sets ``M_MMAP_THRESHOLD`` = 256 MiB and ``M_TRIM_THRESHOLD`` = 1 GiB;
            False sets glibc's documented defaults back (128 KiB each; the mmap threshold then
            no longer adapts as it does in a fresh process).

    Returns:
        True when the settings were applied, False where the C library is not glibc.

    Example:
        >>> import deepnum as dn
        >>> dn.backend.tune_allocator() in (True, False)
        True
    """
    libc = _glibc()
    if libc is None:
        return False
    mmap, trim = (MMAP_THRESHOLD, TRIM_THRESHOLD) if enable else (128 << 10, 128 << 10)
    ok = bool(libc.mallopt(_M_MMAP_THRESHOLD, mmap)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, trim))
    _state["tuned"] = ok and enable
    return ok


def allocator_tuned() -> bool:
    """Whether deepnum's allocator settings are in effect in this process."""
    return _state["tuned"]


def release_memory() -> bool:
    """Give the free memory the heap keeps back to the operating system (``malloc_trim``).

    Call it after a memory peak that will not come again, e.g. after ``predict`` on a very
    large array, when the process should shrink.

    Returns:
        True when glibc released memory, False when there was none to release or the C
        library is not glibc.

    Example:
        >>> import deepnum as dn
        >>> dn.backend.release_memory() in (True, False)
        True
    """
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


def _tune_on_import() -> None:
    if os.environ.get("DEEPNUM_MALLOC_TUNING", "1").strip().lower() not in ("0", "false", "no"):
        tune_allocator(True)
