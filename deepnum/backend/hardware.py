"""What the CPU and the BLAS libraries are: the model, its vector extensions and the BLAS
library, kernel and thread count in use, for ``deepnum info`` and the benchmark's machine block
(results from different machines must never be confused)."""

from __future__ import annotations

import os
import platform
from typing import Any

# /proc/cpuinfo flags by extension, in the order they are printed; the sub-features of AVX-512
# and AMX are listed in parentheses after the family.
_AVX512 = (("avx512f", "F"), ("avx512bw", "BW"), ("avx512vl", "VL"), ("avx512_vnni", "VNNI"))
_AVX512 += (("avx512_bf16", "BF16"), ("avx512_fp16", "FP16"))
_AMX = (("amx_tile", "tile"), ("amx_bf16", "bf16"), ("amx_int8", "int8"), ("amx_fp16", "fp16"))


def _cpuinfo_field(name: str) -> str | None:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.split(":", 1)[0].strip() == name:
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux, else what ``platform`` knows).

    Returns:
        A name such as ``"AMD EPYC 9R14 96-Core Processor"``.

    Example:
        >>> isinstance(cpu_model(), str)
        True
    """
    return _cpuinfo_field("model name") or platform.processor() or platform.machine()


def vector_extensions(flags: str | None = None) -> str:
    """The SIMD extensions the CPU reports: AVX2, FMA, AVX-512 (with its sub-features), AMX.

    Args:
        flags: a /proc/cpuinfo ``flags`` line; by default this machine's.

    Returns:
        A comma-separated list, ``"none of AVX/AVX2/AVX-512/AMX"``, or ``"unknown"`` where
        /proc/cpuinfo cannot be read.

    Example:
        >>> vector_extensions("fpu sse4_2 avx avx2 fma avx512f avx512bw amx_tile amx_bf16")
        'SSE4.2, AVX, AVX2, FMA, AVX-512 (F, BW), AMX (tile, bf16)'
    """
    line = _cpuinfo_field("flags") if flags is None else flags
    if line is None:
        return "unknown"
    have = set(line.split())
    base = (("sse4_2", "SSE4.2"), ("avx", "AVX"), ("avx2", "AVX2"), ("fma", "FMA"))
    names = [n for flag, n in base if flag in have]
    for family, subs in (("AVX-512", _AVX512), ("AMX", _AMX)):
        present = [n for flag, n in subs if flag in have]
        if present:
            names.append(f"{family} ({', '.join(present)})")
    return ", ".join(names) or "none of AVX/AVX2/AVX-512/AMX"


def blas_pools() -> list[dict[str, Any]]:
    """The BLAS libraries loaded in this process (threadpoolctl's ``threadpool_info``).

    Returns:
        One dict per library with ``internal_api`` (openblas, mkl, blis), ``version``,
        ``architecture`` (the kernel OpenBLAS chose, e.g. ``Haswell`` or ``SkylakeX``),
        ``num_threads`` and ``filepath``; empty without threadpoolctl.

    Example:
        >>> all("internal_api" in p for p in blas_pools())
        True
    """
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [p for p in threadpool_info() if p.get("user_api") == "blas"]


def blas_description() -> str:
    """Each loaded BLAS as ``library version, kernel, threads, owner`` (the package that ships it).

    Returns:
        One line per library joined by ``"; "``, or why none can be named.

    Example:
        >>> isinstance(blas_description(), str)
        True
    """
    try:
        import threadpoolctl  # noqa: F401
    except ImportError:
        return "unknown (threadpoolctl is not installed: pip install threadpoolctl)"
    parts = []
    for p in blas_pools():
        owner = os.path.basename(os.path.dirname(p.get("filepath") or "")).replace(".libs", "")
        kernel = p.get("architecture") or p.get("threading_layer") or "?"
        parts.append(
            f"{p.get('internal_api')} {p.get('version')} (kernel {kernel}, "
            f"{p.get('num_threads')} threads, from {owner or '?'})"
        )
    return "; ".join(parts) or "none found"
