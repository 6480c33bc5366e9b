"""Write the records' points into the source notebooks, where nbgrader reads them.

The record (``autograder/exercises/<name>.py``) is the one place a graded function's points and
optional flag are edited. nbgrader needs them on the notebook's test cell ``test_<name>``, so this
step of ``make regen`` writes them there, in every edition of the assignment (``source/*/``):

* a required exercise: nbgrader's ``points`` are the record's;
* an optional one: nbgrader's ``points`` are 0 and ``{"optional": {"points": P}}`` sits beside
  nbgrader's key (``autograder.core.totals`` says why).

It also checks that each notebook's test cells come in the records' ``position`` order. Only the
metadata of graded test cells changes, and a notebook is written only when it differs (in
nbformat's own layout: sorted keys, one-space indent).

    python -m autograder.exercises.sync_notebooks          # write
    python -m autograder.exercises.sync_notebooks --check  # exit 1 if a notebook disagrees
"""
from __future__ import annotations

import json
import pathlib
import sys
from typing import Iterable, List

from autograder.core import manifest
from autograder.core.course_dir import default_course_dir
from autograder.core.totals import OPTIONAL_KEY


class OrderError(ValueError):
    """A notebook whose test cells are not in the records' position order."""


def _number(points: float):
    """2.0 -> 2 (as the notebooks write whole points), 1.5 stays."""
    return int(points) if float(points).is_integer() else float(points)


def synced(nb: dict, entries: Iterable[manifest.Entry] = manifest.ENTRIES) -> dict:
    """The notebook (a dict of its JSON) with its graded test cells' points set from the records."""
    by_grade_id = {e.grade_id: e for e in entries}
    seen: List[manifest.Entry] = []
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        grading = meta.get("nbgrader", {})
        entry = by_grade_id.get(grading.get("grade_id"))
        if entry is None or not grading.get("grade") or grading.get("solution"):
            continue
        seen.append(entry)
        if entry.optional:
            grading["points"] = 0
            meta[OPTIONAL_KEY] = {"points": _number(entry.points)}
        else:
            grading["points"] = _number(entry.points)
            meta.pop(OPTIONAL_KEY, None)
    for a, b in zip(seen, seen[1:]):
        if a.notebook == b.notebook and a.position > b.position:
            raise OrderError(f"{b.grade_id} comes after {a.grade_id} in its notebook, but its record's "
                             f"position is {b.position} < {a.position}")
    return nb


def render(nb: dict) -> str:
    """A notebook's text as nbformat writes it."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def notebooks(course_dir=None) -> List[pathlib.Path]:
    """Every source notebook of every edition of the assignment (``source/*/*.ipynb``)."""
    root = pathlib.Path(course_dir if course_dir is not None else default_course_dir())
    return sorted(root.glob("source/*/*.ipynb"))


def stale(course_dir=None) -> List[pathlib.Path]:
    """The source notebooks whose points differ from the records'."""
    out = []
    for path in notebooks(course_dir):
        text = path.read_text(encoding="utf-8")
        if render(synced(json.loads(text))) != text:
            out.append(path)
    return out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    paths = stale()
    if "--check" in argv:
        for p in paths:
            print(f"{p}: its points differ from the records': run python -m autograder.exercises.sync_notebooks")
        return 1 if paths else 0
    for p in paths:
        p.write_text(render(synced(json.loads(p.read_text(encoding="utf-8")))), encoding="utf-8")
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
