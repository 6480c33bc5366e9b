"""The grader's failure is not the student's: a sandbox that cannot run stops the run loudly,
and the grader's own error rows are counted apart from the students' (summary, run.json, report)."""
import json
import os
import pathlib
import subprocess
import sys
from dataclasses import replace

import pytest

from conftest import ROOT
from autograder.report import report
from autograder.pipeline.grader import Grader
from autograder.run.collect import CollectResults, failed_result
from autograder.pipeline.find_submissions import Submission
from autograder.core.results import GRADER_ERROR, GRADES_COLUMNS, Row, Status, SubmissionResult

DYING = ROOT / "tests" / "support" / "dying_zygote"
EXAMPLES = ROOT / "examples" / "submitted"


@pytest.mark.slow       # the whole bundled class, each interpreter importing the kit (sitecustomize)
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_sandbox_that_cannot_start_stops_the_run(tmp_path, workers):
    """No class of zeros: exit 3, one clear line, and no grades.csv pretending students failed."""
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(DYING), str(ROOT)]))
    r = subprocess.run([sys.executable, "-m", "autograder.cli.commands", "grade", str(EXAMPLES), "--out", str(out),
                        "--workers", workers, "--quiet"], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 3, (r.returncode, r.stderr[-2000:])
    assert "cannot run student code" in r.stderr and "the grader cannot run" in r.stderr
    assert not (out / "grades.csv").exists()


def test_grader_errors_are_counted_apart(tmp_path):
    """A submission the grader failed on: its rows say so, run.json and the report count them."""
    grader = Grader()
    collect = CollectResults(tmp_path, "digest")
    sub = Submission("ann", {"01_basics": None, "03_cost": None})
    collect.finish(sub, "k", failed_result(sub, grader, f"{GRADER_ERROR}: boom"), ok=False)
    honest = Submission("ben", {"01_basics": None})
    raised = [replace(r, message="函数抛出异常 / raised", grader_error=False)   # the student's own error
              for r in failed_result(honest, grader, "x").rows]
    assert {r.status for r in raised} == {Status.ERROR}
    collect.finish(honest, "k2", SubmissionResult("ben", raised))
    meta = collect.close()
    n = len(grader.source.tests("01_basics")) + len(grader.source.tests("03_cost"))
    assert meta["grader_errors"] == n
    assert json.loads((tmp_path / "run.json").read_text("utf-8"))["grader_errors"] == n
    rep = report.build(tmp_path)
    assert len(rep.problems.grader_errors) == n
    assert {e.student_id for e in rep.problems.grader_errors} == {"ann"}
    html = report.render_html(rep)
    assert "Grader errors" in html and "not the students" in html


@pytest.mark.parametrize("status, message, grader_error", [
    ("error", f"{GRADER_ERROR}: x", True),
    ("error", "函数抛出异常 / raised", False),
    ("failed", f"{GRADER_ERROR}: x", False),
])
def test_is_grader_error_is_about_the_grader_only(status, message, grader_error):
    """In memory it is the row's own field; grades.csv, which has no column for it, shows it in
    the message, and only Row.from_csv reads it back from there."""
    row = Row("s", "pooling", "01_basics", "test_pool2d", status=status, message=message)
    assert row.grader_error is False                         # a message alone never makes one
    cells = dict(zip(GRADES_COLUMNS, row.to_csv()), points="0", max_points="2")
    assert Row.from_csv(cells).grader_error is grader_error
