"""Executing the tutorials and comparing their languages, for the site build and the tests.

The tutorials are stored without outputs in ``docs/tutorials/<lang>/NN_name.ipynb``; English
and Korean share their code cells and differ only in prose. ``execute`` runs one notebook in a
fresh kernel (nbclient) inside a temporary folder, so that files the code writes stay out of
the repository; ``code_cells`` is what the language check compares.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "docs" / "tutorials"
LANGUAGES = ("en", "ko")


def tutorial_paths(lang: str = "en") -> list[Path]:
    """The notebooks of one language, in the learning path's order (``NN_`` prefix)."""
    return sorted((TUTORIALS / lang).glob("[0-9][0-9]_*.ipynb"))


def code_cells(nb: nbformat.NotebookNode) -> list[str]:
    """The sources of a notebook's code cells, in order (what both languages must share)."""
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def execute(
    nb: nbformat.NotebookNode,
    timeout: float = 300,
    env: Mapping[str, str] | None = None,
) -> tuple[nbformat.NotebookNode, float]:
    """Run every cell of ``nb`` in a fresh Python kernel; raise on the first error.

    Args:
        nb: the notebook (left unchanged; the executed copy is returned).
        timeout: seconds allowed for each cell.
        env: variables set in the kernel's environment on top of this process's
            (e.g. ``DEEPNUM_TUTORIAL_FAST=1``, thread counts).

    Returns:
        The executed notebook and the wall time in seconds.

    Raises:
        nbclient.exceptions.CellExecutionError: a cell raised; the message holds the traceback.
    """
    nb = nbformat.from_dict(nb)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="deepnum-tutorial-") as workdir:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=False,
            resources={"metadata": {"path": workdir}},
        )
        client.execute(env={**os.environ, **(env or {})})
    return nb, time.perf_counter() - start


def source_hash(nb: nbformat.NotebookNode, extra: str = "") -> str:
    """A key for cached outputs: the code cells, deepnum's sources and ``extra``."""
    digest = hashlib.sha256()
    for source in code_cells(nb):
        digest.update(source.encode() + b"\0")
    for path in sorted((ROOT / "deepnum").rglob("*.py")):
        digest.update(path.read_bytes())
    digest.update(extra.encode())
    return digest.hexdigest()[:20]


def copy_outputs(executed: nbformat.NotebookNode, target: nbformat.NotebookNode) -> None:
    """Give ``target``'s code cells the outputs of ``executed``'s (their code must be equal)."""
    ran = [cell for cell in executed.cells if cell.cell_type == "code"]
    mine = [cell for cell in target.cells if cell.cell_type == "code"]
    if [c.source for c in ran] != [c.source for c in mine]:
        raise ValueError("the two notebooks' code cells differ; run the language check")
    for src, dst in zip(ran, mine):
        dst.outputs = src.outputs
        dst.execution_count = src.execution_count
