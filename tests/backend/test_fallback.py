"""The fallback from the compiled kernels to NumPy: one warning per fast path when a package is
missing (none when switched off), the fast-path report, ``deepnum info`` and the CPU/BLAS
description (deepnum.backend.hardware)."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

from deepnum import cli
from deepnum.backend import accel, hardware
from deepnum.ops.nn import _recurrent_scan as recurrent_scan
from tests.conftest import reference

MISSING = "numba cannot be imported (No module named 'numba')"


@pytest.fixture
def fresh(monkeypatch):
    """No warning given yet in this process, numba allowed by the switch."""
    monkeypatch.setattr(accel, "_warned", set())
    monkeypatch.setenv("DEEPNUM_NUMBA", "1")


def recorded(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


def test_a_missing_numba_warns_once_per_path_with_the_reason_and_the_fix(fresh, monkeypatch):
    monkeypatch.setattr(accel, "_kernels", {"missing": MISSING})
    msgs = recorded(lambda: [accel.kernel(n) for n in ("adam", "adam", "max_pool", "max_pool")])
    assert len(msgs) == 2
    assert "compiled Adam update" in msgs[0] and "compiled max pooling" in msgs[1]
    assert all(MISSING in m and "pip install" in m and "deepnum info" in m for m in msgs)
    assert recorded(lambda: accel.kernel("adam")) == []


def test_switched_off_falls_back_without_a_warning(fresh, monkeypatch):
    monkeypatch.setenv("DEEPNUM_NUMBA", "0")
    assert recorded(lambda: accel.kernel("adam")) == [] and accel.kernel("adam") is None


def test_a_missing_scipy_warns_for_the_lstm_loop_only(fresh, monkeypatch):
    reference("numba")
    found = {k: v for k, v in accel.kernels().items() if not k.startswith("lstm_steps")}
    monkeypatch.setattr(accel, "_kernels", found)
    msgs = recorded(lambda: (accel.kernel("lstm_steps"), accel.kernel("adam")))
    assert len(msgs) == 1 and "LSTM time loop" in msgs[0] and accel.NO_SCIPY in msgs[0]
    off = [(p, why) for p, on, why in accel.fast_paths() if not on]
    assert off == [(accel.KERNEL_PATHS["lstm_steps"], accel.NO_SCIPY)]


def test_a_missing_threadpoolctl_warns_once_and_blas_is_left_as_it_is(fresh, monkeypatch):
    monkeypatch.setattr(recurrent_scan, "_controller", [])
    monkeypatch.setattr(recurrent_scan, "SERIAL_BLAS_IN_LOOPS", True)
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import raises ImportError

    def enter_twice():
        for _ in range(2):
            with recurrent_scan.serial_blas(np):
                pass

    msgs = recorded(enter_twice)
    assert len(msgs) == 1 and accel.SERIAL_BLAS_PATH in msgs[0] and "threadpoolctl" in msgs[0]


@pytest.mark.parametrize(
    "switch,kernels,on",
    [("1", None, True), ("0", None, False), ("1", {"missing": MISSING}, False)],
)
def test_fast_paths_report_each_path_with_its_reason(fresh, monkeypatch, switch, kernels, on):
    reference("numba")
    monkeypatch.setenv("DEEPNUM_NUMBA", switch)
    if kernels is not None:
        monkeypatch.setattr(accel, "_kernels", kernels)
    rows = accel.fast_paths()
    compiled = [r for r in rows if r[0] != accel.SERIAL_BLAS_PATH]
    assert len(compiled) == len(set(accel.KERNEL_PATHS.values()))
    assert all(r[1] is on for r in compiled)
    expected = "numba kernels" if on else "DEEPNUM_NUMBA=0" if switch == "0" else MISSING
    assert all(expected in r[2] for r in compiled)
    assert (accel.SERIAL_BLAS_PATH, True, "threadpoolctl") in rows


@pytest.mark.parametrize("switch", ["1", "0"])
def test_info_prints_cpu_vector_extensions_blas_kernel_packages_and_fast_paths(
    monkeypatch, capsys, switch
):
    reference("numba")
    monkeypatch.setenv("DEEPNUM_NUMBA", switch)
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("deepnum ") and f"CPU: {hardware.cpu_model()}" in out
    assert f"vector extensions: {hardware.vector_extensions()}" in lines
    assert "BLAS: openblas" in out and "kernel " in out and "threads" in out
    for name in ("numba", "scipy", "threadpoolctl"):
        assert any(line.startswith(f"{name} ") and "installed" in line for line in lines)
    paths = [line for line in lines if line.startswith("  ")]
    assert len(paths) == len(set(accel.KERNEL_PATHS.values())) + 1
    state = "on " if switch == "1" else "off"
    assert all(line.startswith(f"  {state}") for line in paths[:-1])
    assert switch == "1" or all("unset DEEPNUM_NUMBA" in line for line in paths[:-1])


@pytest.mark.parametrize(
    "flags,expected",
    [
        ("fpu sse4_2 avx avx2 fma", "SSE4.2, AVX, AVX2, FMA"),
        (
            "sse4_2 avx avx2 fma avx512f avx512bw avx512vl avx512_vnni avx512_bf16 avx512_fp16 "
            "amx_bf16 amx_tile amx_int8",
            "SSE4.2, AVX, AVX2, FMA, AVX-512 (F, BW, VL, VNNI, BF16, FP16), AMX (tile, bf16, int8)",
        ),
        ("sse4_2 avx avx2 fma avx512f avx512_bf16", "SSE4.2, AVX, AVX2, FMA, AVX-512 (F, BF16)"),
        ("fpu sse2", "none of AVX/AVX2/AVX-512/AMX"),
    ],
)
def test_vector_extensions_from_cpuinfo_flags(flags, expected):
    assert hardware.vector_extensions(flags) == expected


def test_blas_description_names_library_kernel_and_threads():
    threadpoolctl = reference("threadpoolctl")
    pools = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    text = hardware.blas_description()
    for p in pools:
        assert f"{p['internal_api']} {p['version']} (kernel {p['architecture']}" in text
        assert f"{p['num_threads']} threads" in text
