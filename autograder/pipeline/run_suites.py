"""Step 3: run the answer cells in a jailed child and each hidden suite against it.

The suites (``autograder.grading.suites.run_suite``) run here, in the trusted
process: they choose the inputs, call the student's function through the
sandbox proxy and compare. One child per notebook; it is restarted if it dies.

A second child per notebook (``Replay``, started only when some feedback shows
a failing case) runs just the cases the feedback shows: what the student's
code prints, raises or returns there is all of its own text a page can show,
so it cannot carry the other hidden cases out, however it stores them. Both
children share the notebook's one budget (``runner.Deadline``,
``Limits.notebook_timeout``): a replay never adds time of its own.
Student-controlled text in a row (cell errors, grader errors) is cut by
``course.safe_text.student_text``.

Before any of that, ``CheckSource`` reads the cells' source here in the parent:
a function that names an operator its rule forbids, plainly, gets its 0-point
row at once and is never called; constructs that could evade the rule become
``review:<construct>`` flags on a row graded as usual (a person decides). The
child's own report of bindings the answer patched (``Session.patched_by``)
becomes ``review:patched_<what>`` the same way.
"""
import re
import time
from typing import Callable, Sequence
from dataclasses import replace

from autograder.core.config import GradingConfig
from autograder.core.cells import AnswerCell
from autograder.core.course_dir import ASSIGNMENT, PREAMBLE
from autograder.pipeline.check_source import CHECK_ERROR, CheckSource
from autograder.pipeline.find_answers import runnable
from course.source_rules import Finding
from autograder.core.results import GRADER_ERROR, Row, Status
from course.language import say
from course.safe_text import student_text
from autograder.grading.row_message import UNKNOWN_TEST  # a fixed row message: the report renders it again
from autograder.sandbox.runner import Deadline, Engine, SandboxUnavailable, Session


def new_row(student_id: str, notebook: str, grade_id: str, max_points: float) -> Row:
    """A test cell's row before grading: 0 points, status error, no message."""
    return Row(student_id, ASSIGNMENT, notebook, grade_id, max_points=float(max_points))


def unknown_test_row(student_id: str, notebook: str, grade_id: str, max_points: float) -> Row:
    """The row of a test cell no graded function belongs to: not graded, 0 points."""
    return replace(new_row(student_id, notebook, grade_id, max_points), message=UNKNOWN_TEST.render())


class Replay:
    """A notebook's second child, started on first use, that sees only the cases feedback shows.

    ``deadline``: the notebook's budget, shared with its session (None: a budget of its own,
    for callers that replay outside a notebook's run)."""

    def __init__(self, engine: "Engine", cells: list, deadline: Deadline = None):
        self.engine, self.cells, self.deadline = engine, cells, deadline
        self.session: "Session | None" = None

    def caller(self, name: str) -> Callable:
        def call(args, kwargs):
            if self.session is None:
                self.session = self.engine.session(self.cells, preamble=PREAMBLE, deadline=self.deadline)
            return self.session.caller(name)(args, kwargs)
        return call

    def close(self):
        if self.session is not None:
            self.session.close()
            self.session = None


def cell_errors_text(cell_errors: dict[str, str], function: str) -> str:
    """The errors of the cells that define `function` (and the preamble), cut to one item of student text.
    ``cell_errors``: the sandbox's, keyed by the cells' labels (``AnswerCell.label``), which name
    the cell for the student; the test is on that text, as the student reads it."""
    errs = [f"{k}: {v}" for k, v in cell_errors.items() if function in k or k == "preamble"]
    return say("代码单元出错", "error in", both="代码单元出错 / error in") + f" {student_text(chr(10).join(errs))}" if errs else ""


def review_findings(function: str, reviews: dict[str, list[Finding]], checker: CheckSource,
                    session: Session | None, cells: Sequence[AnswerCell]) -> list[Finding]:
    """What a person is asked to look at for ``function``: the static check's review findings,
    cells the parent could not parse but the child ran, and bindings the child saw patched."""
    from course.source_rules import Finding
    out = list(reviews.get(function, ()))
    if session is not None:
        if checker.unparsed:
            if session.child is None:
                try:                    # the cells' own errors say whether the child could compile them
                    session._start()
                except Exception:
                    pass
            # an unverifiable cell could define or patch anything: it counts for every function
            out += checker.unparsed_flags(session.cell_errors, cells)
        patched = set(session.patched_by_cells) | set(session.patched_by.get(function, ()))
        # json.dumps -> patched_json_dumps, OpRecorder.__exit__ -> patched_OpRecorder_exit
        out += [Finding(0, 0, "review", "patched_" + re.sub(r"(?:\W|_{2,})+", "_", p).strip("_"))
                for p in sorted(patched)[:8]]
    return out


class RunSuites:
    """``run(engine, cells, tests, student_id, notebook) -> [Row]`` (one per test cell); ``cells``
    the notebook's AnswerCells (``FindAnswers.find``); under the run's ``GradingConfig`` (the
    suites' budget, the source check; the child's limits are the engine's)."""

    seed = 0

    def __init__(self, config: "GradingConfig | None" = None):
        self.config = config or GradingConfig()

    def run(self, engine: "Engine", cells: Sequence[AnswerCell], tests: list, student_id: str, notebook: str) -> list[Row]:
        from autograder.grading.suites import run_suite
        rows = []
        names = [t.function for t in tests if t.function]
        checker = CheckSource(self.config.source_check)
        cells = runnable(cells)                     # as the child runs them (magics neutralised)
        found = checker.check(cells, names)
        rejected, reviews = checker.automatic(found), checker.reviews(found)
        to_call = [n for n in names if n not in rejected]
        # One budget for the notebook, whichever child spends it (the session's, the replay's).
        deadline = Deadline(engine.limits.notebook_timeout)
        pairs = [(c.label, c.code) for c in cells]   # the sandbox names a cell by its label
        session = engine.session(pairs, preamble=PREAMBLE, deadline=deadline) if to_call else None
        replay = Replay(engine, pairs, deadline)
        try:
            for t in tests:
                row = self._row(new_row(student_id, notebook, t.grade_id, t.points), t, session, replay,
                                checker, rejected, cells, run_suite)
                if t.function:
                    rows.append(replace(row, **checker.review_fields(
                        row, review_findings(t.function, reviews, checker, session, cells), cells)))
                else:
                    rows.append(row)
        finally:
            replay.close()
            if session is not None:
                session.close()
        return rows

    def _row(self, row, t, session, replay, checker, rejected, cells, run_suite):
        """One test cell's graded row."""
        start = time.monotonic()
        if t.function is None:
            return unknown_test_row(row.student_id, row.notebook, t.grade_id, t.points)
        if t.function in rejected:                    # the parent's static check: never called
            fields = checker.row_fields(t.function, rejected[t.function], cells, t.points)
            return replace(row, **fields, seconds=round(time.monotonic() - start, 4))
        if checker.error:
            row = replace(row, flags=frozenset({CHECK_ERROR}))
        if not any(c.answers(t.function) for c in cells):
            # no answer cell defines it (e.g. another course's notebook under this name): say so,
            # rather than "raised an exception: NameError" from calling what is not there
            return replace(row, message=say(f"{t.function} 没有在本笔记本中定义",
                                            f"{t.function} is not defined in this notebook"),
                           seconds=round(time.monotonic() - start, 4))
        try:
            res = run_suite(t.function, session.caller(t.function), seed=self.seed,
                            replay=replay.caller(t.function), budget=self.config.budget)
        except SandboxUnavailable:                    # no student code can run: stop, never zeros
            raise
        except Exception as e:                        # a grader bug must not cost other rows
            return replace(row, message=f"{GRADER_ERROR}: {type(e).__name__}: {student_text(str(e))}",
                           grader_error=True)
        scale = t.points / res.max_points if res.max_points else 0.0
        feedback = res.feedback
        errs = cell_errors_text(session.cell_errors, t.function)
        if errs and res.status != Status.PASSED:
            feedback += "\n\n" + errs
        return replace(row, points=round(res.points * scale, 4), status=res.status, message=res.message,
                       misconception=res.misconception or "", groups_failed=tuple(res.groups_failed),
                       feedback=feedback, result=res, seconds=round(time.monotonic() - start, 4))

    def invalid(self, tests: list, student_id: str, notebook: str, reason: str,
                status: Status = Status.INVALID) -> list[Row]:
        """Rows for a notebook that could not be read (``invalid``), or that the grader itself could
        not grade (``status=Status.ERROR``, a grader error): every test gets 0 points and the reason."""
        return [replace(new_row(student_id, notebook, t.grade_id, t.points), status=status, message=reason,
                        grader_error=status == Status.ERROR) for t in tests]
