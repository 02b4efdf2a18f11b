"""Sphinx configuration for the skcosmo21 documentation."""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.abspath(".."))

import skcosmo21  # noqa: E402

project = "skcosmo21"
author = "skcosmo21 developers"
release = version = skcosmo21.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
templates_path = ["_templates"]
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
html_theme = "pydata_sphinx_theme"
html_title = f"skcosmo21 {version}"
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
intersphinx_mapping = {}  # no network at build time

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
}
