"""A griffe extension for the API reference: argument lists that share one description.

deepnum's docstrings often document several arguments at once, as Keras's do::

    Args:
        monitor, mode: the log watched by ``save_best_only``.
        include_top, weights, input_tensor,
            input_shape, pooling: as in :func:`ResNet50`.

Google-style parsers expect one name per item, so griffe would drop these items with a
warning. Before parsing, each such item becomes one item per name with the shared
description, and the reference lists every argument. Sphinx roles (``:func:`name```) become
code spans.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

SECTIONS = re.compile(
    r"^(\s*)(Args|Arguments|Parameters|Keyword Args|Attributes|Other Parameters):\s*$"
)
NAME = r"\*{0,2}[A-Za-z_][A-Za-z0-9_]*(?: \([^)]*\))?"
SHARED = re.compile(rf"^({NAME}(?:, {NAME})+),?$")
ITEM_START = re.compile(rf"^{NAME}:")
# Sphinx roles (:func:`x`, :class:`~a.B`) read as code in Markdown.
ROLE = re.compile(r":(?:py:)?(?:func|class|meth|data|attr|mod|obj|exc|const):`~?([^`]+)`")


EXAMPLE = re.compile(r"^(\s*)Example:\s*$", re.M)


def split_shared_items(text: str) -> str:
    """Return ``text`` with each ``a, b, c: description`` item written once per name.

    A line of an argument section that is not an item (``Others as in Conv2D.``, a list of
    names without descriptions) is moved below the section as a paragraph.
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = SECTIONS.match(lines[i])
        out.append(lines[i])
        i += 1
        if not match:
            continue
        section_indent = len(match.group(1))
        item_indent = None
        notes: list[str] = []
        header_at, items_before = len(out) - 1, len(out)
        while i < len(lines):
            line = lines[i]
            indent = len(line) - len(line.lstrip())
            if line.strip() and indent <= section_indent:
                break
            if not line.strip() or (item_indent is not None and indent > item_indent):
                out.append(line)
                i += 1
                continue
            item_indent = indent if item_indent is None else item_indent
            i = _item(lines, i, item_indent, out, notes)
        if notes:
            while out and not out[-1].strip():
                out.pop()
            if len(out) == items_before:  # only notes: the section heading goes too
                del out[header_at]
            out += ["", " " * section_indent + " ".join(notes), ""]
    return "\n".join(out)


def _item(lines: list[str], i: int, indent: int, out: list[str], notes: list[str]) -> int:
    """Copy, split or move to ``notes`` the item at ``lines[i]``; return the next index."""
    header, j = lines[i].strip(), i + 1
    # A name list may continue on the next lines (deeper or at the same indent) before its colon.
    while ":" not in header and header.endswith(",") and j < len(lines) and lines[j].strip():
        following = lines[j]
        if len(following) - len(following.lstrip()) < indent:
            break
        header, j = f"{header} {following.strip()}", j + 1
    names, colon, description = header.partition(":")
    if not colon:  # not an item: a sentence, or names without descriptions
        note = [header]
        while j < len(lines) and lines[j].strip():
            following = lines[j]
            deeper = len(following) - len(following.lstrip()) > indent
            if not deeper and (ITEM_START.match(following.strip()) or ":" in following):
                break
            note.append(following.strip())
            j += 1
        notes.append(" ".join(note))
        return j
    match = SHARED.match(names.strip())
    if not match:
        out.extend(lines[i:j])
        return j
    body: list[str] = []
    k = j
    while k < len(lines) and (
        not lines[k].strip() or len(lines[k]) - len(lines[k].lstrip()) > indent
    ):
        body.append(lines[k])
        k += 1
    while body and not body[-1].strip():
        body.pop()
    k = j + len(body)
    for name in re.split(r", (?![^(]*\))", match.group(1)):
        out.append(f"{' ' * indent}{name}:{description}")
        out.extend(body)
    return k


class SharedArguments(griffe.Extension):
    """Split shared argument items before griffe parses the docstrings."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            text = ROLE.sub(r"`\1`", obj.docstring.value)
            # "Example:" (singular) is an admonition to griffe; "Examples:" renders doctests.
            text = EXAMPLE.sub(r"\1Examples:", text)
            obj.docstring.value = split_shared_items(text)
