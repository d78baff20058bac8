"""Seeded truncations and byte flips of a small ``.keras`` and ``.weights.h5``, each loaded in a
worker process under an address-space limit and a per-input timeout: every input either loads
the original weights and optimizer state exactly, or raises ``FileLoadError`` naming the file.
Nothing else — no other exception, no silently different weights, no hang, no crash."""

from __future__ import annotations

import collections
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import deepnum as dn
from tests.conftest import reference
from tests.saving.fuzz_worker import build_model, state

reference("h5py")

ROOT = Path(__file__).parents[2]
SEED = 20240613
PER_FORMAT = {"truncate": 40, "flip": 100}  # inputs per file and kind of damage
MEMBER_FLIPS = 100  # .keras archives re-zipped (valid CRC-32) after a flip inside a member
ADDRESS_SPACE = 1 << 30  # bytes for a worker: numpy, h5py and deepnum need ~150 MB
PER_INPUT_TIMEOUT = 10.0  # seconds; a load takes a few milliseconds


def zip_bytes(content: dict[str, bytes]) -> bytes:
    """A zip archive of ``content`` with fixed timestamps (the same bytes every run)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in content.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def deterministic_keras(path: Path, model) -> dict[str, bytes]:
    """``model.save`` re-packed with a fixed date; returns the members."""
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        content = {name: zf.read(name) for name in zf.namelist()}
    metadata = json.loads(content["metadata.json"])
    metadata["date_saved"] = "2024-01-01@00:00:00"
    content["metadata.json"] = json.dumps(metadata).encode()
    path.write_bytes(zip_bytes(content))
    return content


def member_flips(content: dict[str, bytes], rng: np.random.Generator) -> list[tuple[str, bytes]]:
    """Archives whose zip layer is intact (CRC-32 recomputed) around a flipped member: the
    damage reaches the JSON and HDF5 parsers and the checksums."""
    names = sorted(content)
    out = []
    for _ in range(MEMBER_FLIPS):
        name = names[int(rng.choice(len(names), p=[0.4, 0.2, 0.4]))]  # config, metadata, weights
        damaged = bytearray(content[name])
        damaged[int(rng.integers(0, len(damaged)))] ^= int(rng.integers(1, 256))
        out.append((f"flip-in-{name.split('.')[0]}", zip_bytes({**content, name: bytes(damaged)})))
    return out


def mutations(data: bytes, rng: np.random.Generator) -> list[tuple[str, bytes]]:
    """Truncations at random lengths, and flips of 1 to 3 random bytes."""
    out = []
    for _ in range(PER_FORMAT["truncate"]):
        out.append(("truncate", data[: int(rng.integers(0, len(data)))]))
    for _ in range(PER_FORMAT["flip"]):
        damaged = bytearray(data)
        for offset in rng.choice(len(data), size=int(rng.integers(1, 4)), replace=False):
            damaged[offset] ^= int(rng.integers(1, 256))
        out.append(("flip", bytes(damaged)))
    return out


def run_workers(manifest: dict, directory: Path) -> dict[int, tuple[str, str]]:
    """Run the worker over the files; restart it after the input it crashed or hung on."""
    results: dict[int, tuple[str, str]] = {}
    pending = list(manifest["files"])
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    round_ = 0
    while pending:
        round_ += 1
        manifest_path = directory / f"manifest-{manifest['format']}-{round_}.json"
        results_path = directory / f"results-{manifest['format']}-{round_}.jsonl"
        manifest_path.write_text(json.dumps({**manifest, "files": pending}))
        budget = 30 + PER_INPUT_TIMEOUT * 2
        try:
            done = subprocess.run(
                [sys.executable, "-m", "tests.saving.fuzz_worker", manifest_path, results_path],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=budget + 0.05 * len(pending),
            )
            status = f"exit status {done.returncode}: {done.stderr[-500:]}"
        except subprocess.TimeoutExpired:
            status = "hung"
        started = None
        if results_path.exists():
            for line in results_path.read_text().splitlines():
                record = json.loads(line)
                if record.get("start"):
                    started = record["i"]
                else:
                    results[record["i"]] = (record["outcome"], record["detail"])
                    started = None
        if started is not None:  # the worker died or hung on this input
            results[started] = ("crash", status)
        pending = [item for item in pending if item[0] not in results]
        if started is None and pending:  # died before its first input
            pytest.fail(f"the fuzz worker failed to start: {status}")
    return results


def test_damaged_files_load_exactly_or_raise_file_load_error(tmp_path):
    dn.utils.set_random_seed(SEED)
    model = build_model(dn)
    x = np.linspace(-1, 1, 16, dtype="float32").reshape(4, 4)
    model.train_on_batch(x, x[:, :2])  # the files hold optimizer state too
    np.savez(tmp_path / "original.npz", **{f"a{i}": a for i, a in enumerate(state(model))})
    originals = {"keras": tmp_path / "m.keras", "weights": tmp_path / "w.weights.h5"}
    content = deterministic_keras(originals["keras"], model)
    model.save_weights(originals["weights"])

    rng = np.random.default_rng(SEED)
    inputs = {fmt: mutations(path.read_bytes(), rng) for fmt, path in originals.items()}
    inputs["keras"] += member_flips(content, rng)
    outcomes: dict[str, collections.Counter] = {}
    failures = []
    for fmt, original in originals.items():
        files, kinds = [], {}
        for i, (kind, data) in enumerate(inputs[fmt]):
            path = tmp_path / f"in{i:03d}-{original.name}"
            path.write_bytes(data)
            files.append([i, str(path)])
            kinds[i] = kind
        manifest = {
            "format": fmt,
            "original": str(tmp_path / "original.npz"),
            "address_space": ADDRESS_SPACE,
            "timeout": PER_INPUT_TIMEOUT,
            "files": files,
        }
        results = run_workers(manifest, tmp_path)
        assert sorted(results) == [i for i, _ in files]
        outcomes[fmt] = collections.Counter(f"{kinds[i]}:{o}" for i, (o, _) in results.items())
        failures += [
            (fmt, kinds[i], o, d)
            for i, (o, d) in results.items()
            if o not in ("original", "refused")
        ]
    print(f"\nfuzz outcomes: { {k: dict(sorted(v.items())) for k, v in outcomes.items()} }")
    assert not failures, f"{len(failures)} inputs neither loaded exactly nor were refused: " + (
        "\n".join(map(str, failures[:20]))
    )
    for counts in outcomes.values():  # the damage is real: every truncation is refused
        assert counts["truncate:refused"] == PER_FORMAT["truncate"], counts
        assert counts["flip:refused"] >= PER_FORMAT["flip"] // 4, counts
