"""Where the kit's own files are: the one place that names them, so modules can move without their data.

A module never finds a file relative to itself (``Path(__file__).parent / "templates"`` breaks the
day the module moves to another package). It names the file by its path from :data:`ROOT`,
written whole (``kit_file("autograder/report/templates")``), so that ``scripts/relayout.py``, which
rewrites every path it moves, rewrites these too.

A leaf: the standard library only (the light commands import it).
"""
import pathlib

import autograder

PACKAGE = pathlib.Path(autograder.__file__).resolve().parent   # the ``autograder`` package's folder
ROOT = PACKAGE.parent            # the folder holding ``autograder/``: the repository, or site-packages


def kit_file(relpath: str) -> pathlib.Path:
    """A file or folder of the kit by its path from :data:`ROOT`, e.g. ``"autograder/report/templates"``."""
    return ROOT / relpath
