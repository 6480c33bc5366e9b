"""The typed results core (autograder.results): rows survive their CSV, statuses keep their bytes,
results.json is what Gradescope reads, and the table columns are declared once."""
import csv
import dataclasses
import io
import json
import pickle

import pytest

from autograder import deadlines, results, totals
from autograder.pipeline import write_results
from autograder.pipeline.write_results import WriteResults, csv_text, csv_uncell
from autograder.results import GRADER_ERROR, GRADES_COLUMNS, MANUAL_COLUMNS, ManualRow, Row, Status, SubmissionResult


def _read_back(columns, values):
    """One row through the kit's CSV writer and back, as report.read_csv gives it."""
    text = csv_text(columns, [values])
    (cells,) = list(csv.DictReader(io.StringIO(text, newline="")))
    return {k: csv_uncell(v) for k, v in cells.items()}


ROWS = [
    Row("alice", "pooling", "01_basics", "test_pool2d", 2.0, 2.0, Status.PASSED, "全部通过 / all checks passed",
        seconds=0.125, flags="solution_copy"),
    Row("=HYPERLINK(\"x\")", "pooling", "01_basics", "test_pool2d_padded", 1.36, 3.0, Status.FAILED,
        "-1 is wrong\r\nsecond line", "max_zero_padding", "padding;edge", 0.5),
    Row("'quoted", "pooling", "04_min_softmax", "test_min_pool2d", 0.0, 2.0, Status.INVALID,
        "不是有效的 JSON / not valid JSON"),
    Row("bob", "pooling", "05_gradients", "test_max_pool2d_backward", 0.0, 3.0, Status.TIMEOUT, "@timeout",
        "timeout", "basic", 30.0, "check_error;solution_copy"),
    Row("carol", "pooling", "03_cost", "test_pool_cost", 0.0, 2.0, Status.ERROR, f"{GRADER_ERROR}: boom"),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.status.value)
def test_row_round_trips_through_csv(row):
    row = dataclasses.replace(row, feedback="long text", result={"name": "x"})
    back = Row.from_csv(_read_back(GRADES_COLUMNS, row.to_csv()))
    assert back == row.for_tables()                     # feedback and result are not table columns
    assert back.feedback == "" and back.result is None


@pytest.mark.parametrize("answered", [True, False])
@pytest.mark.parametrize("student_id", ["dave", "+1 (555) 0100", "名字"])
def test_manual_row_round_trips_through_csv(student_id, answered):
    m = ManualRow(student_id, "pooling", "04_min_softmax", "answer_ex4", 2.0, answered)
    assert ManualRow.from_csv(_read_back(MANUAL_COLUMNS, m.to_csv())) == m


@pytest.mark.parametrize("cells, column", [({"points": "x"}, "points"), ({"max_points": "inf"}, "max_points"),
                                            ({"points": ""}, "points")])
def test_a_cell_that_is_not_a_number_is_refused(cells, column):
    good = dict(zip(GRADES_COLUMNS, ROWS[0].to_csv()))
    with pytest.raises(ValueError, match=column):
        Row.from_csv({**good, **cells})


@pytest.mark.parametrize("member, value", [("PASSED", "passed"), ("FAILED", "failed"), ("ERROR", "error"),
                                           ("TIMEOUT", "timeout"), ("INVALID", "invalid")])
def test_status_values_keep_their_bytes(member, value):
    status = Status[member]
    assert status == value and Status(value) is status
    assert f"{status}" == str(status) == value and json.dumps(status) == f'"{value}"'


def test_status_has_exactly_these_members():
    assert {s.value for s in Status} == {"passed", "failed", "error", "timeout", "invalid"}


def test_a_row_coerces_a_bare_status_and_refuses_an_unknown_one():
    assert Row("a", "p", "n", "g", status="failed").status is Status.FAILED
    with pytest.raises(ValueError):
        Row("a", "p", "n", "g", status="fine")


def test_submission_result_to_gradescope():
    picture_result = {"name": "pool2d_padded", "points": 1.36, "max_points": 3.0, "score": 0.45,
                      "status": "failed", "message": "m", "feedback": "fb", "misconception": "max_zero_padding",
                      "groups": [], "misconceptions": ["max_zero_padding"], "picture": None}
    res = SubmissionResult("alice", [
        Row("alice", "pooling", "01_basics", "test_pool2d", 2.0, 2.0, Status.PASSED, "ok"),
        Row("alice", "pooling", "01_basics", "test_pool2d_padded", 1.36, 3.0, Status.FAILED, "m",
            "max_zero_padding", "padding", feedback="fb", result=picture_result),
        Row("alice", "pooling", "03_cost", "test_pool_cost", 0.0, 2.0, Status.INVALID, "not submitted"),
    ], [ManualRow("alice", "pooling", "04_min_softmax", "answer_ex4", 2.0, True)], seconds=12.34567)
    assert res.to_gradescope(totals.Scheme()) == {
        "score": 3.36,
        "execution_time": 12.346,
        "output": "人工评分的书面回答另计 / written answers are graded by a person",
        "stdout_visibility": "hidden",
        "tests": [
            {"name": "01_basics: test_pool2d", "score": 2.0, "max_score": 2.0, "status": "passed",
             "output": "ok", "visibility": "visible",
             "extra_data": {"name": "pool2d", "points": 2.0, "max_points": 2.0, "status": "passed",
                            "message": "ok", "misconception": None, "groups": []}},
            {"name": "01_basics: test_pool2d_padded", "score": 1.36, "max_score": 3.0, "status": "failed",
             "output": "fb", "visibility": "visible", "extra_data": picture_result},
            {"name": "03_cost: test_pool_cost", "score": 0.0, "max_score": 2.0, "status": "failed",
             "output": "not submitted", "visibility": "visible",
             "extra_data": {"name": "pool_cost", "points": 0.0, "max_points": 2.0, "status": "invalid",
                            "message": "not submitted", "misconception": None, "groups": []}},
        ],
    }


def test_an_optional_test_is_extra_above_the_required_maximum():
    """results.json: an optional test is worth 0 (max_score); its points count in ``score``, above
    the required maximum (the sum of max_score), as Gradescope shows extra credit."""
    scheme = totals.Scheme((totals.GradeCell("01_basics", "test_pool2d", 2.0),
                            totals.GradeCell("02_as_convolution", "test_max_pool_conv_relu", 1.0, optional=True)))
    res = SubmissionResult("alice", [
        Row("alice", "pooling", "01_basics", "test_pool2d", 1.5, 2.0, Status.FAILED, "m"),
        Row("alice", "pooling", "02_as_convolution", "test_max_pool_conv_relu", 1.0, 1.0, Status.PASSED, "ok")])
    out = res.to_gradescope(scheme)
    assert [(t["score"], t["max_score"]) for t in out["tests"]] == [(1.5, 2.0), (1.0, 0.0)]
    assert out["score"] == 2.5 and sum(t["max_score"] for t in out["tests"]) == 2.0


def _result():
    return SubmissionResult("alice", ROWS[:2], [ManualRow("alice", "pooling", "01_basics", "answer_ex1", 1.0)],
                            seconds=1.5, notebook_seconds={"01_basics": 1.5}, sandbox_warnings=["no seccomp"])


@pytest.mark.parametrize("cross", [lambda r: pickle.loads(pickle.dumps(r)),                   # a process pool
                                   lambda r: SubmissionResult.from_dict(json.loads(json.dumps(r.to_dict())))])
def test_a_result_crosses_process_boundaries_unchanged(cross):
    assert cross(_result()) == _result()


def test_as_error_zeroes_every_row_and_leaves_the_original():
    res = _result()
    failed = res.as_error("cannot write")
    assert [(r.points, r.status, r.message, r.feedback, r.result) for r in failed.rows] == \
        [(0.0, Status.ERROR, "cannot write", "", None)] * len(res.rows)
    assert res.rows[0].status is Status.PASSED and failed.manual == res.manual


def test_columns_are_declared_once():
    csv_fields = [f.name for f in dataclasses.fields(Row) if f.name not in ("feedback", "result")]
    assert list(GRADES_COLUMNS) == csv_fields
    assert list(MANUAL_COLUMNS) == [f.name for f in dataclasses.fields(ManualRow)]
    assert GRADES_COLUMNS == ("student_id", "assignment", "notebook", "grade_id", "points", "max_points",
                              "status", "message", "misconception", "groups_failed", "seconds", "flags")
    # the writer uses the very same objects, it does not declare its own
    assert write_results.GRADES_COLUMNS is results.GRADES_COLUMNS
    assert write_results.MANUAL_COLUMNS is results.MANUAL_COLUMNS


def test_tables_are_sorted_and_use_the_declared_columns(tmp_path):
    WriteResults(tmp_path).tables([SubmissionResult("b", ROWS[3:4]), SubmissionResult("a", ROWS[:1])])
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        got = [Row.from_csv({k: csv_uncell(v) for k, v in r.items()}) for r in reader]
    # the declared columns, then the student's lateness (autograder.deadlines; empty without a due date)
    assert tuple(reader.fieldnames) == GRADES_COLUMNS + deadlines.GRADES_LATE_COLUMNS
    assert got == [ROWS[0], ROWS[3]]


HOSTILE = "<script>alert(1)</script>&\"'"


def test_feedback_page_escapes_student_text():
    res = SubmissionResult(HOSTILE, [
        Row(HOSTILE, "pooling", "01_basics", "test_pool2d", 1.5, 2.0, Status.FAILED, HOSTILE, feedback=HOSTILE),
        Row(HOSTILE, "pooling", "01_basics", "test_pool2d_padded", 3.0, 3.0, Status.PASSED, "ok")],
        [ManualRow(HOSTILE, "pooling", "01_basics", "answer_ex1", 1.0, True)])
    page = WriteResults("unused").feedback_page(res, "01_basics")
    from support.page_text import page_text
    text = page_text(page)
    assert "<script" not in page.lower()         # no tag of the student's in the markup
    assert text.count(HOSTILE) == 4              # as text: the title, the heading, the message, the feedback
    assert "<b>4.5 / 5</b>" in page
    assert "<td class=\"failed\"><span lang=\"en\">failed</span></td>" in page
    assert "answer_ex1 (1): 已作答，待人工评分 / answered, awaiting a person" in text
