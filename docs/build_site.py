"""Build the documentation site: ``python docs/build_site.py`` (``make docs`` runs it).

1. Execute the English tutorials (two kernels at a time; outputs are cached in
   ``build/docs_cache`` under a key of their code and deepnum's sources) and give each Korean
   notebook the outputs of its English twin, whose code cells it must share.
2. Stage everything MkDocs reads into ``build/docs_src/<lang>/`` (the layout the i18n plugin
   expects): the tutorials, the guide (``docs/guide/<lang>/``; the English guide also takes
   ``docs/architecture.md``, ``distributed.md``, ``performance.md`` and
   ``keras_compatibility.md``, which stay where the README and the tools write them), the
   generated API reference, and a page for every repository file the prose links to.
3. ``mkdocs build --strict``: any warning (a broken link, an object mkdocstrings cannot find)
   fails the build.

Links are written as repository paths, so that they work on a code host and in Jupyter too
(``../../../deepnum/autodiff/numerical.py``, ``02_gradient_descent.ipynb``,
``../../guide/en/install.md``); staging rewrites each one to its page on the site, and a link
to a file that does not exist fails the build here (MkDocs does not check links inside
notebooks).
"""

from __future__ import annotations

import argparse
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

import nbformat
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import api_pages  # noqa: E402
import notebooks  # noqa: E402

ROOT = notebooks.ROOT
DOCS = ROOT / "docs"
STAGE = ROOT / "build" / "docs_src"
CACHE = ROOT / "build" / "docs_cache"
LANGUAGES = notebooks.LANGUAGES
# English guide pages that live at the top of docs/ (linked from the README, written by tools).
SHARED_GUIDE = ("architecture.md", "distributed.md", "performance.md", "keras_compatibility.md")
MATHJAX_FILES = ("tex-chtml-full.js", "output/chtml/fonts/woff-v2")

# A Markdown link or image, or an HTML <img> (the README uses one).
LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)(\))|(<img\s[^>]*?src=\")([^\"]+)(\")")
# Replaced by the list of the tutorials that exist (docs/guide/*/index.md, tutorials/*/index.md).
TUTORIAL_LIST = "<!-- tutorials -->"
INCLUDE = re.compile(r'^<!-- include (\S+) "([^"]+)"(?: "([^"]+)")? -->$', re.M)


def _link_parts(match: re.Match) -> tuple[str, str, str]:
    """(text before the target, the target, text after) of a LINK match."""
    first = 1 if match.group(2) is not None else 4
    return match.group(first), match.group(first + 1), match.group(first + 2)


class BuildError(Exception):
    """A problem in the documentation's sources: a broken link, differing code cells."""


# --- notebooks ------------------------------------------------------------------------------


def executed_notebooks(jobs: int, fast: bool, timeout: float) -> dict[str, nbformat.NotebookNode]:
    """``{name: executed English notebook}``, from the cache or by running them."""
    CACHE.mkdir(parents=True, exist_ok=True)
    env = {"DEEPNUM_TUTORIAL_FAST": "1"} if fast else {}
    if jobs > 1:  # each kernel gets its share of the cores
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    todo, done = [], {}
    for path in notebooks.tutorial_paths("en"):
        nb = notebooks.read(path)
        cached = CACHE / f"{path.stem}-{notebooks.source_hash(nb, str(fast))}.ipynb"
        if cached.exists():
            done[path.stem] = notebooks.read(cached)
        else:
            todo.append((path, nb, cached))

    def run(item):
        path, nb, cached = item
        executed, seconds = notebooks.execute(nb, timeout=timeout, env=env)
        for stale in CACHE.glob(f"{path.stem}-*.ipynb"):
            stale.unlink()
        nbformat.write(executed, cached)
        print(f"  executed {path.name} in {seconds:.1f} s", flush=True)
        return path.stem, executed

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for name, executed in pool.map(run, todo):
            done[name] = executed
    return done


def check_languages() -> None:
    """Every tutorial exists in every language with the same code cells."""
    names = {lang: {p.name for p in notebooks.tutorial_paths(lang)} for lang in LANGUAGES}
    for lang in LANGUAGES[1:]:
        if names[lang] != names["en"]:
            raise BuildError(f"tutorials differ between en and {lang}: {names['en'] ^ names[lang]}")
    for name in sorted(names["en"]):
        en = notebooks.code_cells(notebooks.read(notebooks.TUTORIALS / "en" / name))
        for lang in LANGUAGES[1:]:
            other = notebooks.code_cells(notebooks.read(notebooks.TUTORIALS / lang / name))
            if other != en:
                raise BuildError(f"{lang}/{name}: its code cells differ from en/{name}")


# --- links ----------------------------------------------------------------------------------


class Stage:
    """Where each repository file lands in the staged docs, and the links between them."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}  # repository path -> staged path
        self.sources: set[str] = set()  # repository files that get a source page

    def staged(self, repo_path: str, lang: str) -> str | None:
        return self.pages.get(_other_language(repo_path, lang)) or self.pages.get(repo_path)

    def rewrite(self, text: str, repo_path: str, staged_path: str, lang: str, urls: bool) -> str:
        """Rewrite the relative links of ``text`` (from ``repo_path``) for ``staged_path``.

        With ``urls`` (notebooks, which MkDocs does not process) the result is the final URL
        relative to the page; otherwise a path to the staged file, which MkDocs checks.
        """

        def replace(match: re.Match) -> str:
            before, target, after = _link_parts(match)
            if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", target):
                return match.group(0)
            path, _, anchor = target.partition("#")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(repo_path), path))
            dest = self.staged(resolved, lang)
            if dest is None:
                if not (ROOT / resolved).is_file():
                    raise BuildError(f"{repo_path}: link to a missing file: {target}")
                dest = self.source_page(resolved)
            # MkDocs leaves HTML alone: an <img> gets its final URL.
            new = _relative(staged_path, dest, urls or before.startswith("<img"))
            return f"{before}{new}{'#' + anchor if anchor else ''}{after}"

        return LINK.sub(replace, text)

    def source_page(self, repo_path: str) -> str:
        if repo_path.endswith((".png", ".svg", ".jpg")):
            self.sources.add(repo_path)
            return f"assets/files/{repo_path}"
        self.sources.add(repo_path)
        return f"source/{repo_path}.md"


def _other_language(repo_path: str, lang: str) -> str:
    # A page links to its own language's version of another page, whichever file it names.
    for other in LANGUAGES:
        repo_path = repo_path.replace(f"/{other}/", f"/{lang}/")
    return repo_path


def _url(staged_path: str) -> str:
    path = PurePosixPath(staged_path)
    if path.suffix in (".md", ".ipynb"):
        return str(path.parent) + "/" if path.stem == "index" else str(path.with_suffix("")) + "/"
    return staged_path


def _relative(from_staged: str, to_staged: str, urls: bool) -> str:
    if not urls:
        return posixpath.relpath(to_staged, posixpath.dirname(from_staged))
    start = _url(from_staged)
    rel = posixpath.relpath(_url(to_staged), start.rstrip("/") or ".")
    return rel + ("/" if _url(to_staged).endswith("/") and not rel.endswith("/") else "")


# --- staging --------------------------------------------------------------------------------


def _markdown_pages(lang: str) -> dict[str, str]:
    """``{repository path: staged path}`` of one language's Markdown pages."""
    pages = {}
    for path in sorted((DOCS / "guide" / lang).glob("*.md")):
        name = "index.md" if path.name == "index.md" else f"guide/{path.name}"
        pages[f"docs/guide/{lang}/{path.name}"] = f"{lang}/{name}"
    if lang == "en":
        for name in SHARED_GUIDE:
            pages.setdefault(f"docs/{name}", f"en/guide/{name}")
    if (DOCS / "tutorials" / lang / "index.md").exists():
        pages[f"docs/tutorials/{lang}/index.md"] = f"{lang}/tutorials/index.md"
    return pages


def _expand_includes(text: str, repo_path: str) -> str:
    """``<!-- include FILE "## From" ["## To"] -->``: FILE's lines from one heading on."""

    def replace(match: re.Match) -> str:
        source = posixpath.normpath(posixpath.join(posixpath.dirname(repo_path), match.group(1)))
        lines = (ROOT / source).read_text(encoding="utf-8").splitlines()
        try:
            start = lines.index(match.group(2))
            end = lines.index(match.group(3), start) if match.group(3) else len(lines)
        except ValueError as err:
            raise BuildError(f"{repo_path}: {match.group(0)}: heading not found") from err

        def relink(link: re.Match) -> str:  # relative to FILE -> relative to repo_path
            before, target, after = _link_parts(link)
            if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", target):
                return link.group(0)
            path = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
            new = posixpath.relpath(path, posixpath.dirname(repo_path))
            return f"{before}{new}{after}"

        return LINK.sub(relink, "\n".join(lines[start:end]))

    return INCLUDE.sub(replace, text)


def _title(nb: nbformat.NotebookNode, default: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return default


def _tutorial_list(repo_path: str, lang: str) -> str:
    """The list of one language's tutorials, linked from ``repo_path``."""
    items = []
    for path in notebooks.tutorial_paths(lang):
        link = posixpath.relpath(f"docs/tutorials/{lang}/{path.name}", posixpath.dirname(repo_path))
        items.append(f"- [{_title(notebooks.read(path), path.stem)}]({link})")
    return "\n".join(items)


def stage(executed: dict[str, nbformat.NotebookNode]) -> Stage:
    """Write build/docs_src (see the module docstring); return the link map it used."""
    shutil.rmtree(STAGE, ignore_errors=True)
    st = Stage()
    for lang in LANGUAGES:
        for path in notebooks.tutorial_paths(lang):
            st.pages[f"docs/tutorials/{lang}/{path.name}"] = f"{lang}/tutorials/{path.name}"
        st.pages.update(_markdown_pages(lang))

    for lang in LANGUAGES:
        for path in notebooks.tutorial_paths(lang):
            nb = notebooks.read(path)
            if path.stem in executed:
                notebooks.copy_outputs(executed[path.stem], nb)
            repo = f"docs/tutorials/{lang}/{path.name}"
            staged = st.pages[repo]
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    cell.source = st.rewrite(cell.source, repo, staged, lang, urls=True)
            (STAGE / staged).parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, STAGE / staged)
        for repo, staged in _markdown_pages(lang).items():
            text = _expand_includes((ROOT / repo).read_text(encoding="utf-8"), repo)
            text = text.replace(TUTORIAL_LIST, _tutorial_list(repo, lang))
            text = st.rewrite(text, repo, staged, lang, urls=False)
            (STAGE / staged).parent.mkdir(parents=True, exist_ok=True)
            (STAGE / staged).write_text(text, encoding="utf-8")

    reference = STAGE / "en" / "reference"
    reference.mkdir(parents=True)
    for name, text in api_pages.render(api_pages.collect()).items():
        (reference / name).write_text(text, encoding="utf-8")

    _write_sources(st)
    _copy_assets()
    _write_nav(sorted(api_pages_names(reference)))
    return st


def api_pages_names(reference: Path) -> list[str]:
    return [p.name for p in reference.glob("*.md") if p.name != "index.md"]


GUIDE_ORDER = (
    "install.md",
    "keras.md",
    "saving.md",
    "distributed.md",
    "gpu.md",
    "performance.md",
    "architecture.md",
    "keras_compatibility.md",
)


def _write_nav(reference_pages: list[str]) -> None:
    """nav.yml, read by docs/hooks.py: paths inside a language folder, titles from the pages."""
    guide = sorted(
        (p.name for p in (STAGE / "en" / "guide").glob("*.md")),
        key=lambda name: (GUIDE_ORDER.index(name) if name in GUIDE_ORDER else 99, name),
    )
    tutorials = [p.name for p in notebooks.tutorial_paths("en")]
    nav = [
        {"Home": "index.md"},
        {"Tutorials": ["tutorials/index.md"] + [f"tutorials/{n}" for n in tutorials]},
        {"User guide": [f"guide/{n}" for n in guide]},
        {"API reference": ["reference/index.md"] + [f"reference/{n}" for n in reference_pages]},
    ]
    (STAGE / "nav.yml").write_text(yaml.safe_dump(nav, sort_keys=False), encoding="utf-8")


def _write_sources(st: Stage) -> None:
    for repo_path in sorted(st.sources):
        if repo_path.endswith((".png", ".svg", ".jpg")):
            target = STAGE / "assets" / "files" / repo_path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / repo_path, target)
            continue
        language = {".py": "python", ".toml": "toml", ".yml": "yaml", ".md": "markdown"}.get(
            PurePosixPath(repo_path).suffix, "text"
        )
        code = (ROOT / repo_path).read_text(encoding="utf-8")
        fence = "````" if "```" in code else "```"
        text = f'# `{repo_path}`\n\n{fence}{language} linenums="1"\n{code}\n{fence}\n'
        target = STAGE / "source" / f"{repo_path}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _copy_assets() -> None:
    shutil.copytree(DOCS / "assets", STAGE / "assets", dirs_exist_ok=True)
    import mathjax  # django-static-mathjax: MathJax 3's files, served by the site itself

    source = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    for name in MATHJAX_FILES:
        src, dst = source / name, STAGE / "assets" / "mathjax" / name
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)


# --- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="kernels run at once (default 2)")
    parser.add_argument("--fast", action="store_true", help="DEEPNUM_TUTORIAL_FAST=1 runs")
    parser.add_argument("--no-execute", action="store_true", help="render without outputs")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per cell")
    parser.add_argument("--stage-only", action="store_true", help="stop before mkdocs")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    try:
        check_languages()
        executed = {}
        if not args.no_execute:
            print("Executing the tutorials ...", flush=True)
            executed = executed_notebooks(args.jobs, args.fast, args.timeout)
        stage(executed)
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"Staged in {time.perf_counter() - start:.1f} s", flush=True)
    if args.stage_only:
        return 0
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml")]
    code = subprocess.call(command, cwd=ROOT, env=env)
    print(f"Built the site in {time.perf_counter() - start:.1f} s (exit status {code})")
    return code


if __name__ == "__main__":
    sys.exit(main())
