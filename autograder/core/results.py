"""The typed results of grading: what a grader finds, and how each part writes itself out.

::

    Row             one graded function of one notebook of one student (a grades.csv row, plus
                    the feedback text and the suite's FunctionResult for results.json and the pages)
    FunctionResult  what one hidden suite found (``autograder.grading.suites.run_suite``), GroupResult its groups
    AnswerCell      a submitted answer cell (``autograder.core.cells``)
    ManualRow       one written-answer cell awaiting a person (a manual.csv row)
    SubmissionResult  one student's rows, manual rows, answer cells and timings (a line of results.jsonl)
    Status          passed | failed | error | timeout | invalid

Each converts itself: ``Row.to_csv()`` / ``Row.from_csv(cells)``, ``Row.to_gradescope()``
(one results.json test), ``SubmissionResult.to_gradescope(scheme)`` (the whole results.json; what
counts is ``autograder.core.totals``),
``to_dict()`` / ``from_dict()`` for JSON (the cache, Dask, results.jsonl): they round-trip exactly.
The CSV columns are the dataclass fields, declared once here: ``GRADES_COLUMNS`` and
``MANUAL_COLUMNS`` (a field with ``metadata={"csv": False}`` travels with the row but is no column).

Fields are typed: a Row's ``status`` is a ``Status``, ``groups_failed`` a tuple, ``flags`` a
frozenset, ``grader_error`` a bool, ``result`` a ``FunctionResult``. Strings are made only when a
row is written out (``to_csv``, ``to_gradescope``, the pages) and read back only in ``from_csv``.

A leaf module: it imports only other leaves (``core.cells``; ``totals`` inside
``to_gradescope``), so the report and the export read the tables without torch. Results are frozen; a changed result is a ``dataclasses.replace``.
"""
import dataclasses
import enum
import math
from typing import Mapping, Optional

from autograder.core.cells import AnswerCell
from course.language import Text as T


class Status(enum.StrEnum):
    """A row's status; a ``str``, so files keep the same bytes ("passed", ...)."""
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"            # the student's code raised, or the grader could not grade
    TIMEOUT = "timeout"
    INVALID = "invalid"        # the notebook could not be read (or was not submitted)


# Every row the grader itself failed on (``Row.grader_error``) starts its message with this, so a
# person reading grades.csv sees it; the kit counts them by the flag, apart from the students' own
# errors (summary line, run.json, report). Only ``Row.from_csv`` reads the prefix back.
GRADER_ERROR = "评分器错误 / grader error"

REVIEW_PREFIX = "review:"   # a flag for a person: the operator rule could not be checked here

WRITTEN_ANSWERS_NOTE = T("人工评分的书面回答另计", "written answers are graded by a person")

_NOT_IN_CSV = {"csv": False}          # field metadata: travels with the row, is not a table column


def _number(cells, name, default=None):
    """A finite float from a CSV cell; ValueError naming the column otherwise."""
    text = cells.get(name)
    if (text is None or text == "") and default is not None:
        return default
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: not a number: {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name}: not a finite number: {text!r}")
    return value


def _text(cells, name):
    value = cells.get(name)
    return "" if value is None else str(value)


def _truthy(value):
    return value is True or str(value).strip().lower() in {"1", "true", "yes", "y", "t"}


@dataclasses.dataclass(frozen=True)
class GroupResult:
    """One property group of a suite: its weight, whether it passed, its cases."""
    name: str
    weight: float
    passed: bool
    n_cases: int
    n_failed: int

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping) -> "GroupResult":
        return cls(**{f.name: d[f.name] for f in dataclasses.fields(cls)})


@dataclasses.dataclass(frozen=True)
class FunctionResult:
    """What one graded function's hidden suite found (``autograder.grading.suites.run_suite``)."""
    name: str
    points: float
    max_points: float
    score: float                  # 0..1, weighted share of groups passed
    status: Status                # passed | failed | error | timeout
    message: str                  # short, zh / en
    feedback: str                 # longer: groups, smallest failing case, hint
    misconception: Optional[str] = None   # an id of course.messages.CATALOG, or None
    groups: list = dataclasses.field(default_factory=list)      # of GroupResult, in the suite's order
    behaviour: Optional[dict] = None      # hashes of the outputs, for the integrity report (integrity.behaviour)
    misconceptions: list = dataclasses.field(default_factory=list)   # every independent fault named, primary first
    picture: Optional[dict] = None        # the shown failing case as small grids (course.picture.case_picture)

    def __post_init__(self):
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "groups", [g if isinstance(g, GroupResult) else GroupResult.from_dict(g)
                                            for g in self.groups])
        object.__setattr__(self, "misconceptions", list(self.misconceptions))

    @property
    def groups_failed(self) -> list:
        return [g.name for g in self.groups if not g.passed]

    def to_dict(self) -> dict:
        """JSON-able, keys in field order (results.json's ``extra_data`` keeps its bytes)."""
        d = dataclasses.asdict(self)
        d["status"] = self.status.value
        return d

    @classmethod
    def from_dict(cls, d: Mapping) -> "FunctionResult":
        """The result ``to_dict`` gave; KeyError / TypeError / ValueError when `d` is not one."""
        return cls(**{f.name: d[f.name] for f in dataclasses.fields(cls) if f.name in d})


def _strings(value, what) -> tuple:
    if isinstance(value, str):
        raise TypeError(f"Row.{what} is a collection of names, not a string: {value!r}")
    return tuple(str(v) for v in value)


@dataclasses.dataclass(frozen=True)
class Row:
    """One (student, notebook, test cell): the grades.csv columns, then what the pages need."""
    student_id: str
    assignment: str
    notebook: str
    grade_id: str
    points: float = 0.0
    max_points: float = 0.0
    status: Status = Status.ERROR
    message: str = ""
    misconception: str = ""               # an id from course.feedback, or ""
    groups_failed: tuple = ()             # property-group names, in the suite's order (";"-joined in CSV)
    seconds: float = 0.0
    flags: frozenset = frozenset()        # integrity flags, for a person to look at (review:...); sorted in CSV
    feedback: str = dataclasses.field(default="", metadata=_NOT_IN_CSV)   # long text for the student
    result: Optional[FunctionResult] = dataclasses.field(default=None, metadata=_NOT_IN_CSV)
    grader_error: bool = dataclasses.field(default=False, metadata=_NOT_IN_CSV)   # the grader failed, not the student

    def __post_init__(self):
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "groups_failed", _strings(self.groups_failed, "groups_failed"))
        object.__setattr__(self, "flags", frozenset(_strings(self.flags, "flags")) - {""})
        if isinstance(self.result, Mapping):
            object.__setattr__(self, "result", FunctionResult.from_dict(self.result))
        object.__setattr__(self, "grader_error", bool(self.grader_error))

    @property
    def function(self):
        """``test_pool2d`` -> ``pool2d``."""
        return self.grade_id[len("test_"):] if self.grade_id.startswith("test_") else self.grade_id

    @property
    def reviews(self):
        """The review flags (``review:<construct>@cell<N>:line<L>``): constructs the grader cannot
        prove harmless. The points stand; a person decides (docs/security.md)."""
        return tuple(sorted(f for f in self.flags if f.startswith(REVIEW_PREFIX)))

    @property
    def picture(self):
        """The shown failing case (small JSON grids for course.plots), or None."""
        return self.result.picture if self.result is not None else None

    def as_error(self, why, grader_error=False):
        """The same row as an ``error`` worth 0 with message `why` (no feedback, no result);
        ``grader_error``: the grader's own failure (`why` then starts with ``GRADER_ERROR``)."""
        return dataclasses.replace(self, points=0.0, status=Status.ERROR, message=why, misconception="",
                                   groups_failed=(), feedback="", result=None, grader_error=grader_error)

    def for_tables(self):
        """Only what the class tables keep (no feedback text, no suite details)."""
        return dataclasses.replace(self, feedback="", result=None)

    def to_csv(self):
        """The row's values in ``GRADES_COLUMNS`` order (``csv_text`` makes them formula-safe)."""
        return [_CSV_CELL.get(c, getattr)(self, c) for c in GRADES_COLUMNS]

    @classmethod
    def from_csv(cls, cells):
        """A Row from one grades.csv row as a dict of cells already restored by ``csv_uncell``
        (``report.read_csv``). Missing optional columns take their defaults; a number that is
        not one raises ValueError."""
        return cls(student_id=_text(cells, "student_id"), assignment=_text(cells, "assignment"),
                   notebook=_text(cells, "notebook"), grade_id=_text(cells, "grade_id"),
                   points=_number(cells, "points"), max_points=_number(cells, "max_points"),
                   status=Status(cells.get("status") or Status.ERROR), message=_text(cells, "message"),
                   misconception=_text(cells, "misconception"), groups_failed=_names(cells, "groups_failed"),
                   seconds=_number(cells, "seconds", 0.0), flags=frozenset(_names(cells, "flags")),
                   # the CSV has no column for it: its message says so (the one place a prefix is read)
                   grader_error=cells.get("status") == Status.ERROR and _text(cells, "message").startswith(GRADER_ERROR))

    def to_dict(self):
        """Every field, JSON-able (the cache, Dask's results, results.jsonl)."""
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d.update(status=self.status.value, groups_failed=list(self.groups_failed), flags=sorted(self.flags),
                 result=self.result.to_dict() if self.result is not None else None)
        return d

    @classmethod
    def from_dict(cls, d):
        """The row ``to_dict`` gave; KeyError / TypeError / ValueError when `d` is not one."""
        fields = {f.name: d[f.name] for f in dataclasses.fields(cls) if f.name in d}
        if fields.get("result") is not None:
            fields["result"] = FunctionResult.from_dict(fields["result"])
        return cls(**fields)

    def to_gradescope(self, optional=False):
        """This row as one test of Gradescope's results.json. An ``optional`` test is worth 0
        (``max_score``): its points are extra above the required maximum (``autograder.core.totals``)."""
        extra = self.result.to_dict() if self.result is not None else {"name": self.function, "points": self.points, "max_points": self.max_points,
                                "status": self.status.value, "message": self.message, "misconception": None,
                                "groups": []}
        return {"name": f"{self.notebook}: {self.grade_id}", "score": self.points,
                "max_score": 0.0 if optional else self.max_points,
                "status": "passed" if self.status == Status.PASSED else "failed",
                "output": self.feedback or self.message, "visibility": "visible", "extra_data": extra}


@dataclasses.dataclass(frozen=True)
class ManualRow:
    """One written-answer cell of one student: a person grades it (a manual.csv row)."""
    student_id: str
    assignment: str
    notebook: str
    grade_id: str
    max_points: float
    answered: bool = False

    def to_csv(self):
        """The row's values in ``MANUAL_COLUMNS`` order."""
        return [getattr(self, c) for c in MANUAL_COLUMNS]

    @classmethod
    def from_csv(cls, cells):
        """A ManualRow from one manual.csv row (cells restored by ``csv_uncell``)."""
        return cls(student_id=_text(cells, "student_id"), assignment=_text(cells, "assignment"),
                   notebook=_text(cells, "notebook"), grade_id=_text(cells, "grade_id"),
                   max_points=_number(cells, "max_points"), answered=_truthy(cells.get("answered")))

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d):
        return cls(**{f.name: d[f.name] for f in dataclasses.fields(cls) if f.name in d})


GRADES_COLUMNS = tuple(f.name for f in dataclasses.fields(Row) if f.metadata.get("csv", True))

# How a typed field becomes its CSV cell (others: the value itself); ``from_csv`` reads them back.
_CSV_CELL = {"status": lambda row, c: row.status.value,
             "groups_failed": lambda row, c: ";".join(row.groups_failed),
             "flags": lambda row, c: ";".join(sorted(row.flags))}


def _names(cells, name) -> tuple:
    """A ``;``-joined cell as its names (empty parts dropped)."""
    return tuple(n for n in _text(cells, name).split(";") if n)
MANUAL_COLUMNS = tuple(f.name for f in dataclasses.fields(ManualRow))


def sort_key(row):
    """The order of the class tables: student, notebook, cell."""
    return (row.student_id, row.notebook, row.grade_id)


@dataclasses.dataclass(frozen=True)
class SubmissionResult:
    """One student's graded submission: rows, written-answer cells and how long it took."""
    student_id: str
    rows: tuple = ()                      # of Row
    manual: tuple = ()                    # of ManualRow
    seconds: float = 0.0
    notebook_seconds: dict = dataclasses.field(default_factory=dict)
    sandbox_warnings: tuple = ()          # what the sandbox could not set up on the worker
    worker: Optional[str] = None          # Dask: the worker's address
    kit_digest: Optional[str] = None      # Dask: the worker's kit, compared with the client's
    confinement: Optional[dict] = None    # what confined the child on the worker (sandbox.confinement.summary)
    # notebook -> its answer cells as submitted (``core.cells.bounded``): the integrity analysis's input
    answers: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "rows", tuple(self.rows))
        object.__setattr__(self, "manual", tuple(self.manual))
        object.__setattr__(self, "sandbox_warnings", tuple(self.sandbox_warnings))
        object.__setattr__(self, "answers", {str(nb): tuple(cells) for nb, cells in self.answers.items()})

    def notebooks(self):
        """The notebooks this result covers, sorted."""
        return sorted({r.notebook for r in self.rows} | {m.notebook for m in self.manual})

    def as_error(self, why, grader_error=False):
        """Every row an ``error`` worth 0 with message `why` (e.g. its files could not be written:
        ``grader_error``)."""
        return dataclasses.replace(self, rows=tuple(r.as_error(why, grader_error) for r in self.rows))

    def for_tables(self):
        """Only what the class tables keep, so memory stays flat in the size of a class (no answers)."""
        return SubmissionResult(self.student_id, tuple(r.for_tables() for r in self.rows), self.manual)

    def to_gradescope(self, scheme):
        """The whole results.json (Gradescope's format). ``scheme`` (``autograder.core.totals.Scheme``) says
        what counts: ``score`` is everything earned, against the required maximum (the sum of the
        tests' ``max_score``); an optional test's points are extra above it."""
        from autograder.core.totals import Totals        # a leaf too; imported here, as the only user
        return {"score": Totals.of(self.rows, scheme).autograded,
                "execution_time": round(self.seconds, 3),
                "output": WRITTEN_ANSWERS_NOTE.render(),
                "stdout_visibility": "hidden",
                "tests": [r.to_gradescope(scheme.is_optional(r.notebook, r.grade_id)) for r in self.rows]}

    def to_dict(self):
        """JSON-able (the cache entry, a Dask task's answer); ``worker`` / ``kit_digest`` /
        ``confinement`` only when set."""
        d = {"student_id": self.student_id, "rows": [r.to_dict() for r in self.rows],
             "manual": [m.to_dict() for m in self.manual], "seconds": self.seconds,
             "notebook_seconds": dict(self.notebook_seconds), "sandbox_warnings": list(self.sandbox_warnings),
             "answers": {nb: [c.to_dict() for c in cells] for nb, cells in sorted(self.answers.items())}}
        for extra in ("worker", "kit_digest", "confinement"):
            if getattr(self, extra) is not None:
                d[extra] = getattr(self, extra)
        return d

    @classmethod
    def from_dict(cls, d):
        """The result ``to_dict`` gave; KeyError / TypeError / ValueError when `d` is not one."""
        return cls(student_id=d["student_id"], rows=tuple(Row.from_dict(r) for r in d["rows"]),
                   manual=tuple(ManualRow.from_dict(m) for m in d["manual"]),
                   seconds=d.get("seconds", 0.0), notebook_seconds=dict(d.get("notebook_seconds") or {}),
                   sandbox_warnings=tuple(d.get("sandbox_warnings") or ()),
                   worker=d.get("worker"), kit_digest=d.get("kit_digest"),
                   confinement=d.get("confinement") if isinstance(d.get("confinement"), dict) else None,
                   answers={str(nb): tuple(AnswerCell.from_dict(c) for c in cells)
                            for nb, cells in (d.get("answers") or {}).items()})

    @property
    def unconfined(self) -> list:
        """The resources (file system, network) no layer confined where this result was graded."""
        missing = (self.confinement or {}).get("missing")
        return [str(r) for r in missing] if isinstance(missing, list) else []
