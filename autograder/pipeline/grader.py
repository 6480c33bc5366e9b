"""One worker's grader: a submission in, its rows out.

::

    with Grader(config) as g:                          # a GradingConfig (autograder.core.config)
        rows, manual = g.grade_notebook_full(path_or_nb, student_id, notebook_name)  # [Row], [ManualRow]
        result = g.grade_submission(submission)       # a SubmissionResult; what a backend's task runs

A batch is put together by ``autograder.run.batch`` and graded by a backend
(``autograder.run.backends``); this module knows nothing of either.

Results are the typed core of ``autograder.core.results``: a ``Row`` per (student,
notebook, test cell), a ``ManualRow`` per written-answer cell, and a
``SubmissionResult`` per student.

The trusted process reads the submission (never writes it), takes tests and
points from ``source/``, and runs student code only in a jailed child
(``autograder.sandbox``). Each worker keeps one zygote for its whole life.
"""
import hashlib
import json
import re
import pathlib
import time
from dataclasses import replace

from autograder import __version__
from autograder.core.config import GradingConfig, as_config
from autograder.pipeline.find_answers import FindAnswers
from autograder.pipeline.read_notebook import InvalidNotebook, ReadNotebook
from autograder.pipeline.run_suites import RunSuites
from autograder.pipeline.source_tests import SourceTests
from autograder.core.cells import AnswerCell, bounded
from autograder.pipeline.check_integrity import CheckIntegrity
from autograder.pipeline.find_submissions import Submission
from autograder.pipeline.open_submission import RefusedPath, read_bytes
from autograder.core import kit
from autograder.core.course_dir import ASSIGNMENT, default_course_dir, editions
from autograder.core.results import ManualRow, SubmissionResult
from autograder.grading.row_message import NOT_SUBMITTED  # a fixed row message: the report renders it again
from autograder.sandbox.runner import Engine, Limits
from course.language import in_language, render

KIT_DIR = kit.PACKAGE


# Where grading starts: this module (the grader: its steps, suites, records, references and the
# course code they run) and the jailed child's own script, named from where they are (a module
# moved to another package stays a root). Everything they import, at any depth, is what grades.
# (The child is named as the runner's sibling module, not from CHILD_PY, which a test may point at a
# stand-in child outside the kit.)
GRADING_ROOTS = (__name__, Engine.__module__.rpartition(".")[0] + ".child")


def _module_file(root: pathlib.Path, name: str) -> pathlib.Path | None:
    """The file of kit module `name` (``autograder.x.y`` or ``course.x``) below `root`, or None."""
    if name.split(".")[0] not in ("autograder", "course"):
        return None
    base = root.joinpath(*name.split("."))
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)|import[ \t]+([^\n#]+))",
                     re.M)
_WORD = re.compile(r"""["']([A-Za-z_][\w.]*)["']""")


def _imports(path: pathlib.Path, name: str) -> set[str]:
    """The kit modules `path` (module `name`) may name: its import lines at any depth (inside
    functions too), each package's modules it imports from, and dotted names or sibling modules
    written as strings (a lazy ``importlib.import_module`` map, a module found by ``find_spec``).
    Read as text, not parsed (parsing every file costs a second): a name too many only hashes a
    file more, never one less."""
    text = path.read_text(encoding="utf-8")
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for m in _IMPORT.finditer(text):
        base, names, plain = m.group(1), m.group(2), m.group(3)
        if plain is not None:
            out.update(part.split()[0] for part in plain.split(",") if part.split())
            continue
        level = len(base) - len(base.lstrip("."))
        base = base.lstrip(".")
        if level:
            parts = package.split(".")
            base = ".".join(parts[:len(parts) - level + 1] + ([base] if base else []))
        out.add(base)
        for part in names.strip("()").replace("\\\n", " ").split(","):
            words = part.split()
            if words:
                out.add(f"{base}.{words[0]}")
    for word in _WORD.findall(text):
        out.add(word if "." in word else f"{package}.{word}")
    return out


def grading_sources(root: pathlib.Path | None = None) -> list[pathlib.Path]:
    """The kit's source files that grading runs (``GRADING_ROOTS`` and all they import below `root`,
    the repository), sorted: not the report, the exports, the CLI or the page templates."""
    root = root or KIT_DIR.parent
    missing = [r for r in GRADING_ROOTS if _module_file(root, r) is None]
    if missing:                                  # never a digest of less than grades
        raise FileNotFoundError(f"kit_digest: no module {', '.join(missing)} below {root}")
    seen: dict[str, pathlib.Path] = {}
    todo = list(GRADING_ROOTS)
    while todo:
        name = todo.pop()
        path = _module_file(root, name)
        if name in seen or path is None:
            continue
        seen[name] = path
        parts = name.split(".")                  # a module's parent packages run first
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]
        todo += [n for n in _imports(path, name) if n not in seen]
        if path.name == "__init__.py" and len(parts) > 1:
            # A subpackage may import its modules by a name it computes (the exercise records,
            # found by the manifest): all of its modules count, never one less.
            todo += [f"{name}.{p.stem}" for p in path.parent.glob("*.py") if p.name != "__init__.py"]
    return sorted(set(seen.values()))


def kit_digest(root: pathlib.Path | None = None) -> str:
    """Changes whenever the code that grades changes (``grading_sources``: the grader, its steps,
    the suites, records, references, sandbox and the course code they run) and only then."""
    root = root or KIT_DIR.parent
    h = hashlib.sha256(__version__.encode())
    for p in grading_sources(root):
        h.update(p.relative_to(root).as_posix().encode() + b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()


class Grader:
    """One worker's grader: the pipeline steps and a sandbox engine (started on first use)."""

    def __init__(self, config: GradingConfig | Limits | None = None, source: SourceTests | None = None):
        # Bare Limits: the default configuration with those limits (callers that set only limits).
        self.config = as_config(config)
        self.limits = self.config.limits
        self.source = source or SourceTests(default_course_dir())
        self.reader, self.finder, self.runner = ReadNotebook(), FindAnswers(), RunSuites(self.config)
        self.integrity = CheckIntegrity(self.source.source_dir, self.source.release_dir)
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = Engine(self.limits, announce=False)     # reported once per run, below
        return self._engine

    def edition(self, assignment: str | None = None) -> SourceTests:
        """The SourceTests of `assignment` (an edition of this grader's course; None: the default)."""
        return self.source.edition(assignment)

    def grade_notebook_full(self, src: "str | bytes | dict | None", student_id: str, notebook: str,
                            root: str | None = None, missing: str = NOT_SUBMITTED,
                            assignment: str | None = None) -> tuple[list, list[ManualRow]]:
        """([Row], [ManualRow]) of one notebook; `src` is a path (read below `root`), bytes, a dict
        or None (not submitted: every row says `missing`). `assignment`: the edition the notebook
        belongs to (its rows say so); the editions share their graded cells, tests and points."""
        return self.grade_notebook(src, student_id, notebook, root, missing, assignment)[:2]

    def grade_notebook(self, src, student_id, notebook, root=None, missing=NOT_SUBMITTED, assignment=None):
        """([Row], [ManualRow], (AnswerCell, ...)) of one notebook (``grade_notebook_full``), with its
        answer cells as submitted, bounded (``core.cells.bounded``), for the integrity analysis."""
        missing = render(missing)
        source = self.edition(assignment)
        tests, manual_cells = source.tests(notebook), source.manual(notebook)
        answered: dict[str, bool] = {}
        flags: list[str] = []
        cells: list[AnswerCell] = []
        if src is None:
            rows = self.runner.invalid(tests, student_id, notebook, missing)
        else:
            try:
                nb = self.reader.read(src, root)
            except InvalidNotebook as e:
                rows = self.runner.invalid(tests, student_id, notebook, str(e))
                flags = [e.flag]
            else:
                cells = self.finder.find(nb, source.functions(notebook))
                rows = self.runner.run(self.engine, cells, tests, student_id, notebook)
                answered = self._answered(nb, notebook, manual_cells)
                flags = self._integrity(source).flags(nb, notebook)
        # for a person to decide, scores unchanged; with the row's own (CheckSource)
        rows = [replace(r, flags=r.flags | set(flags)) for r in rows]
        if source.assignment != ASSIGNMENT:
            rows = [replace(r, assignment=source.assignment) for r in rows]
        return rows, self.manual_rows(student_id, notebook, answered, source.assignment), bounded(cells)

    def _answered(self, nb: dict, notebook: str, manual_cells: list) -> dict[str, bool]:
        """``{grade_id: answered}``: a written cell still holding any edition's released stub is not
        answered (a learner's English notebook read as the default edition is not "answered")."""
        answered = self.finder.manual(nb, manual_cells)
        for other in editions(self.source.course_dir):
            try:
                theirs = self.finder.manual(nb, self.edition(other).manual(notebook))
            except FileNotFoundError:          # SourceMissing: an edition without this notebook
                continue
            answered = {g: a and theirs.get(g, True) for g, a in answered.items()}
        return answered

    def _integrity(self, source: SourceTests) -> CheckIntegrity:
        if source is self.source:
            return self.integrity
        checks = self.__dict__.setdefault("_integrity_of", {})
        if source.assignment not in checks:
            checks[source.assignment] = CheckIntegrity(source.source_dir, source.release_dir)
        return checks[source.assignment]

    def manual_rows(self, student_id: str, notebook: str, answered: dict[str, bool] | None = None,
                    assignment: str | None = None) -> list[ManualRow]:
        """A ManualRow per written-answer cell of `notebook`; `answered`: grade_id -> bool (default False)."""
        answered = answered or {}
        source = self.edition(assignment)
        return [ManualRow(student_id, source.assignment, notebook, m.grade_id, m.points,
                          bool(answered.get(m.grade_id, False)))
                for m in source.manual(notebook)]

    def warm(self) -> None:
        """Start the sandbox (zygote and one child) outside any submission's time: a worker's
        start-up is not a student's slowness (the report's slowest submissions, run.json)."""
        engine = self.engine
        if engine.zygote is None or not engine.zygote.alive():
            engine.spawn().kill()

    def grade_submission(self, sub: Submission) -> SubmissionResult:
        # Every message of this submission's rows and feedback is rendered in the run's language
        # (or, when the course chose none, in its edition's: GradingConfig.language_for).
        with in_language(self.config.language_for(sub.assignment)):
            return self._grade_submission(sub)

    def _grade_submission(self, sub: Submission):
        if any(path is not None for path in sub.notebooks.values()):
            self.warm()
        start = time.monotonic()
        rows, manual, per_nb, answers = [], [], {}, {}
        for nb, path in sorted(sub.notebooks.items()):
            t = time.monotonic()
            r, m, cells = self.grade_notebook(path, sub.student_id, nb, sub.root,
                                              sub.note or NOT_SUBMITTED.render(), sub.assignment)
            rows += r
            manual += m
            if cells:
                answers[nb] = cells
            per_nb[nb] = round(time.monotonic() - t, 4)
        # What the sandbox could not set up here (e.g. no namespaces): the collector says it once;
        # and what confined the children (run.json records it per worker).
        warnings = tuple(sorted(self._engine.warnings)) if self._engine is not None else ()
        confined = self._engine.confinement if self._engine is not None else None
        return SubmissionResult(sub.student_id, tuple(rows), tuple(manual), seconds=round(time.monotonic() - start, 4),
                                notebook_seconds=per_nb, sandbox_warnings=warnings, confinement=confined,
                                answers=answers)

    def key(self, sub: Submission, digest: str | None = None) -> str:
        """Hash of the notebook bytes + kit version + source tests: unchanged -> skip on re-run."""
        h = hashlib.sha256((digest or kit_digest()).encode())
        # What the run's configuration changes in a result (the limits, the words' language, the
        # suites' budget, the source check), never where it runs (workers, scheduler).
        h.update(json.dumps(self.config.grading_fields(), sort_keys=True).encode())
        source = self.edition(sub.assignment)
        if source.assignment != ASSIGNMENT:               # the rows name it: never reuse another edition's
            h.update(b"assignment\0" + source.assignment.encode())
        for nb, path in sorted(sub.notebooks.items()):
            h.update(nb.encode() + b"\0" + source.digest(nb).encode())
            if path is not None:
                try:                                       # the same checked read as grading's
                    h.update(hashlib.sha256(read_bytes(path, sub.root, ReadNotebook.max_bytes)).digest())
                except (OSError, RefusedPath) as e:
                    h.update(b"unreadable" + str(e).encode("utf-8", "replace"))
        return h.hexdigest()

    def close(self) -> None:
        """Stop this grader's zygote (if it started one) and remove its scratch space."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
