"""The typed results core (autograder.core.results): rows survive their CSV, statuses keep their bytes,
results.json is what Gradescope reads, and the table columns are declared once."""
import csv
import dataclasses
import io
import json
import pickle

import pytest

from autograder.core import deadlines, results, totals
from autograder.run import write as write_results
from autograder.run.write import WriteResults, csv_text, csv_uncell
from autograder.core.cells import AnswerCell
from autograder.core.results import (GRADER_ERROR, GRADES_COLUMNS, MANUAL_COLUMNS, FunctionResult,
    GroupResult, ManualRow, Row, Status, SubmissionResult)


def _read_back(columns, values):
    """One row through the kit's CSV writer and back, as report.read_csv gives it."""
    text = csv_text(columns, [values])
    (cells,) = list(csv.DictReader(io.StringIO(text, newline="")))
    return {k: csv_uncell(v) for k, v in cells.items()}


ROWS = [
    Row("alice", "pooling", "01_basics", "test_pool2d", 2.0, 2.0, Status.PASSED, "全部通过 / all checks passed",
        seconds=0.125, flags={"solution_copy"}),
    Row("=HYPERLINK(\"x\")", "pooling", "01_basics", "test_pool2d_padded", 1.36, 3.0, Status.FAILED,
        "-1 is wrong\r\nsecond line", "max_zero_padding", ("padding", "edge"), 0.5),
    Row("'quoted", "pooling", "04_min_softmax", "test_min_pool2d", 0.0, 2.0, Status.INVALID,
        "不是有效的 JSON / not valid JSON"),
    Row("bob", "pooling", "05_gradients", "test_max_pool2d_backward", 0.0, 3.0, Status.TIMEOUT, "@timeout",
        "timeout", ("basic",), 30.0, {"solution_copy", "check_error"}),
    Row("carol", "pooling", "03_cost", "test_pool_cost", 0.0, 2.0, Status.ERROR, f"{GRADER_ERROR}: boom",
        grader_error=True),
]

SUITE_RESULT = FunctionResult("pool2d_padded", 1.36, 3.0, 0.45, Status.FAILED, "m", "fb", "max_zero_padding",
                              [GroupResult("basic", 1.0, True, 4, 0), GroupResult("padding", 2.0, False, 3, 2)],
                              {"digest": "ab" * 8, "wrong": {"3": "c" * 12}}, ["max_zero_padding"],
                              {"title": "t", "input": [[1.0, None]], "window": [0, 0, 2, 2]})


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.status.value)
def test_row_round_trips_through_csv(row):
    row = dataclasses.replace(row, feedback="long text", result=SUITE_RESULT)
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


@pytest.mark.parametrize("field", ["groups_failed", "flags"])
def test_a_row_refuses_a_joined_string_for_a_collection(field):
    """Typed all the way: a ``;``-joined string is made by to_csv only, never passed around."""
    with pytest.raises(TypeError):
        Row("a", "p", "n", "g", **{field: "padding;stride"})


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.status.value)
def test_typed_fields_become_strings_only_in_the_csv(row):
    assert isinstance(row.groups_failed, tuple) and isinstance(row.flags, frozenset)
    cells = dict(zip(GRADES_COLUMNS, row.to_csv()))
    assert cells["groups_failed"] == ";".join(row.groups_failed)
    assert cells["flags"] == ";".join(sorted(row.flags)) and cells["status"] == row.status.value


def test_grader_error_is_a_field_and_only_the_csv_reader_reads_the_prefix():
    """A grader error is the flag; the message prefix is how grades.csv shows it to a person."""
    ok = Row("s", "p", "n", "g", status=Status.ERROR, message=f"{GRADER_ERROR}: x")
    assert not ok.grader_error                     # a student's message cannot make it one
    assert Row.from_csv(_read_back(GRADES_COLUMNS, ok.to_csv())).grader_error
    failed = Row.from_csv(_read_back(GRADES_COLUMNS, dataclasses.replace(ok, status=Status.FAILED).to_csv()))
    assert not failed.grader_error
    assert ok.as_error("why", grader_error=True).grader_error and not ok.as_error("why").grader_error


@pytest.mark.parametrize("cells", [(), (AnswerCell(2, ("pool2d", "pool2d_padded"), "def pool2d(X):\n    %time 1\n"),
                                        AnswerCell(7, ("pool2d",), "<script>\udcff"))])
def test_answer_cells_travel_with_the_result(cells):
    res = SubmissionResult("s", ROWS[:1], answers={"01_basics": cells} if cells else {})
    back = SubmissionResult.from_dict(json.loads(json.dumps(res.to_dict())))
    assert back == res and back.answers == res.answers
    if cells:
        assert cells[0].label == "cell 3 (pool2d, pool2d_padded)" and cells[0].number == 3
    assert res.for_tables().answers == {}


def test_submission_result_to_gradescope():
    picture_result = {"name": "pool2d_padded", "points": 1.36, "max_points": 3.0, "score": 0.45,
                      "status": "failed", "message": "m", "feedback": "fb", "misconception": "max_zero_padding",
                      "groups": [], "behaviour": None, "misconceptions": ["max_zero_padding"], "picture": None}
    res = SubmissionResult("alice", [
        Row("alice", "pooling", "01_basics", "test_pool2d", 2.0, 2.0, Status.PASSED, "ok"),
        Row("alice", "pooling", "01_basics", "test_pool2d_padded", 1.36, 3.0, Status.FAILED, "m",
            "max_zero_padding", ("padding",), feedback="fb", result=FunctionResult.from_dict(picture_result)),
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
    return SubmissionResult("alice", [dataclasses.replace(ROWS[1], result=SUITE_RESULT, feedback="fb"), *ROWS],
                            [ManualRow("alice", "pooling", "01_basics", "answer_ex1", 1.0)],
                            seconds=1.5, notebook_seconds={"01_basics": 1.5}, sandbox_warnings=["no seccomp"],
                            answers={"01_basics": (AnswerCell(0, ("pool2d",), "def pool2d(X): pass"),)})


@pytest.mark.parametrize("cross", [lambda r: pickle.loads(pickle.dumps(r)),                   # a process pool
                                   lambda r: SubmissionResult.from_dict(json.loads(json.dumps(r.to_dict())))])
def test_a_result_crosses_process_boundaries_unchanged(cross):
    assert cross(_result()) == _result()


def test_as_error_zeroes_every_row_and_leaves_the_original():
    res = _result()
    failed = res.as_error("cannot write")
    assert [(r.points, r.status, r.message, r.feedback, r.result) for r in failed.rows] == \
        [(0.0, Status.ERROR, "cannot write", "", None)] * len(res.rows)
    assert res.rows[0].status is Status.FAILED and res.rows[0].result is SUITE_RESULT and failed.manual == res.manual


def test_columns_are_declared_once():
    csv_fields = [f.name for f in dataclasses.fields(Row) if f.name not in ("feedback", "result", "grader_error")]
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
    # the declared columns, then the student's lateness (autograder.core.deadlines; empty without a due date)
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


# ---------------------------------------------------------------- the golden classes' own records

def _records(run):
    with open(run.out / "results.jsonl", "rb") as f:
        return [(line, SubmissionResult.from_dict(json.loads(line))) for line in f]


@pytest.mark.slow       # graded_<name> grades a class (once per session, shared with test_golden)
@pytest.mark.parametrize("name", ["demo", "class30"])
def test_results_jsonl_round_trips_and_agrees_with_every_output(name, request):
    """Property over every row of the golden classes: results.jsonl's records go through
    from_dict / to_dict exactly (the bytes of each line again), the cache holds the same record,
    and each record makes the very grades.csv, manual.csv rows and results.json the run wrote."""
    from autograder.run.collect import CACHE
    from autograder.run.write import record_line, student_dir, student_folder
    from course.safe_text import display_id
    run = request.getfixturevalue(f"graded_{name}")
    records = _records(run)
    assert len(records) == len(run.run_json()["students"]) > 0
    assert [r.student_id for _, r in records] == sorted(r.student_id for _, r in records)
    grades = (run.out / "grades.csv").read_bytes().decode("utf-8")
    want_rows, want_manual = [], []
    scheme = totals.scheme()
    for line, res in records:
        assert record_line(res) == line                                  # byte for byte
        assert SubmissionResult.from_dict(json.loads(json.dumps(res.to_dict()))) == res
        for r in res.rows:                                               # each row alone too
            assert Row.from_dict(json.loads(json.dumps(r.to_dict()))) == r
            assert isinstance(r.flags, frozenset) and isinstance(r.groups_failed, tuple)
            assert r.result is None or (r.result.name == r.function and isinstance(r.result.status, Status))
        cached = json.loads((run.out / CACHE / f"{student_folder(res.student_id)}.json").read_text("utf-8"))
        assert SubmissionResult.from_dict(cached["result"]) == res
        gs = (student_dir(run.out, res.student_id) / "results.json").read_text("utf-8")
        assert json.dumps(res.to_gradescope(scheme), ensure_ascii=False, indent=1) == gs
        want_rows += [dataclasses.replace(r, student_id=display_id(r.student_id)) for r in res.rows]
        want_manual += [dataclasses.replace(m, student_id=display_id(m.student_id)) for m in res.manual]
        for nb, cells in res.answers.items():                            # as submitted, in notebook order
            assert [c.index for c in cells] == sorted(c.index for c in cells) and all(c.functions for c in cells)
    # each row ends with its student's lateness: empty cells, as these classes have no due date
    from autograder.core.deadlines import GRADES_LATE_COLUMNS, late_cells
    assert csv_text(GRADES_COLUMNS + GRADES_LATE_COLUMNS,
                    (r.to_csv() + late_cells(None) for r in sorted(want_rows, key=results.sort_key))) == grades
    assert csv_text(MANUAL_COLUMNS, (m.to_csv() for m in sorted(want_manual, key=results.sort_key))) == \
        (run.out / "manual.csv").read_bytes().decode("utf-8")
    assert any(res.answers for _, res in records)


def test_results_jsonl_holds_graded_and_cached_records_and_never_a_stale_one(tmp_path):
    """The collector's results.jsonl: one record a line, sorted, written at close; a re-run that
    takes a result from the cache records it the same; an older run's file is gone once a run starts."""
    from autograder.run.collect import CollectResults
    from autograder.pipeline.find_submissions import Submission
    cell = AnswerCell(4, ("pool2d",), "def pool2d(X):\n    return X  # \u2028 <b>\udcff")
    results = {sid: SubmissionResult(sid, [dataclasses.replace(ROWS[1], student_id=sid, result=SUITE_RESULT)],
                                     answers={"01_basics": (cell,)}) for sid in ("zoe", "=cmd", "ann\udcff")}
    subs = [Submission(sid, {}) for sid in results]
    first = CollectResults(tmp_path, "digest")
    for sub, key in first.todo(subs, key_of=lambda s: "k"):
        first.finish(sub, key, results[sub.student_id])
    first.close()
    data = (tmp_path / "results.jsonl").read_bytes()
    lines = data.split(b"\n")[:-1]
    assert data.isascii() and len(lines) == 3               # ASCII: no byte of a student's splits a line
    got = [SubmissionResult.from_dict(json.loads(line)) for line in lines]
    assert [r.student_id for r in got] == sorted(results) and got == [results[s] for s in sorted(results)]
    again = CollectResults(tmp_path, "digest")
    assert not (tmp_path / "results.jsonl").exists()        # an older run's record is never read beside new tables
    assert again.todo(subs, key_of=lambda s: "k") == []     # every one cached
    again.close()
    assert (tmp_path / "results.jsonl").read_bytes() == data
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".results")]   # the spool left nothing
