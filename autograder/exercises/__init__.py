"""The assignment's graded functions: one ``Exercise`` record each, in notebook order.

Each record module here (``<name>.py``, assigning ``EXERCISE = Exercise(...)``) holds one graded
function whole: its torch reference, notebook and position, points and optional flag, operator
rule, case generator, property groups, mistake models and the messages only its mistakes name.
Beside them: ``record`` (the types), ``windows`` (the window arguments' conventions), ``draw``
(seeded draws), ``families`` (cases and groups shared by the window and backward families),
``transforms`` (mistakes shared by several exercises, written once as transformations of a
reference) and ``sync_notebooks`` (writes the records' points into the source notebooks).

The records are found by the torch-free manifest (``autograder.core.manifest``), which reads
their literal fields, and imported here in its order: no list to keep up to date. Adding an
exercise is ``docs/architecture.md``'s "Adding an exercise".
"""
import importlib

from autograder.core import manifest
from autograder.core.course_dir import ASSIGNMENT, PREAMBLE  # noqa: F401  (the assignment; its answers' preamble)
from autograder.exercises.draw import Gen
from autograder.exercises.record import Case, Exercise, Mistake  # noqa: F401  (the record types)


def _load(entry: manifest.Entry) -> Exercise:
    """The record the manifest found, imported by its module name; it must say what the manifest read."""
    record = importlib.import_module(entry.module).EXERCISE
    seen = {f: getattr(record, f) for f in manifest.FIELDS}
    if seen != {f: getattr(entry, f) for f in manifest.FIELDS}:
        raise manifest.ManifestError(f"{entry.module}: the record ({seen}) disagrees with its manifest entry {entry}")
    return record


EXERCISES = [_load(e) for e in manifest.ENTRIES]
BY_NAME = {e.name: e for e in EXERCISES}
NOTEBOOKS = sorted({e.notebook for e in EXERCISES})


def functions_in(notebook: str) -> list:
    """The exercises of one notebook, in notebook order."""
    return [e for e in EXERCISES if e.notebook == notebook]


def make_cases(name: str, seed: int = 0) -> list[Case]:
    """All cases of graded function ``name`` for this seed (deterministic)."""
    return BY_NAME[name].cases(Gen(name, seed))
