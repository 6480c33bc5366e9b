"""The course directory: where the instructor's ``source/`` and the released ``release/`` notebooks live.

A leaf (standard library only), so that light commands (export, the command line's parser) can
name the assignment and find the course without importing torch.
"""
import os
import pathlib

from autograder.core import kit

ASSIGNMENT = "pooling"                      # the nbgrader assignment: source/pooling/, release/pooling/
# The editions (issue #25): the same graded cells, hidden tests and points in two nbgrader assignments,
# the Chinese one first (the default) and the English one built from it (scripts/build_english_edition.py).
# A class may mix them: each student's folder says which one they did.
EDITIONS = (ASSIGNMENT, "pooling_en")
# The language each edition's students read when the course chose none (issue #25): the Chinese
# edition keeps Chinese with English beside it, the English edition is English only.
EDITION_LANGUAGE = {ASSIGNMENT: "zh+en", "pooling_en": "en"}
COURSE_DIR_ENV = "AUTOGRADER_COURSE_DIR"

# What every student answer cell may rely on: the notebooks' first code cell imports exactly this,
# and the sandboxed child runs it before the answer cells. Only text here: the parent that sends it
# (pipeline.run_suites) needs no torch when a pool or Dask grades.
PREAMBLE = """\
import math
import torch
from torch import nn
import torch.nn.functional as F
"""


def default_course_dir() -> pathlib.Path:
    """The course directory a caller uses when it is given none: ``$AUTOGRADER_COURSE_DIR`` where the
    instructor package is installed from a wheel (Gradescope's run_autograder sets it), else the
    repository this kit is checked out in. Read when called, never at import."""
    return pathlib.Path(os.environ.get(COURSE_DIR_ENV) or kit.ROOT)


def source_dir(course_dir: "str | os.PathLike[str]", assignment: str = ASSIGNMENT) -> pathlib.Path:
    """The assignment's source notebooks (solutions, hidden tests, points) in `course_dir`."""
    return pathlib.Path(course_dir) / "source" / check_edition(assignment)


def release_dir(course_dir: "str | os.PathLike[str]", assignment: str = ASSIGNMENT) -> pathlib.Path:
    """The assignment's released notebooks (what students start from) in `course_dir`."""
    return pathlib.Path(course_dir) / "release" / check_edition(assignment)


def check_edition(assignment):
    """`assignment` itself when it is one of :data:`EDITIONS` (a name never becomes a path unchecked)."""
    if assignment not in EDITIONS:
        raise ValueError(f"未知的作业 / unknown assignment {assignment!r}: use one of {', '.join(EDITIONS)}")
    return assignment


def edition_of(assignment):
    """The edition an nbgrader assignment id names; the default for any other (one course, one set of
    graded cells: nbgrader may call its assignment anything)."""
    return assignment if assignment in EDITIONS else ASSIGNMENT


def editions(course_dir):
    """The editions `course_dir` has source notebooks for, the default first (it is always named,
    so that a course without source/ still says what is missing)."""
    return (ASSIGNMENT,) + tuple(a for a in EDITIONS[1:] if (pathlib.Path(course_dir) / "source" / a).is_dir())


class SourceMissing(FileNotFoundError):
    """The instructor's source notebooks are not where the course directory says: nothing can be graded."""
