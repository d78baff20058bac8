"""The allocator settings: freed training temporaries are reused instead of page-faulted in
again (counted with the kernel's minor-fault counter, not timed)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

import deepnum as dn

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"

# A step-like loop: allocate, touch and free 2 x 20 MB, 20 times; print faults per iteration.
_LOOP = """
import resource, numpy as np, deepnum
a = np.ones(5_000_000, np.float32); del a
r0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    a = np.ones(5_000_000, np.float32)
    b = a * 2
    del a, b
print(deepnum.backend.allocator_tuned(),
      (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - r0) / 20)
"""


def _faults(tuning: str) -> tuple[str, float]:
    env = dict(os.environ, DEEPNUM_MALLOC_TUNING=tuning)
    out = subprocess.run(
        [sys.executable, "-c", _LOOP], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return out[0], float(out[1])


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's; elsewhere deepnum changes nothing")
def test_tuned_allocator_reuses_freed_blocks_instead_of_faulting_them_in():
    tuned, tuned_faults = _faults("1")
    default, default_faults = _faults("0")
    assert (tuned, default) == ("True", "False")
    # 40 MB per iteration is ~10,000 pages: the default settings give the memory back and
    # fault (part of) it in again every iteration; the tuned heap keeps it.
    assert default_faults > 500
    assert tuned_faults < default_faults / 10


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's; elsewhere deepnum changes nothing")
def test_tune_allocator_switches_and_release_memory_runs():
    assert dn.backend.allocator_tuned()  # on by default
    try:
        assert dn.backend.tune_allocator(False) is True
        assert not dn.backend.allocator_tuned()
    finally:
        assert dn.backend.tune_allocator(True) is True
    assert dn.backend.allocator_tuned()
    assert dn.backend.release_memory() in (True, False)


def test_other_c_libraries_are_left_alone(monkeypatch):
    from deepnum.backend import memory

    monkeypatch.setattr(memory.platform, "libc_ver", lambda: ("", ""))
    assert memory.tune_allocator(True) is False
    assert memory.release_memory() is False
