"""The graded functions as the light commands know them: names, notebooks, points, optional.

Torch-free. The command line, ``export``, ``pipeline.source_tests`` and ``pipeline.write_results``
import this, never the exercise records (which define torch references, cases and mistake models).

Derived, not written by hand: every module of ``autograder/exercises/`` that assigns
``EXERCISE = Exercise(...)`` is a record, and the manifest reads that call's literal fields
(``name``, ``notebook``, ``position``, ``points``, ``optional``, ``forbid``) from the module's
source with ``ast`` (nothing is imported or executed). So the manifest cannot drift from the
records, and a new record is in it as soon as its file exists. ``autograder.exercises`` imports the
records in the manifest's order (notebook, then position) and checks that they agree with it.

::

    ENTRIES              every graded function's Entry, in notebook order
    BY_NAME[name]        one Entry
    NAMES, NOTEBOOKS     the names in order; the notebook stems, sorted
    functions_in(nb)     the Entries of one notebook, in order
"""
from __future__ import annotations

import ast
import dataclasses
import pathlib
from typing import Any, Dict, List, Tuple

# The records' folder: a sibling package of this one (autograder/core/ -> autograder/exercises/).
RECORDS_DIR = pathlib.Path(__file__).resolve().parent.parent / "exercises"
RECORD_CLASS = "Exercise"          # the call a record module assigns to EXERCISE
FIELDS = ("name", "notebook", "position", "points", "optional", "forbid")
DEFAULTS = {"optional": False}


class ManifestError(ValueError):
    """A record whose manifest fields cannot be read as literals, or two records that clash."""


class CellIds:
    """The nbgrader cell ids of a graded function called ``name`` (its record and its manifest entry)."""
    name: str

    @property
    def grade_id(self) -> str:
        return f"test_{self.name}"

    @property
    def answer_id(self) -> str:
        return f"answer_{self.name}"


@dataclasses.dataclass(frozen=True)
class Entry(CellIds):
    """What the light commands know of one graded function (its record's literal fields)."""
    name: str
    notebook: str              # notebook stem, e.g. '01_basics'
    position: int              # its place among the notebook's exercises (1, 2, ...)
    points: float
    optional: bool             # bonus points, on top of the required maximum
    forbid: str                # an operator policy of course.forbidden
    module: str                # the record's module, e.g. 'autograder.exercises.pool2d'


def _record_call(tree: ast.Module):
    """The ``Exercise(...)`` call a module assigns to ``EXERCISE`` at top level, or None."""
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "EXERCISE"
                and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                and node.value.func.id == RECORD_CLASS):
            return node.value
    return None


def read_record(path: pathlib.Path, package: str = "autograder.exercises") -> "Entry | None":
    """The Entry of one record module's source, or None when the module is not a record."""
    call = _record_call(ast.parse(path.read_bytes(), filename=str(path)))
    if call is None:
        return None
    values: dict[str, Any] = dict(DEFAULTS)     # literals, checked below
    for kw in call.keywords:
        if kw.arg in FIELDS:
            try:
                values[kw.arg] = ast.literal_eval(kw.value)
            except ValueError:
                raise ManifestError(f"{path}: {kw.arg}= must be a literal (the manifest reads it "
                                    f"without importing the record)") from None
    missing = [f for f in FIELDS if f not in values]
    if missing:
        raise ManifestError(f"{path}: the record does not state {', '.join(missing)}")
    if values["name"] != path.stem:
        raise ManifestError(f"{path}: the record of {values['name']!r} must be in {values['name']}.py")
    return Entry(name=str(values["name"]), notebook=str(values["notebook"]),
                 position=int(values["position"]), points=float(values["points"]),
                 optional=bool(values["optional"]), forbid=str(values["forbid"]),
                 module=f"{package}.{path.stem}")


def read_manifest(folder: pathlib.Path = RECORDS_DIR, package: str = "autograder.exercises") -> Tuple[Entry, ...]:
    """Every record of ``folder``, ordered by notebook then position (one position per slot)."""
    entries = [e for p in sorted(folder.glob("*.py")) if (e := read_record(p, package)) is not None]
    slots: Dict[tuple, str] = {}
    for e in entries:
        other = slots.setdefault((e.notebook, e.position), e.name)
        if other != e.name:
            raise ManifestError(f"{other} and {e.name} both claim position {e.position} of {e.notebook}")
    return tuple(sorted(entries, key=lambda e: (e.notebook, e.position)))


ENTRIES: Tuple[Entry, ...] = read_manifest()
BY_NAME: Dict[str, Entry] = {e.name: e for e in ENTRIES}
NAMES: Tuple[str, ...] = tuple(BY_NAME)
NOTEBOOKS: List[str] = sorted({e.notebook for e in ENTRIES})


def functions_in(notebook: str) -> List[Entry]:
    """The graded functions of one notebook, in notebook order."""
    return [e for e in ENTRIES if e.notebook == notebook]
