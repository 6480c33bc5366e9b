"""Step 3: run the answer cells in a jailed child and each hidden suite against it.

The suites (``autograder.suites.run_suite``) run here, in the trusted
process: they choose the inputs, call the student's function through the
sandbox proxy and compare. One child per notebook; it is restarted if it dies.

A second child per notebook (``Replay``, started only when some feedback shows
a failing case) runs just the cases the feedback shows: what the student's
code prints, raises or returns there is all of its own text a page can show,
so it cannot carry the other hidden cases out, however it stores them.
Student-controlled text in a row (cell errors, grader errors) is cut by
``course.feedback.student_text``.

Before any of that, ``CheckSource`` reads the cells' source here in the parent:
a function it rejects (tampering, run-time names, a forbidden operator) gets
its 0-point row at once and is never called.
"""
import time

from autograder.functions import ASSIGNMENT, PREAMBLE
from autograder.pipeline.check_source import CHECK_ERROR, CheckSource
from autograder.pipeline.find_answers import label_functions
from course.feedback import student_text
from autograder.sandbox.runner import SandboxUnavailable

STATUS_INVALID = "invalid"
# Every row the grader itself failed on starts its message with this: counted apart from the
# students' own errors (summary line, run.json, report), so an instructor sees them at once.
GRADER_ERROR = "评分器错误 / grader error"


def is_grader_error(row):
    """Whether a row is the grader's failure rather than the student's."""
    return row.get("status") == "error" and str(row.get("message") or "").startswith(GRADER_ERROR)


def base_row(student_id, notebook, grade_id, max_points):
    return {"student_id": student_id, "assignment": ASSIGNMENT, "notebook": notebook,
            "grade_id": grade_id, "points": 0.0, "max_points": float(max_points), "status": "error",
            "message": "", "misconception": "", "groups_failed": "", "seconds": 0.0,
            "feedback": "", "result": None}


class Replay:
    """A notebook's second child, started on first use, that sees only the cases feedback shows."""

    def __init__(self, engine, cells):
        self.engine, self.cells, self.session = engine, cells, None

    def caller(self, name):
        def call(args, kwargs):
            if self.session is None:
                self.session = self.engine.session(self.cells, preamble=PREAMBLE)
            return self.session.caller(name)(args, kwargs)
        return call

    def close(self):
        if self.session is not None:
            self.session.close()
            self.session = None


def cell_errors_text(cell_errors, function):
    """The errors of the cells that define `function` (and the preamble), cut to one item of student text."""
    errs = [f"{k}: {v}" for k, v in cell_errors.items() if function in k or k == "preamble"]
    return f"代码单元出错 / error in {student_text(chr(10).join(errs))}" if errs else ""


class RunSuites:
    """``run(engine, cells, tests, student_id, notebook) -> rows`` (one per test cell)."""

    seed = 0

    def run(self, engine, cells, tests, student_id, notebook):
        from autograder.suites import run_suite
        rows = []
        names = [t.function for t in tests if t.function]
        checker = CheckSource()
        rejected, labels = checker.check(cells, names)
        to_call = [n for n in names if n not in rejected]
        session = engine.session(cells, preamble=PREAMBLE) if to_call else None
        replay = Replay(engine, cells)
        try:
            for t in tests:
                row = base_row(student_id, notebook, t.grade_id, t.points)
                start = time.monotonic()
                if t.function is None:
                    row["message"] = "未知的测试单元，未评分 / unknown test cell, not graded"
                    rows.append(row)
                    continue
                if t.function in rejected:                # the parent's static check: never called
                    row.update(checker.row_fields(t.function, rejected[t.function], labels, t.points))
                    row["seconds"] = round(time.monotonic() - start, 4)
                    rows.append(row)
                    continue
                if checker.error:
                    row["flags"] = CHECK_ERROR
                if not any(t.function in label_functions(label) for label in labels):
                    # no answer cell defines it (e.g. another course's notebook under this name): say so,
                    # rather than "raised an exception: NameError" from calling what is not there
                    row["message"] = (f"{t.function} 没有在本笔记本中定义 / "
                                      f"{t.function} is not defined in this notebook")
                    row["seconds"] = round(time.monotonic() - start, 4)
                    rows.append(row)
                    continue
                try:
                    res = run_suite(t.function, session.caller(t.function), seed=self.seed,
                                    replay=replay.caller(t.function))
                except SandboxUnavailable:                # no student code can run: stop, never zeros
                    raise
                except Exception as e:                    # a grader bug must not cost other rows
                    row["message"] = f"{GRADER_ERROR}: {type(e).__name__}: {student_text(str(e))}"
                    rows.append(row)
                    continue
                scale = t.points / res.max_points if res.max_points else 0.0
                row.update(points=round(res.points * scale, 4), status=res.status, message=res.message,
                           misconception=res.misconception or "", groups_failed=";".join(res.groups_failed),
                           feedback=res.feedback, result=res.to_dict(),
                           seconds=round(time.monotonic() - start, 4))
                errs = cell_errors_text(session.cell_errors, t.function)
                if errs and res.status != "passed":
                    row["feedback"] += "\n\n" + errs
                rows.append(row)
        finally:
            replay.close()
            if session is not None:
                session.close()
        return rows

    def invalid(self, tests, student_id, notebook, reason):
        """Rows for a notebook that could not be read: every test gets 0 points."""
        rows = []
        for t in tests:
            row = base_row(student_id, notebook, t.grade_id, t.points)
            row.update(status=STATUS_INVALID, message=reason)
            rows.append(row)
        return rows
