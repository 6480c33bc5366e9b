"""Step 3: run the answer cells in a jailed child and each hidden suite against it.

The suites (``autograder.suites.run_suite``) run here, in the trusted
process: they choose the inputs, call the student's function through the
sandbox proxy and compare. One child per notebook; it is restarted if it dies.
"""
import time

from autograder.functions import ASSIGNMENT, PREAMBLE
from autograder.sandbox.runner import SandboxUnavailable

STATUS_INVALID = "invalid"


def base_row(student_id, notebook, grade_id, max_points):
    return {"student_id": student_id, "assignment": ASSIGNMENT, "notebook": notebook,
            "grade_id": grade_id, "points": 0.0, "max_points": float(max_points), "status": "error",
            "message": "", "misconception": "", "groups_failed": "", "seconds": 0.0,
            "feedback": "", "result": None}


class RunSuites:
    """``run(engine, cells, tests, student_id, notebook) -> rows`` (one per test cell)."""

    seed = 0

    def run(self, engine, cells, tests, student_id, notebook):
        from autograder.suites import run_suite
        rows = []
        names = [t.function for t in tests if t.function]
        session = engine.session(cells, preamble=PREAMBLE) if names else None
        try:
            for t in tests:
                row = base_row(student_id, notebook, t.grade_id, t.points)
                start = time.monotonic()
                if t.function is None:
                    row["message"] = "未知的测试单元，未评分 / unknown test cell, not graded"
                    rows.append(row)
                    continue
                try:
                    res = run_suite(t.function, session.caller(t.function), seed=self.seed)
                except SandboxUnavailable:                # no student code can run: stop, never zeros
                    raise
                except Exception as e:                    # a grader bug must not cost other rows
                    row["message"] = f"评分器内部错误 / grader error: {type(e).__name__}: {e}"[:300]
                    rows.append(row)
                    continue
                scale = t.points / res.max_points if res.max_points else 0.0
                row.update(points=round(res.points * scale, 4), status=res.status, message=res.message,
                           misconception=res.misconception or "", groups_failed=";".join(res.groups_failed),
                           feedback=res.feedback, result=res.to_dict(),
                           seconds=round(time.monotonic() - start, 4))
                errs = {k: v for k, v in session.cell_errors.items() if t.function in k or k == "preamble"}
                if errs and res.status != "passed":
                    row["feedback"] += "\n\n" + "\n".join(f"代码单元出错 / error in {k}: {v}" for k, v in errs.items())
                rows.append(row)
        finally:
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
