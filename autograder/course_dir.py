"""The course directory: where the instructor's ``source/`` and the released ``release/`` notebooks live.

A leaf (standard library only), so that light commands (export, the command line's parser) can
name the assignment and find the course without importing torch.
"""
import os
import pathlib

from autograder.core import kit

ASSIGNMENT = "pooling"                      # the nbgrader assignment: source/pooling/, release/pooling/
COURSE_DIR_ENV = "AUTOGRADER_COURSE_DIR"


def default_course_dir() -> pathlib.Path:
    """The course directory a caller uses when it is given none: ``$AUTOGRADER_COURSE_DIR`` where the
    instructor package is installed from a wheel (Gradescope's run_autograder sets it), else the
    repository this kit is checked out in. Read when called, never at import."""
    return pathlib.Path(os.environ.get(COURSE_DIR_ENV) or kit.ROOT)


def source_dir(course_dir: "str | os.PathLike[str]") -> pathlib.Path:
    """The assignment's source notebooks (solutions, hidden tests, points) in `course_dir`."""
    return pathlib.Path(course_dir) / "source" / ASSIGNMENT


def release_dir(course_dir: "str | os.PathLike[str]") -> pathlib.Path:
    """The assignment's released notebooks (what students start from) in `course_dir`."""
    return pathlib.Path(course_dir) / "release" / ASSIGNMENT


class SourceMissing(FileNotFoundError):
    """The instructor's source notebooks are not where the course directory says: nothing can be graded."""
