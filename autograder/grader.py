"""One worker's grader: a submission in, its rows out.

::

    with Grader(limits) as g:
        rows, manual = g.grade_notebook_full(path_or_nb, student_id, notebook_name)  # [Row], [ManualRow]
        result = g.grade_submission(submission)       # a SubmissionResult; what a backend's task runs

A batch is put together by ``autograder.batch`` and graded by a backend
(``autograder.backends``); this module knows nothing of either.

Results are the typed core of ``autograder.results``: a ``Row`` per (student,
notebook, test cell), a ``ManualRow`` per written-answer cell, and a
``SubmissionResult`` per student.

The trusted process reads the submission (never writes it), takes tests and
points from ``source/``, and runs student code only in a jailed child
(``autograder.sandbox``). Each worker keeps one zygote for its whole life.
"""
import hashlib
import pathlib
import time
from dataclasses import replace

from autograder import __version__
from autograder.pipeline import FindAnswers, InvalidNotebook, ReadNotebook, RunSuites, SourceTests
from autograder.pipeline.check_integrity import CheckIntegrity, join_flags
from autograder.pipeline.find_submissions import Submission
from autograder.pipeline.open_submission import RefusedPath, read_bytes
from autograder.course_dir import ASSIGNMENT, default_course_dir, editions
from autograder.results import ManualRow, SubmissionResult
from autograder.sandbox.runner import Engine, Limits
from course.language import DEFAULT as DEFAULT_LANGUAGE, Text as T, in_language, render

KIT_DIR = pathlib.Path(__file__).resolve().parent
NOT_SUBMITTED = T("未提交", "notebook not submitted")


def kit_digest():
    """Changes whenever the grader, the suites or the feedback wording change."""
    h = hashlib.sha256(__version__.encode())
    for p in sorted(KIT_DIR.rglob("*.py")) + sorted((KIT_DIR.parent / "course").glob("*.py")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


class Grader:
    """One worker's grader: the pipeline steps and a sandbox engine (started on first use)."""

    def __init__(self, limits: Limits = None, source: SourceTests = None):
        self.limits = limits or Limits()
        self.source = source or SourceTests(default_course_dir())
        self.reader, self.finder, self.runner = ReadNotebook(), FindAnswers(), RunSuites()
        self.integrity = CheckIntegrity(self.source.source_dir, self.source.release_dir)
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            self._engine = Engine(self.limits, announce=False)     # reported once per run, below
        return self._engine

    def edition(self, assignment=None):
        """The SourceTests of `assignment` (an edition of this grader's course; None: the default)."""
        return self.source.edition(assignment)

    def grade_notebook_full(self, src, student_id, notebook, root=None, missing=NOT_SUBMITTED, assignment=None):
        """([Row], [ManualRow]) of one notebook; `src` is a path (read below `root`), bytes, a dict
        or None (not submitted: every row says `missing`). `assignment`: the edition the notebook
        belongs to (its rows say so); the editions share their graded cells, tests and points."""
        missing = render(missing)
        source = self.edition(assignment)
        tests, manual_cells = source.tests(notebook), source.manual(notebook)
        answered, flags = {}, []
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
        rows = [replace(r, flags=join_flags(flags + r.flags.split(";"))) for r in rows]
        if source.assignment != ASSIGNMENT:
            rows = [replace(r, assignment=source.assignment) for r in rows]
        return rows, self.manual_rows(student_id, notebook, answered, source.assignment)

    def _answered(self, nb, notebook, manual_cells):
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

    def _integrity(self, source):
        if source is self.source:
            return self.integrity
        checks = self.__dict__.setdefault("_integrity_of", {})
        if source.assignment not in checks:
            checks[source.assignment] = CheckIntegrity(source.source_dir, source.release_dir)
        return checks[source.assignment]

    def manual_rows(self, student_id, notebook, answered=None, assignment=None):
        """A ManualRow per written-answer cell of `notebook`; `answered`: grade_id -> bool (default False)."""
        answered = answered or {}
        source = self.edition(assignment)
        return [ManualRow(student_id, source.assignment, notebook, m.grade_id, m.points,
                          bool(answered.get(m.grade_id, False)))
                for m in source.manual(notebook)]

    def warm(self):
        """Start the sandbox (zygote and one child) outside any submission's time: a worker's
        start-up is not a student's slowness (the report's slowest submissions, run.json)."""
        engine = self.engine
        if engine.zygote is None or not engine.zygote.alive():
            engine.spawn().kill()

    def grade_submission(self, sub: Submission):
        # Every message of this submission's rows and feedback is rendered in the run's language.
        with in_language(self.limits.language):
            return self._grade_submission(sub)

    def _grade_submission(self, sub: Submission):
        if any(path is not None for path in sub.notebooks.values()):
            self.warm()
        start = time.monotonic()
        rows, manual, per_nb = [], [], {}
        for nb, path in sorted(sub.notebooks.items()):
            t = time.monotonic()
            r, m = self.grade_notebook_full(path, sub.student_id, nb, sub.root, sub.note or NOT_SUBMITTED.render(),
                                            sub.assignment)
            rows += r
            manual += m
            per_nb[nb] = round(time.monotonic() - t, 4)
        # What the sandbox could not set up here (e.g. no namespaces): the collector says it once;
        # and what confined the children (run.json records it per worker).
        warnings = sorted(self._engine.warnings) if self._engine is not None else []
        confined = self._engine.confinement if self._engine is not None else None
        return SubmissionResult(sub.student_id, rows, manual, seconds=round(time.monotonic() - start, 4),
                                notebook_seconds=per_nb, sandbox_warnings=warnings, confinement=confined)

    def key(self, sub: Submission, digest=None):
        """Hash of the notebook bytes + kit version + source tests: unchanged -> skip on re-run."""
        h = hashlib.sha256((digest or kit_digest()).encode())
        if self.limits.language != DEFAULT_LANGUAGE:      # the words differ: never reuse another language's
            h.update(b"language\0" + self.limits.language.encode())
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

    def close(self):
        """Stop this grader's zygote (if it started one) and remove its scratch space."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
