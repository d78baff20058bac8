"""Load damaged files one after the other and record what each did (run by ``test_fuzz.py``).

``python -m tests.saving.fuzz_worker MANIFEST RESULTS`` reads the manifest (the format, the
original weights, the address-space limit, the per-input timeout and the files), limits this
process's address space with ``resource.setrlimit``, then for every file appends one JSON line
to RESULTS, flushed: ``{"i": index, "outcome": ..., "detail": ...}``. Outcomes:

- ``original``: it loaded, with exactly the original weights and optimizer state;
- ``refused``: ``FileLoadError`` naming the file;
- anything else is a defect: ``different`` (loaded other values), ``unnamed`` (the error does
  not name the file), ``other`` (another exception), ``timeout``.

A line ``{"i": index, "start": true}`` precedes each load, so that the parent can name the
input of a worker that crashed or hung inside C code.
"""

from __future__ import annotations

import json
import resource
import signal
import sys

import numpy as np


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` swallows it."""


def _alarm(signum, frame):
    raise _Timeout()


def build_model(dn):
    """The model of the fuzzed files (the worker starts from other weights than the saved)."""
    model = dn.Sequential(
        [
            dn.Input((4,), name="fuzz_in"),
            dn.layers.Dense(3, activation="tanh", name="fuzz_a"),
            dn.layers.Dense(2, name="fuzz_b"),
        ],
        name="fuzz_model",
    )
    # Every name fixed (no global counters): the file's bytes are the same in every run.
    model.compile(optimizer=dn.optimizers.Adam(0.01, name="fuzz_adam"), loss="mse")
    return model


def state(model) -> list[np.ndarray]:
    """The weights and the optimizer's variables."""
    optimizer = [np.asarray(v.numpy()) for v in model.optimizer.variables]
    return [np.asarray(w) for w in model.get_weights()] + optimizer


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(
        x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(a, b)
    )


def _load(dn, fmt: str, path: str):
    if fmt == "keras":
        return dn.models.load_model(path)
    model = build_model(dn)
    model.optimizer.build(model.trainable_weights)
    model.load_weights(path)
    return model


def classify(dn, fmt: str, path: str, original: list[np.ndarray]) -> tuple[str, str]:
    """(outcome, detail) of loading ``path``."""
    try:
        model = _load(dn, fmt, path)
    except dn.saving.FileLoadError as e:
        return ("refused" if path in str(e) else "unnamed"), str(e)[:300]
    except _Timeout:
        return "timeout", ""
    except BaseException as e:  # noqa: BLE001 - every other outcome is what the test looks for
        return "other", f"{type(e).__name__}: {str(e)[:300]}"
    return ("original" if _same(state(model), original) else "different"), ""


def main(manifest_path: str, results_path: str) -> None:
    with open(manifest_path) as f:
        manifest = json.load(f)
    limit = int(manifest["address_space"])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import deepnum as dn

    with np.load(manifest["original"]) as data:
        original = [data[f"a{i}"] for i in range(len(data.files))]
    signal.signal(signal.SIGALRM, _alarm)
    with open(results_path, "a") as out:
        for i, path in manifest["files"]:
            out.write(json.dumps({"i": i, "start": True}) + "\n")
            out.flush()
            signal.setitimer(signal.ITIMER_REAL, manifest["timeout"])
            try:
                outcome, detail = classify(dn, manifest["format"], path, original)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            out.write(json.dumps({"i": i, "outcome": outcome, "detail": detail}) + "\n")
            out.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
