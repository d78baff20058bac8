"""The site build's own tools: the API reference covers every public name, and argument lists
that share one description are split for the docstring parser."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from tests.conftest import reference

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_docs_{name}", DOCS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def reference_pages():
    api_pages = _load("api_pages")
    pages = api_pages.collect()
    return api_pages, pages, api_pages.render(pages)


def test_every_public_name_has_an_entry(reference_pages):
    api_pages, pages, rendered = reference_pages
    assert {p.module for p in pages} >= {"deepnum", "deepnum.layers", "deepnum.ops.numpy"}
    for page in pages:
        text = rendered[page.filename]
        rows = set(re.findall(r"^\| \[?`([^`]+)`", text, re.M))
        missing = set(api_pages.public_names(__import__(page.module, fromlist=["_"]))) - rows
        assert not missing, f"{page.module}: no entry for {sorted(missing)[:5]}"


def test_each_object_is_documented_once(reference_pages):
    _, pages, rendered = reference_pages
    documented = [i for text in rendered.values() for i in re.findall(r"^::: (\S+)", text, re.M)]
    assert len(documented) == len(set(documented))
    # Sequential lives on deepnum.models' page; the top-level namespace links there.
    assert "deepnum.models.Sequential" in documented
    assert "(deepnum.models.md#deepnum.models.Sequential)" in rendered["deepnum.md"]


def test_an_alias_links_to_the_objects_own_name(reference_pages):
    _, _, rendered = reference_pages
    text = rendered["deepnum.constraints.md"]
    assert "::: deepnum.constraints.MaxNorm" in text
    assert "::: deepnum.constraints.max_norm" not in text
    assert "| [`max_norm`](deepnum.constraints.md#deepnum.constraints.MaxNorm) |" in text


SPLIT_CASES = [
    # (docstring lines, expected lines after splitting)
    (
        ["Args:", "    a, b: shared.", "    c: own."],
        ["Args:", "    a: shared.", "    b: shared.", "    c: own."],
    ),
    (  # a name list continued on the next line at the same indent
        ["Args:", "    a, b (int),", "    c: as in Dense.", "", "Returns:", "    x."],
        [
            "Args:",
            "    a: as in Dense.",
            "    b (int): as in Dense.",
            "    c: as in Dense.",
            "",
            "Returns:",
            "    x.",
        ],
    ),
    (  # a sentence inside the section moves below it
        [
            "Args:",
            "    a: one.",
            "    Other arguments as in",
            "    ``SimpleRNN``.",
            "",
            "Examples:",
        ],
        ["Args:", "    a: one.", "", "Other arguments as in ``SimpleRNN``.", "", "Examples:"],
    ),
    (  # names without descriptions only: the empty section heading goes
        ["Attributes:", "    labels_, inertia_.", "", "Examples:"],
        ["", "labels_, inertia_.", "", "Examples:"],
    ),
]


@pytest.mark.parametrize(("lines", "expected"), SPLIT_CASES)
def test_split_shared_items(lines, expected):
    reference("griffe")  # mkdocstrings' docstring parser (dev extra)
    split = _load("griffe_deepnum").split_shared_items
    assert split("\n".join(lines)).split("\n") == expected
