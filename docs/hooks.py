"""MkDocs hooks of the documentation site (see mkdocs.yml).

- ``on_config``: the navigation comes from ``nav.yml``, which ``docs/build_site.py`` writes
  beside the staged pages (the tutorials and API pages it found).
- ``on_files``: notebooks stay pages after the i18n plugin has rebuilt the file list.
- ``on_files`` / ``on_nav``: the API reference is generated from English docstrings and built
  once, with the English site; the other languages' navigation links to it instead of
  rendering every docstring a second time.
- ``on_page_context``: on a reference page the language selector leads to the other
  languages' home pages.
- ``on_post_page``: the ``<link rel="alternate">`` tags of the languages are removed (see
  ``_ALTERNATE_LINK``).
- ``on_page_content``: notebooks rendered by mkdocs-jupyter load MathJax from a CDN; the site
  serves its own copy (``assets/mathjax``), so those script tags are removed and the page
  works offline.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from mkdocs.plugins import event_priority
from mkdocs.structure.nav import Link

REFERENCE_TITLE = "API reference"
REFERENCE_DIR = "en/reference/"

# Material fetches "sitemap.xml" beside each <link rel="alternate"> of a page, expecting
# language roots; the i18n plugin's alternates are pages, so every page would log 404s. The
# language selector itself links each page to its translation without them.
_ALTERNATE_LINK = re.compile(r'<link rel="alternate" href="[^"]*" hreflang="[^"]*">\s*')
_CDN_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)


def _translated_build(config) -> bool:
    """Whether this build is of another language than the default (English) one."""
    i18n = config.plugins.get("i18n")
    language = getattr(i18n, "current_language", None)
    return language is not None and language != getattr(i18n, "default_language", language)


def on_config(config):
    nav_file = Path(config.docs_dir) / "nav.yml"
    if nav_file.exists():
        nav = yaml.safe_load(nav_file.read_text(encoding="utf-8"))
        if _translated_build(config):
            nav = [item for item in nav if REFERENCE_TITLE not in item]
        config.nav = nav
    return config


@event_priority(-200)  # after the i18n plugin (-100), which rebuilds every File
def on_files(files, config):
    if _translated_build(config):
        for file in [f for f in files if f.src_uri.startswith(REFERENCE_DIR)]:
            files.remove(file)
    for file in files:
        # mkdocs-jupyter marks notebooks as pages by wrapping their File; the i18n plugin's
        # copies lose that, and the notebook would be copied to the site as raw JSON.
        if file.src_uri.endswith(".ipynb") and not file.is_documentation_page():
            file.is_documentation_page = _is_page
    return files


def _is_page() -> bool:
    return True


def on_nav(nav, config, files):
    if _translated_build(config):  # relative to the site's root: the English reference
        nav.items.append(Link(REFERENCE_TITLE, "reference/"))
    return nav


def on_page_context(context, page, config, nav):
    # After the i18n plugin (priority 50) has pointed the language selector at this page's
    # translations: the reference has none, so its selector leads to each language's home.
    if page.file.src_uri.startswith(REFERENCE_DIR):
        default = config.plugins["i18n"].default_language
        # The i18n plugin sets the attribute (config.extra.alternate), which templates read.
        for alternate in getattr(config.extra, "alternate", None) or []:
            if alternate.get("lang") != default:
                alternate["link"] = f"{alternate['lang']}/"
    return context


def on_page_content(html, page, config, files):
    if page.file.src_uri.endswith(".ipynb"):
        html = _CDN_MATHJAX.sub("", html)
    return html


def on_post_page(output, page, config):
    return _ALTERNATE_LINK.sub("", output)
