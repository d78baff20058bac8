"""Generate the API reference: one Markdown page per public namespace, rendered by mkdocstrings.

A namespace's public names are its ``__all__`` (or, without one, the names it defines or
re-exports from deepnum that do not start with ``_``); sub-modules listed there get pages of
their own (``deepnum.datasets.mnist``, ``deepnum.applications.resnet``, ...). Each object is
documented once, on the page of its most specific namespace (``Dense`` under
``deepnum.layers``, not under ``deepnum``); every other page that exports it lists it in its
table with a link to that documentation, so every public name has an entry.
"""

from __future__ import annotations

import importlib
import inspect
import re
import types
from dataclasses import dataclass, field

ROOT_PACKAGE = "deepnum"

# The namespaces that get a page, most specific first: an object is documented on the first
# page that exports it. Sub-modules listed in their parent's __all__ are added after it.
NAMESPACES = (
    "deepnum.layers",
    "deepnum.models",
    "deepnum.losses",
    "deepnum.metrics",
    "deepnum.optimizers",
    "deepnum.optimizers.schedules",
    "deepnum.optimizers.legacy",
    "deepnum.callbacks",
    "deepnum.activations",
    "deepnum.initializers",
    "deepnum.regularizers",
    "deepnum.constraints",
    "deepnum.ops.numpy",
    "deepnum.ops.nn",
    "deepnum.ops.linalg",
    "deepnum.ops.image",
    "deepnum.ops.math",
    "deepnum.ops.core",
    "deepnum.ops",
    "deepnum.random",
    "deepnum.backend",
    "deepnum.config",
    "deepnum.tree",
    "deepnum.data",
    "deepnum.datasets",
    "deepnum.utils",
    "deepnum.saving",
    "deepnum.onnx",
    "deepnum.plot",
    "deepnum.cluster",
    "deepnum.decomposition",
    "deepnum.tuners",
    "deepnum.distributed",
    "deepnum.applications",
    "deepnum",
)


@dataclass
class Entry:
    name: str
    obj: object
    kind: str
    summary: str


@dataclass
class Page:
    module: str
    doc: str
    entries: list[Entry] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return f"{self.module}.md"


def public_names(module: types.ModuleType) -> list[str]:
    """The names a user reaches through ``module`` (see the module docstring)."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return sorted(dict.fromkeys(names), key=str.lower)
    found = []
    for name, obj in vars(module).items():
        if name.startswith("_") or isinstance(obj, types.ModuleType):
            continue
        if getattr(obj, "__module__", "").startswith(ROOT_PACKAGE):
            found.append(name)
    return sorted(found, key=str.lower)


def _kind(obj: object) -> str:
    if isinstance(obj, types.ModuleType):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "attribute"


def _summary(obj: object) -> str:
    if _kind(obj) == "attribute":  # a constant is documented by its value
        value = repr(obj)
        value = value if len(value) <= 60 else value[:57] + "..."
        return f"`{value}`".replace("|", "\\|")
    doc = inspect.getdoc(obj) or ""
    first = doc.strip().split("\n\n")[0].replace("\n", " ").strip()
    first = re.sub(r":(?:py:)?[a-z]+:`~?([^`]+)`", r"``\1``", first)  # Sphinx roles read as code
    # A table cell is Markdown: ``layers[0](x)`` would read as a link.
    return first.replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")


def collect() -> list[Page]:
    """The pages in NAMESPACES order, with sub-modules after their parent."""
    order: list[str] = []
    for name in NAMESPACES:
        if name in order:
            continue
        order.append(name)
        module = importlib.import_module(name)
        for sub in public_names(module):
            if isinstance(getattr(module, sub, None), types.ModuleType):
                full = f"{name}.{sub}" if name != ROOT_PACKAGE else f"{ROOT_PACKAGE}.{sub}"
                if full not in NAMESPACES and full not in order:
                    order.append(full)
    pages = []
    for name in order:
        module = importlib.import_module(name)
        page = Page(name, (inspect.getdoc(module) or "").strip())
        for attr in public_names(module):
            obj = getattr(module, attr)
            page.entries.append(Entry(attr, obj, _kind(obj), _summary(obj)))
        pages.append(page)
    return pages


def _owner_key(obj: object) -> object:
    # Constants such as floats and strings are not identities worth sharing between pages.
    return id(obj) if _kind(obj) != "attribute" else None


def render(pages: list[Page]) -> dict[str, str]:
    """Markdown for each page: ``{filename: text}``, plus ``index.md``."""
    owner: dict[int, tuple[Page, str]] = {}
    for page in pages:
        for entry in page.entries:
            key = _owner_key(entry.obj)
            if entry.kind == "module" or key is None:
                continue
            # An alias (max_norm = MaxNorm) links to the object's own name on the same page.
            own_name = getattr(entry.obj, "__name__", None) == entry.name
            if key not in owner or (own_name and owner[key][0] is page):
                owner[key] = (page, entry.name)
    out = {"index.md": _index(pages)}
    for page in pages:
        out[page.filename] = _page(page, owner)
    return out


def _anchor(module: str, name: str) -> str:
    return f"{module}.{name}"


def _page(page: Page, owner: dict[int, tuple[Page, str]]) -> str:
    lines = [f"# `{page.module}`", ""]
    if page.doc:
        lines += [page.doc.split("\n\n")[0], ""]
    if not page.entries:
        return "\n".join(lines)
    lines += ["| name | kind | summary |", "|---|---|---|"]
    own = []
    for entry in page.entries:
        if entry.kind == "attribute":
            lines.append(f"| `{entry.name}` | constant | {entry.summary} |")
            continue
        if entry.kind == "module":
            target = f"{page.module}.{entry.name}.md"
        else:
            home, home_name = owner.get(_owner_key(entry.obj), (page, entry.name))
            target = "#" if home is page and home_name == entry.name else f"{home.filename}"
            anchor = _anchor(home.module, home_name)
            target = f"#{anchor}" if target == "#" else f"{target}#{anchor}"
            if home is page and home_name == entry.name:
                own.append(entry)
        lines.append(f"| [`{entry.name}`]({target}) | {entry.kind} | {entry.summary} |")
    lines.append("")
    for entry in own:
        lines += [f"::: {page.module}.{entry.name}", ""]
    return "\n".join(lines)


def _index(pages: list[Page]) -> str:
    lines = [
        "# API reference",
        "",
        "Every public name of deepnum, namespace by namespace, generated from the docstrings.",
        "",
        "| namespace | names | summary |",
        "|---|---:|---|",
    ]
    for page in pages:
        summary = page.doc.split("\n\n")[0].replace("\n", " ").replace("|", "\\|")
        lines.append(f"| [`{page.module}`]({page.filename}) | {len(page.entries)} | {summary} |")
    return "\n".join(lines) + "\n"
