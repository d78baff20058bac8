"""The tutorials of docs/tutorials: each English notebook runs without error, the Korean
notebooks share its code cells, and every tutorial ends with exercises in both languages.

The notebooks are found by their ``NN_name.ipynb`` names, so a new tutorial is tested as soon
as it is added. They run with ``DEEPNUM_TUTORIAL_FAST=1`` (smaller data and fewer epochs
where a notebook reads it); the site build (``make docs``) runs them at full size.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from tests.conftest import reference

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "docs" / "tutorials"
NAMES = sorted(p.name for p in (TUTORIALS / "en").glob("[0-9][0-9]_*.ipynb"))
# Seconds per cell: a tutorial must run on a laptop CPU in a minute or two.
CELL_TIMEOUT = 120
EXERCISES = {"en": "Exercises", "ko": "연습 문제"}


def _notebooks():
    """docs/notebooks.py, the module the site build uses to execute and compare notebooks."""
    reference("nbclient")
    reference("ipykernel")
    spec = importlib.util.spec_from_file_location("_docs_notebooks", ROOT / "docs/notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _read(lang: str, name: str):
    nbformat = reference("nbformat")
    path = TUTORIALS / lang / name
    if not path.exists():
        pytest.fail(f"{lang}/{name} is missing: every English tutorial needs a {lang} twin")
    return nbformat.read(path, as_version=4)


def test_tutorials_exist():
    assert NAMES, f"no tutorials found in {TUTORIALS / 'en'}"
    korean = sorted(p.name for p in (TUTORIALS / "ko").glob("[0-9][0-9]_*.ipynb"))
    assert korean == NAMES, f"en and ko differ: {sorted(set(korean) ^ set(NAMES))}"


@pytest.mark.parametrize("name", NAMES)
def test_tutorial_runs(name):
    notebooks = _notebooks()
    nb = notebooks.read(TUTORIALS / "en" / name)
    executed, _ = notebooks.execute(
        nb, timeout=CELL_TIMEOUT, env={"DEEPNUM_TUTORIAL_FAST": "1", "MPLBACKEND": "agg"}
    )
    errors = [
        out
        for cell in executed.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]
    assert not errors, f"{name}: {errors[0].ename}: {errors[0].evalue}"
    assert all(c.execution_count for c in executed.cells if c.cell_type == "code")


@pytest.mark.parametrize("name", NAMES)
def test_korean_code_cells_equal_english(name):
    en, ko = _read("en", name), _read("ko", name)
    code = [[c.source for c in nb.cells if c.cell_type == "code"] for nb in (en, ko)]
    for i, (a, b) in enumerate(zip(*code)):
        assert a == b, f"{name}: code cell {i} differs between en and ko:\n{a}\n---\n{b}"
    assert len(code[0]) == len(code[1]), (
        f"{name}: {len(code[0])} code cells in en, {len(code[1])} in ko"
    )


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("name", NAMES)
def test_tutorial_ends_with_exercises(name, lang):
    nb = _read(lang, name)
    last = nb.cells[-1]
    assert last.cell_type == "markdown", f"{lang}/{name} must end with its exercises, not code"
    headings = [
        (i, line)
        for i, c in enumerate(nb.cells)
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if re.match(r"#{1,3} ", line)
    ]
    assert headings, f"{lang}/{name} has no headings"
    cell, heading = headings[-1]
    assert heading.lstrip("# ").strip() == EXERCISES[lang], (
        f"{lang}/{name}: the last section is {heading!r}, expected '## {EXERCISES[lang]}'"
    )
    after = "\n".join(c.source for c in nb.cells[cell:] if c.cell_type == "markdown")
    after = after.split(heading, 1)[1]
    items = re.findall(r"^\s*(?:\d+\.|[-*]) \S", after, re.M)
    assert len(items) >= 2, f"{lang}/{name}: fewer than two exercises under {heading!r}"


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("name", NAMES)
def test_tutorial_stored_without_outputs(name, lang):
    nb = _read(lang, name)
    stored = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.outputs]
    assert not stored, f"{lang}/{name}: cells {stored} hold outputs; clear them before committing"
