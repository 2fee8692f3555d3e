"""Sphinx configuration: MyST Markdown pages, PyData theme, API reference from docstrings.

Build (warnings are errors, as in CI): ``python -m sphinx -W -b html docs docs/_build/html``.
"""

from __future__ import annotations

import importlib.util

import gradarray

project = "gradarray"
author = "gradarray contributors"
copyright = "gradarray contributors"  # noqa: A001  (Sphinx's name)
version = release = gradarray.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "numpydoc",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
# interop_table.md is included into interop.md, not a page of its own.
exclude_patterns = ["_build", "interop_table.md", "Thumbs.db", ".DS_Store"]

# Generated tables (performance.md) go from a page's H2 straight to H4.
suppress_warnings = ["myst.header"]
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "dollarmath"]

autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the signature shows them; numpydoc lists the parameters
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

if importlib.util.find_spec("pydata_sphinx_theme") is not None:
    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navigation_with_keys": False,
        "header_links_before_dropdown": 4,
        "secondary_sidebar_items": ["page-toc"],
        "show_toc_level": 2,
        "footer_start": ["copyright"],
        "footer_end": [],
    }
    html_static_path = ["_static"]
    html_css_files = ["custom.css"]
else:  # the docs still build with Sphinx's default theme
    html_theme = "alabaster"
html_title = f"gradarray {release}"
html_show_sourcelink = False
