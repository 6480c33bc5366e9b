"""The assignment's totals, defined once: what counts, out of what, and what is optional.

Every output that shows a sum or a maximum (the command line's table, the feedback pages,
results.json, the report and report_students.csv, ``export --to csv|canvas``, nbgrader's
gradebook) asks this module, so they cannot disagree.

::

    scheme(course_dir)      the assignment's grade cells, read from source/<assignment>/*.ipynb
    Totals.of(rows, scheme, written)  one student's Totals: autograded rows (results.Row, or
                            anything with notebook, grade_id, points, max_points), and the points a
                            person gave written answers when known (nbgrader's gradebook). THE
                            one place points are summed: every consumer calls it.
    Totals.maxima_of(scheme), Scheme.maxima  the assignment's maxima (Points Possible, max_total)
    Totals                  earned and possible points, required and optional apart

**Where "optional" is stated.** In the instructor's source notebook, on the grade cell itself:
cell metadata ``{"optional": {"points": P}}`` beside nbgrader's own ``nbgrader`` key (nbgrader
removes unknown keys from *its* metadata, never a sibling key; ``generate_assignment`` keeps it,
so the released cell says it too), with nbgrader's ``points`` 0: to nbgrader the cell is worth
nothing (its maxima and checksums are computed from that), and its P points come as extra credit.
A required cell's points are nbgrader's ``points``.
A grade cell that is a ``solution`` too is a written answer a person grades; any other is autograded.

**What optional means.** Optional points never enlarge a denominator: the maximum of an output is
the *required* points only (``Totals.possible``); optional points are earned on top of it
(``Totals.earned`` may exceed ``Totals.possible``). In nbgrader's gradebook an optional cell is worth
0 and its points are ``extra_credit``; in results.json an optional test has ``max_score`` 0; in the
Canvas file the points go above Points Possible.

A leaf (the standard library and ``course_dir``): the light commands (export, the parser) use it
without loading torch.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import pathlib
from typing import Iterable, Mapping, Optional

from autograder.core.course_dir import SourceMissing, default_course_dir, source_dir

OPTIONAL_KEY = "optional"       # cell metadata beside nbgrader's: {"optional": {"points": P}}


def _round(x: float) -> float:
    """Sums of 2-decimal points without float noise (0.1 + 0.2 is 0.3 here); -0.0 becomes 0.0."""
    return round(float(x), 4) + 0.0


@dataclasses.dataclass(frozen=True)
class GradeCell:
    """One grade cell of a source notebook."""
    notebook: str
    grade_id: str
    points: float
    written: bool = False        # a written answer a person grades (nbgrader: grade and solution)
    optional: bool = False


@dataclasses.dataclass(frozen=True)
class Totals:
    """One student's points (or an assignment's maxima), required and optional apart.

    ``auto`` / ``written``: earned on required autograded / written cells; ``*_max`` their maxima.
    Written points are earned only where a person's grades are known (nbgrader's gradebook):
    elsewhere they are 0 and the written maxima say what is still to come.
    """
    auto: float = 0.0
    auto_max: float = 0.0
    written: float = 0.0
    written_max: float = 0.0
    optional_auto: float = 0.0
    optional_auto_max: float = 0.0
    optional_written: float = 0.0
    optional_written_max: float = 0.0

    @property
    def required(self) -> float:
        """Earned on required cells."""
        return _round(self.auto + self.written)

    @property
    def possible(self) -> float:
        """The denominator: required points only, autograded and written."""
        return _round(self.auto_max + self.written_max)

    @property
    def optional(self) -> float:
        """Earned on optional cells: on top of ``possible``."""
        return _round(self.optional_auto + self.optional_written)

    @property
    def optional_max(self) -> float:
        return _round(self.optional_auto_max + self.optional_written_max)

    @property
    def earned(self) -> float:
        """Everything earned: required plus optional (may exceed ``possible``)."""
        return _round(self.required + self.optional)

    @property
    def autograded(self) -> float:
        """Earned on autograded cells, required and optional (what grades.csv's points add up to)."""
        return _round(self.auto + self.optional_auto)

    # The only sums of points in the kit (tests/test_totals.py scans for others).

    @classmethod
    def of(cls, rows: Iterable = (), scheme: Optional["Scheme"] = None,
           written: Optional[Mapping] = None) -> "Totals":
        """One student's Totals.

        ``rows``: autograded results (``results.Row``: notebook, grade_id, points, max_points), one
        per test cell, as the grader writes them (a notebook not submitted has its rows too, worth
        0); rows of notebooks outside an ``only`` scheme are left out. ``scheme``: what is optional
        and what is written (None: every row required). The autograded maxima are the rows'
        (``max_points``: the cell's points when graded), so a table and the pages made from it
        agree; a row of a cell the scheme does not know (a grades.csv made from other source
        notebooks) counts as required. ``written``: (notebook, grade_id) -> the points a person gave
        a written answer (nbgrader's gradebook), when known; the written maxima are the scheme's.
        """
        scheme = scheme if scheme is not None else Scheme()
        sums = {f.name: 0.0 for f in dataclasses.fields(cls)}
        for c in scheme.cells:
            if c.written:
                sums[_field(c) + "_max"] += c.points
        for r in rows:
            if scheme.scope is not None and r.notebook not in scheme.scope:
                continue
            c = scheme.cell(r.notebook, r.grade_id)
            if c is not None and c.written:
                continue                    # a written answer's points are a person's (``written``)
            key = "optional_auto" if c is not None and c.optional else "auto"
            sums[key] += float(r.points)
            sums[key + "_max"] += float(r.max_points)
        for (notebook, grade_id), points in (written or {}).items():
            c = scheme.cell(notebook, grade_id)
            if c is not None and c.written:
                sums[_field(c)] += float(points)
        return cls(**{k: _round(v) for k, v in sums.items()})

    @classmethod
    def maxima_of(cls, scheme: "Scheme") -> "Totals":
        """An assignment's maxima (every earned field 0), from its cells: Canvas's Points Possible,
        the export's ``max_total``, nbgrader's maximum."""
        sums = {f.name: 0.0 for f in dataclasses.fields(cls)}
        for c in scheme.cells:
            sums[_field(c) + "_max"] += c.points
        return cls(**{k: _round(v) for k, v in sums.items()})


@dataclasses.dataclass(frozen=True)
class Scheme:
    """The assignment's grade cells; the one place that says what is optional and sums points."""
    cells: tuple = ()                   # of GradeCell, in notebook then cell order
    scope: Optional[frozenset] = None   # notebooks counted (``only``); None: every notebook

    @functools.cached_property
    def _by_id(self) -> dict:
        return {(c.notebook, c.grade_id): c for c in self.cells}

    @property
    def notebooks(self) -> list:
        return sorted({c.notebook for c in self.cells})

    def cell(self, notebook: str, grade_id: str) -> Optional[GradeCell]:
        return self._by_id.get((notebook, grade_id))

    def is_optional(self, notebook: str, grade_id: str) -> bool:
        """Whether this grade cell's points are optional (on top of the required maximum)."""
        c = self.cell(notebook, grade_id)
        return bool(c and c.optional)

    def only(self, notebooks: Iterable[str]) -> "Scheme":
        """The same assignment restricted to some notebooks (a feedback page; a learner's one notebook)."""
        keep = frozenset(notebooks)
        return Scheme(tuple(c for c in self.cells if c.notebook in keep), keep)

    @property
    def maxima(self) -> Totals:
        """The assignment's maxima (``Totals.maxima_of``)."""
        return Totals.maxima_of(self)

def _field(cell: GradeCell) -> str:
    """The Totals field a cell's points go to: auto, written, optional_auto or optional_written."""
    return ("optional_" if cell.optional else "") + ("written" if cell.written else "auto")


def is_optional_cell(cell: dict) -> bool:
    """Whether a source notebook's cell (a dict of the notebook's JSON) is marked optional:
    ``{"optional": {"points": P}}`` (or ``{"optional": true}``, worth nbgrader's points)."""
    meta = cell.get("metadata", {}).get(OPTIONAL_KEY)
    return meta is True or isinstance(meta, dict)


def points_of(cell: dict) -> float:
    """A source grade cell's points. An optional cell is worth 0 to nbgrader (its ``points``: so
    nbgrader's own maxima, checksums and gradebook leave it out of every denominator) and says
    its points beside: ``{"optional": {"points": P}}``."""
    meta = cell.get("metadata", {}).get(OPTIONAL_KEY)
    if isinstance(meta, dict) and "points" in meta:
        return float(meta["points"])
    return float(cell.get("metadata", {}).get("nbgrader", {}).get("points", 0))


def read_cells(path: pathlib.Path, notebook: str) -> list:
    """The grade cells of one source notebook."""
    nb = json.loads(pathlib.Path(path).read_bytes())
    out = []
    for cell in nb.get("cells", []):
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if not grading.get("grade"):
            continue
        out.append(GradeCell(notebook, str(grading["grade_id"]), points_of(cell),
                             written=bool(grading.get("solution")), optional=is_optional_cell(cell)))
    return out


@functools.lru_cache(maxsize=8)
def _scheme(folder: pathlib.Path, stamp: tuple) -> Scheme:
    return Scheme(tuple(c for p in sorted(folder.glob("*.ipynb")) for c in read_cells(p, p.stem)))


def scheme(course_dir=None) -> Scheme:
    """The assignment's Scheme from ``<course_dir>/source/<assignment>/*.ipynb`` (default: the
    course directory ``course_dir.default_course_dir`` names). Read again when a notebook changes.
    ``SourceMissing`` when there is no source folder: points are never guessed."""
    folder = source_dir(course_dir if course_dir is not None else default_course_dir()).resolve()
    if not folder.is_dir():
        raise SourceMissing(f"找不到教师的源 notebook：{folder} / the instructor's source notebooks are missing: {folder}")
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.ipynb")))
    return _scheme(folder, stamp)
