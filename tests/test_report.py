"""The class report: its numbers against a hand-built grading directory, and
(end to end) against a synthetic class of known composition."""
import csv
import io
import json
import importlib.util
import pathlib
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict

import numpy as np
import pytest

from autograder.report import report, data as report_data
from autograder.cli.commands import main
from autograder.exercises import BY_NAME
from autograder.run.write import student_dir
from support import results_jsonl

GRADES_HEADER = ["student_id", "assignment", "notebook", "grade_id", "points", "max_points",
                 "status", "message", "misconception", "groups_failed", "seconds"]

# student -> list of (notebook, function, points, max, status, misconception, groups_failed, seconds)
HAND_BUILT = {
    "alice": [("01_basics", "pool2d", 2, 2, "passed", "", "", 0.5),
              ("01_basics", "pool2d_padded", 0, 3, "failed", "max_zero_padding", "padding", 0.5),
              ("03_cost", "pool_output_shape", 2, 2, "passed", "", "", 0.2)],
    "bob": [("01_basics", "pool2d", 1, 2, "failed", "", "avg", 0.4),
            ("01_basics", "pool2d_padded", 0, 3, "failed", "max_zero_padding", "padding;stride", 0.4),
            ("03_cost", "pool_output_shape", 0, 2, "timeout", "", "", 5.0)],
    "carol": [("01_basics", "pool2d", 0, 2, "invalid", "", "", 0.0),
              ("01_basics", "pool2d_padded", 0, 3, "invalid", "", "", 0.0),
              ("03_cost", "pool_output_shape", 0, 2, "failed", "forbidden_op", "", 0.3)],
    "dave": [("01_basics", "pool2d", 2, 2, "passed", "", "", 0.1),
             ("01_basics", "pool2d_padded", 3, 3, "passed", "", "", 0.1),
             ("03_cost", "pool_output_shape", 1, 2, "failed", "shape_off_by_one", "ceil", 0.9)],
}
GROUPS = {"pool2d": ["max", "avg"], "pool2d_padded": ["padding", "stride"],
          "pool_output_shape": ["floor", "ceil"]}


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


@pytest.fixture
def graded_dir(tmp_path):
    """A small grading output directory as `autograder grade` lays it out (results.jsonl: the
    suites' results, with their groups)."""
    rows, records = [], []
    for s, tests in HAND_BUILT.items():
        gs_tests = []
        for nb, fn, pts, mx, status, mis, failed, sec in tests:
            msg = "无法读取 / unreadable notebook" if status == "invalid" else status
            rows.append([s, "pooling", nb, f"test_{fn}", pts, mx, status, msg, mis, failed, sec])
            if status == "invalid":
                continue
            failed_set = set(failed.split(";")) if failed else set()
            groups = [{"name": g, "weight": 1, "passed": status == "passed" or
                       (status == "failed" and g not in failed_set), "n_cases": 4,
                       "n_failed": int(g in failed_set)} for g in GROUPS[fn]]
            if status == "timeout":
                groups = []
            gs_tests.append(dict(results_jsonl.suite_result(fn, pts, mx, status, mis or None, groups), notebook=nb))
        student_dir(tmp_path, s).mkdir(parents=True)
        records.append(results_jsonl.record(s, gs_tests))
    results_jsonl.write(tmp_path, records)
    write_csv(tmp_path / "grades.csv", GRADES_HEADER, rows)
    write_csv(tmp_path / "manual.csv",
              ["student_id", "assignment", "notebook", "grade_id", "max_points", "answered"],
              [[s, "pooling", "04_min_softmax", gid, 2, ans]
               for s, answers in {"alice": (True, True), "bob": (True, False),
                                  "carol": (False, False), "dave": (True, False)}.items()
               for gid, ans in zip(("ex4_answer", "ex5_answer"), answers)])
    (tmp_path / "run.json").write_text(json.dumps(
        {"started": "2026-01-01T10:00:00", "finished": "2026-01-01T10:00:07",
         "seconds": 7.0, "kit_version": "0.1.0", "workers": 2,
         "per_submission_seconds": {"alice": 1.5, "bob": 6.1, "carol": 0.4, "dave": 1.2}}))
    return tmp_path


def test_numbers_of_hand_built_dir(graded_dir):
    rep = report_data.build(graded_dir)
    assert rep.students == ["alice", "bob", "carol", "dave"]
    totals = {s: t.total for s, t in rep.totals.items()}
    assert totals == {"alice": 4, "bob": 1, "carol": 0, "dave": 6}
    assert rep.max_total == 7
    st = rep.stats
    assert st.mean == pytest.approx(11 / 4)
    assert st.median == pytest.approx(2.5)
    assert (st.q1, st.q3) == (pytest.approx(0.75), pytest.approx(4.5))
    assert rep.notebooks["01_basics"].stats.mean == pytest.approx((2 + 1 + 0 + 5) / 4)

    rates = {r.function: r for r in rep.pass_rates}
    assert [r.function for r in rep.pass_rates] == ["pool2d", "pool2d_padded", "pool_output_shape"]
    assert rates["pool2d"].share == pytest.approx(0.5)
    groups = {g.name: g.share for g in rates["pool2d_padded"].groups}
    # alice failed padding only, bob both, carol invalid, dave passed
    assert groups == {"padding": pytest.approx(0.25), "stride": pytest.approx(0.5)}

    mis = {m.id: m for m in rep.misconceptions}
    assert rep.misconceptions[0].id == "max_zero_padding"
    assert mis["max_zero_padding"].students == ["alice", "bob"]
    assert mis["shape_off_by_one"].count == 1

    manual = {m.grade_id: m for m in rep.manual}
    assert (manual["ex4_answer"].answered, manual["ex4_answer"].blank) == (3, 1)
    assert manual["ex5_answer"].students == ["alice"]

    pr = rep.problems
    assert [(p.student_id, p.notebook) for p in pr.invalid] == [("carol", "01_basics")]
    assert [p.student_id for p in pr.timeout] == ["bob"]
    assert [p.student_id for p in pr.forbidden] == ["carol"]
    assert rep.slowest == [("bob", 6.1), ("alice", 1.5), ("dave", 1.2), ("carol", 0.4)]
    # without run.json: the per-test seconds, summed
    assert report_data.slowest(rep.grades, {})[0] == ("bob", pytest.approx(5.8))


def test_the_report_reads_totals_problems_and_results(graded_dir):
    rep = report.build(graded_dir, integrity=False)
    assert rep.totals["dave"].total == 6
    assert rep.problems.invalid[0].student_id == "carol"
    assert report.load(graded_dir).results[("alice", "pool2d")].status == "passed"


def test_an_older_run_without_results_jsonl_says_re_run(graded_dir, capsys):
    """#21: the report reads the kit's results.jsonl; a DIR graded by an older kit gets a clear
    bilingual message and exit status 2, no traceback, and nothing is written."""
    (graded_dir / "results.jsonl").unlink()
    assert main(["report", str(graded_dir)]) == 2
    err = capsys.readouterr().err
    assert "请重新运行 autograder grade" in err and "re-run autograder grade" in err
    assert "Traceback" not in err and not (graded_dir / "report.html").exists()
    (graded_dir / "results.jsonl").write_text('{"student_id": "alice", "rows": [{"nope": 1}]}\n')
    assert main(["report", str(graded_dir)]) == 2
    assert "line 1" in capsys.readouterr().err


def test_the_report_never_reads_gradescope_results_json(graded_dir):
    """Gradescope's results.json is an output only: the report's numbers are the same without it."""
    before = report_data.build(graded_dir, integrity=False)
    lie = {"tests": [{"name": fn, "extra_data": {"name": fn, "status": "passed", "behaviour": {"wrong": {}},
                                                  "groups": [{"name": "max", "passed": True}]}}
                     for fn in GROUPS]}
    for s in HAND_BUILT:                         # results.json that contradicts every record
        (student_dir(graded_dir, s) / "results.json").write_text(json.dumps(lie))
    after = report_data.build(graded_dir, integrity=False)
    assert after.pass_rates == before.pass_rates and after.totals == before.totals
    assert {g.name for r in after.pass_rates for g in r.groups} == {g for gs in GROUPS.values() for g in gs}


def test_writes_self_contained_html_and_csvs(graded_dir):
    assert main(["report", str(graded_dir)]) == 0
    page = (graded_dir / "report.html").read_text(encoding="utf-8")
    assert "全班错在哪里" in page and "What the class got wrong" in page
    assert page.count("data:image/png;base64,") >= 3
    # nothing fetched from elsewhere: no external scripts, styles or images
    for needle in ("<script", "http://", "https://", "<link"):
        assert needle not in page
    assert 'href="#student-alice"' in page and 'id="student-alice"' in page

    students = list(csv.DictReader(open(graded_dir / "report_students.csv", encoding="utf-8")))
    assert [r["student_id"] for r in students] == ["alice", "bob", "carol", "dave"]
    assert students[3] == {"student_id": "dave", "total": "6", "max": "7",
                           "01_basics": "5", "03_cost": "1"}
    tests = list(csv.DictReader(open(graded_dir / "report_tests.csv", encoding="utf-8")))
    assert len(tests) == 12 and tests[0]["function"] == "pool2d"
    assert {r["status"] for r in tests if r["student_id"] == "carol"} == {"invalid", "failed"}


def test_missing_grades_is_an_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "grades.csv" in capsys.readouterr().err


def test_compare_with_nbgrader_export(graded_dir, tmp_path):
    export = tmp_path / "export.csv"
    header = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
              "email", "raw_score", "late_submission_penalty", "score", "max_score"]
    rows = [["pooling", "", "", s, "", "", "", t, 0, t, 13]
            for s, t in {"alice": 4, "bob": 1, "carol": 0, "dave": 6}.items()]
    write_csv(export, header, rows)
    assert report.compare_with_nbgrader_export(graded_dir / "grades.csv", export) == []
    rows[1][9] = 2.0
    rows.pop()
    write_csv(export, header, rows)
    assert report.compare_with_nbgrader_export(graded_dir / "grades.csv", export) == [
        ("bob", 1.0, 2.0), ("dave", 6.0, None)]


# ---------------------------------------------------------------- the synthetic class

def _load_make_class():
    import importlib.util
    path = pathlib.Path(__file__).resolve().parent.parent / "examples" / "make_class.py"
    spec = importlib.util.spec_from_file_location("make_class", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


make_class_mod = _load_make_class()


def _cell(kind, source, grade_id=None, **nbgrader):
    cell = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(outputs=[], execution_count=None)
    if grade_id:
        cell["metadata"]["nbgrader"] = {"grade_id": grade_id, **nbgrader}
    return cell


def _nb(cells):
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture
def tiny_course(tmp_path):
    """A course with one notebook, two graded functions, a written answer and two mutants."""
    root = tmp_path / "course"
    stub = "def {0}(X):\n    # 在这里写你的代码 / YOUR CODE HERE\n    raise NotImplementedError()\n"
    sol = "def {0}(X):\n    ### BEGIN SOLUTION\n    return X + 1\n    ### END SOLUTION\n"
    for side, body in (("release", stub), ("source", sol)):
        cells = [_cell("code", "import torch\n"),
                 _cell("code", body.format("pool2d"), "answer_pool2d", solution=True),
                 _cell("code", "assert True\n", "test_pool2d", grade=True, points=2),
                 _cell("code", body.format("min_pool2d"), "answer_min_pool2d", solution=True),
                 _cell("markdown", "在这里写你的答案 / YOUR ANSWER HERE", "written_ex4",
                       solution=True, grade=True, points=2)]
        path = root / side / "pooling" / "01_basics.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(_nb(cells)))
    mutants = root / "tests" / "mutants" / "pool2d"
    mutants.mkdir(parents=True)
    (mutants / "pad_zero.py").write_text('"""misconception: max_zero_padding\n\nPads with 0."""\n'
                                         "def pool2d(X):\n    return X\n")
    (mutants / "other.py").write_text('"""misconception: none"""\ndef pool2d(X):\n    return X * 0\n')
    return root


def test_make_class_is_deterministic_and_matches_its_composition(tiny_course, tmp_path):
    comp = make_class_mod.make_class(16, tmp_path / "a", seed=3, root=tiny_course)
    again = make_class_mod.make_class(16, tmp_path / "b", seed=3, root=tiny_course)
    assert comp == again
    for s in comp["students"]:
        assert (tmp_path / "a" / s / "pooling" / "01_basics.ipynb").read_bytes() == \
            (tmp_path / "b" / s / "pooling" / "01_basics.ipynb").read_bytes()
    assert json.loads((tmp_path / "a" / "composition.json").read_text()) == comp
    assert make_class_mod.make_class(16, tmp_path / "c", seed=4, root=tiny_course) != comp

    assert [kind for _, _, kind in comp["malformed"]] == ["empty", "truncated", "not_notebook"]
    kinds = set()
    for s, entry in comp["students"].items():
        path = tmp_path / "a" / s / "pooling" / "01_basics.ipynb"
        bad = entry["malformed"].get("01_basics")
        text = path.read_text(encoding="utf-8")
        if bad == "empty":
            assert text == ""
            continue
        if bad == "truncated":
            with pytest.raises(ValueError):
                json.loads(text)
            continue
        if bad == "not_notebook":
            assert "cells" in json.loads(text) and not isinstance(json.loads(text)["cells"], list)
            continue
        cells = {c["metadata"].get("nbgrader", {}).get("grade_id"): "".join(c["source"])
                 for c in json.loads(text)["cells"]}
        for fn, used in entry["functions"].items():
            kinds.add((fn, used["kind"]))
            code = cells[f"answer_{fn}"]
            if used["kind"] == "solution":
                assert "return X + 1" in code and "### BEGIN SOLUTION" not in code
                assert used["expect_pass"]
            elif used["kind"] == "mutant":
                assert code == (tiny_course / used["source"]).read_text()
                assert used["misconception"] == ("max_zero_padding" if "pad_zero" in used["source"] else None)
            else:
                assert "NotImplementedError" in code
        answered = entry["written"]["written_ex4"]["answered"]
        assert ("YOUR ANSWER HERE" in cells["written_ex4"]) != answered
    # min_pool2d has no mutants: solutions and stubs only
    assert ("min_pool2d", "mutant") not in kinds
    assert {("pool2d", k) for k in ("solution", "mutant")} <= kinds


# ---------------------------------------------------------------- end to end

ROOT = pathlib.Path(__file__).resolve().parent.parent
AUTOGRADER = pathlib.Path(sys.executable).parent / "autograder"


def _require_grader():
    if importlib.util.find_spec("autograder.cli.commands") is None or not list((ROOT / "release" / "pooling").glob("*.ipynb")):
        pytest.skip("the grader or the released notebooks are not there yet")


@pytest.fixture
def graded_class(reported_class30):
    """make_class -> autograder grade -> autograder report; (composition, output dir). The class of 30
    that the golden test grades, graded and reported once per session (tests/support/graded.py):
    read it, never write into it."""
    _require_grader()
    return reported_class30.composition, reported_class30.out


def _stub_misconception(fn, got):
    """An untouched stub is not implemented; where the exercise requires F.conv2d, the
    suites may first report that the stub never calls it."""
    if BY_NAME[fn].forbid in ("pooling_require_conv", "conv_relu_only") and got in report_data.RULE_BREAKS:
        return got
    return "not_implemented"


def _rows(out, name):
    return list(csv.DictReader(open(out / name, encoding="utf-8")))


@pytest.mark.slow
def test_report_of_generated_class_matches_its_composition(graded_class):
    comp, out = graded_class
    rep = report_data.build(out)
    students = comp["students"]
    assert rep.students == sorted(students)
    rows = {(r.student_id, r.function): r for r in rep.grades}

    # invalid notebooks: exactly the malformed ones
    assert sorted([p.student_id, p.notebook] for p in rep.problems.invalid) == \
        sorted([s, nb] for s, nb, _ in comp["malformed"])

    # each answer's outcome, as composed
    for s, entry in students.items():
        for fn, used in entry["functions"].items():
            row = rows.get((s, fn))
            if row is None:  # an optional function left as a stub may go ungraded
                assert BY_NAME[fn].optional and used["kind"] == "stub"
                continue
            if used["invalid"]:
                assert row.status == "invalid"
            elif used["kind"] == "solution":
                assert row.status == "passed", (s, fn, row.message)
            elif used["kind"] == "stub":
                assert row.status != "passed"
                assert row.misconception == _stub_misconception(fn, row.misconception)
            else:
                assert row.status != "passed", (s, fn, used["source"])
                if used["misconception"]:
                    assert row.misconception == used["misconception"], (s, fn, used["source"])

    # pass rates per function
    for r in rep.pass_rates:
        expected = sum(students[s]["functions"][r.function]["expect_pass"] for s in students
                       if (s, r.function) in rows)
        assert r.passed == expected, r.function
        assert r.share == pytest.approx(expected / r.n)

    # misconception counts: every student with a named mutant is counted; anyone else
    # counted came from a mutant whose header names no misconception
    expected, unnamed = defaultdict(set), set()
    for s, entry in students.items():
        for fn, used in entry["functions"].items():
            if used["invalid"]:
                continue
            if used["kind"] == "mutant":
                if used["misconception"]:
                    expected[used["misconception"]].add(s)
                else:
                    unnamed.add(s)
            elif used["kind"] == "stub" and (s, fn) in rows:
                expected[_stub_misconception(fn, rows[s, fn].misconception)].add(s)
    got = {m.id: set(m.students) for m in rep.misconceptions}
    for mid, who in expected.items():
        assert who <= got.get(mid, set()) <= who | unnamed, mid
    assert set(got) <= set(expected) | ({m for m, w in got.items() if w <= unnamed})

    # score statistics: between what the composition guarantees and that plus the mutants' points
    lo, hi = {}, {}
    for s, entry in students.items():
        # the optional bonus is kept out of the required total (#15)
        lo[s] = sum(BY_NAME[fn].points for fn, u in entry["functions"].items()
                    if u["expect_pass"] and not BY_NAME[fn].optional)
        hi[s] = lo[s] + sum(BY_NAME[fn].points for fn, u in entry["functions"].items()
                            if u["kind"] == "mutant" and not u["invalid"] and not BY_NAME[fn].optional)
        assert lo[s] - 1e-9 <= rep.totals[s].total <= hi[s] + 1e-9, s
    totals = [rep.totals[s].total for s in sorted(students)]
    assert rep.stats.mean == pytest.approx(sum(totals) / len(totals))
    assert rep.stats.median == pytest.approx(float(np.median(totals)))
    lms = _rows(out, "report_students.csv")
    assert [float(r["total"]) for r in lms] == pytest.approx(totals)

    # written answers awaiting a human: the ones the composition filled in
    answered = Counter(gid for entry in students.values() for gid, w in entry["written"].items()
                       if w["answered"] and not w["invalid"])
    assert {m.grade_id: m.answered for m in rep.manual} == \
        {gid: answered[gid] for nb in comp["written"].values() for gid in nb}

    page = (out / "report.html").read_text(encoding="utf-8")
    assert "全班错在哪里" in page
    assert len(_rows(out, "report_tests.csv")) == len(rep.grades)



@pytest.mark.slow
def test_grades_totals_match_nbgrader_export(graded_totals_class, tmp_path):
    """`nbgrader autograde` + `nbgrader export` on a small class give grades.csv's totals. The class is
    test_totals' (optional work done or not, forged metadata), graded both ways once per session."""
    _require_grader()
    import harness
    course = tmp_path / "course"                    # nbgrader export writes its log there: a copy
    shutil.copytree(graded_totals_class.course, course)
    nbg = pathlib.Path(sys.executable).parent / "nbgrader"
    res = subprocess.run([str(nbg), "export", "--to", str(tmp_path / "export.csv")], cwd=course,
                         env=harness.env(), capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    exported = _rows(tmp_path, "export.csv")
    students = {p.name for p in graded_totals_class.submissions.iterdir() if p.is_dir()}
    assert {r["student_id"] for r in exported} == students and any(float(r["score"]) > 0 for r in exported)
    assert report.compare_with_nbgrader_export(graded_totals_class.out / "grades.csv",
                                               tmp_path / "export.csv") == []


def test_bonus_apart_weakest_one_per_function_and_errors_listed(tmp_path):
    """#15: the optional bonus is outside the required total; "Weakest property groups" has one
    row per function; the sentence about tests that raised links to a list of them."""
    rows = []
    for s, pts in (("ann", 1.0), ("ben", 0.0)):
        rows.append([s, "pooling", "01_basics", "test_pool2d", 2.0 if s == "ann" else 0.0, 2, "passed" if s == "ann"
                     else "error", "函数尚未实现 / The function is not implemented yet" if s == "ben" else "", "",
                     "", 0.1])
        rows.append([s, "pooling", "02_as_convolution", "test_max_pool_conv_relu", pts, 1,
                     "passed" if pts else "failed", "", "", "", 0.1])
    write_csv(tmp_path / "grades.csv", GRADES_HEADER, rows)
    results_jsonl.write(tmp_path, [results_jsonl.record(s) for s in ("ann", "ben")])
    write_csv(tmp_path / "manual.csv", ["student_id", "assignment", "notebook", "grade_id", "max_points",
                                        "answered"], [])
    (tmp_path / "run.json").write_text(json.dumps({"per_submission_seconds": {"ann": 1.0, "ben": 1.0}}))
    rep = report_data.build(tmp_path, integrity=False)
    assert rep.totals["ann"].total == 2 and rep.totals["ann"].bonus == 1
    assert rep.max_total == 2

    def rate(fn, share, optional, groups):
        return report_data.PassRate(fn, f"test_{fn}", "01_basics", 10, optional, int(share * 10), share,
                                    [report_data.GroupRate(g, int(v * 10), v) for g, v in groups])
    rates = [rate("pool2d_padded", 0.0, False, [("padding", 0.1), ("stride", 0.2), ("basic", 0.3)]),
             rate("pool2d", 0.5, False, [("avg", 0.5)]),
             rate("max_pool_conv_relu", 0.0, True, [("basic", 0.0)])]
    weak = report_data.weakest_groups(rates)
    assert [fn for _, fn, _ in weak] == ["pool2d_padded", "pool2d"]
    assert weak[0][2] == "padding"
    page = report.render_html(rep)
    assert 'href="#errors"' in page and 'id="errors"' in page
    assert "optional bonus" in page
    students = list(csv.DictReader(io.StringIO(report.students_csv(rep))))
    assert students[0]["total"] == "2" and students[0]["bonus"] == "1"


# ---------------------------------------------------------------- the data layer, counted by hand

SMALL_GRADES = """\
student_id,assignment,notebook,grade_id,points,max_points,status,message,misconception,groups_failed,seconds,flags
ann,pooling,01_basics,test_pool2d,2.0,2.0,passed,ok,,,0.5,
ann,pooling,01_basics,test_pool2d_padded,1.0,3.0,failed,m,max_zero_padding,padding,0.5,
ann,pooling,03_cost,test_pool_output_shape,2.0,2.0,passed,ok,,,0.25,
ben,pooling,01_basics,test_pool2d,0.0,2.0,error,评分器错误 / grader error: boom,,,0.0,
ben,pooling,01_basics,test_pool2d_padded,0.0,3.0,failed,m,max_zero_padding,padding;stride,1.0,
ben,pooling,03_cost,test_pool_output_shape,0.0,2.0,timeout,slow,timeout,,9.0,
cy,pooling,01_basics,test_pool2d,0.0,2.0,error,raised,raises,,0.0,
cy,pooling,01_basics,test_pool2d_padded,0.0,3.0,invalid,unreadable,,,0.0,
cy,pooling,03_cost,test_pool_output_shape,0.0,2.0,failed,'=bad,forbidden_op,,0.25,tampering:x
"""
SMALL_MANUAL = """\
student_id,assignment,notebook,grade_id,max_points,answered
ann,pooling,04_min_softmax,ex4_answer,2.0,True
ben,pooling,04_min_softmax,ex4_answer,2.0,False
cy,pooling,04_min_softmax,ex4_answer,2.0,True
"""


@pytest.fixture
def small_dir(tmp_path):
    (tmp_path / "grades.csv").write_text(SMALL_GRADES, encoding="utf-8")
    (tmp_path / "manual.csv").write_text(SMALL_MANUAL, encoding="utf-8")
    # the kit's own records, without suite results: no group detail
    results_jsonl.write(tmp_path, [results_jsonl.record(s) for s in ("ann", "ben", "cy")])
    return tmp_path


@pytest.fixture
def small(small_dir):
    return report_data.build(small_dir, integrity=False)


def hand_rows():
    """The small grades.csv read with the csv module alone (no report code)."""
    return list(csv.DictReader(io.StringIO(SMALL_GRADES)))


@pytest.mark.parametrize("function", ["pool2d", "pool2d_padded", "pool_output_shape"])
def test_pass_rate_is_the_share_of_students_passing(small, function):
    rows = [r for r in hand_rows() if r["grade_id"] == f"test_{function}"]
    passed = sum(r["status"] == "passed" for r in rows)
    rate = next(r for r in small.pass_rates if r.function == function)
    assert (rate.passed, rate.n) == (passed, len(rows))
    assert rate.share == pytest.approx(passed / len(rows))


@pytest.mark.parametrize("student", ["ann", "ben", "cy"])
def test_totals_are_the_sum_of_the_rows(small, student):
    rows = [r for r in hand_rows() if r["student_id"] == student]
    t = small.totals[student]
    assert t.total == pytest.approx(sum(float(r["points"]) for r in rows))
    assert t.max == pytest.approx(sum(float(r["max_points"]) for r in rows))
    for nb in {r["notebook"] for r in rows}:
        assert t.points_in(nb) == pytest.approx(sum(float(r["points"]) for r in rows if r["notebook"] == nb))


@pytest.mark.parametrize("mid", ["max_zero_padding", "timeout", "raises", "forbidden_op"])
def test_misconception_counts_students(small, mid):
    who = sorted({r["student_id"] for r in hand_rows() if r["misconception"] == mid})
    m = next(m for m in small.misconceptions if m.id == mid)
    assert (m.count, m.students) == (len(who), who)
    assert m.general == (mid != "max_zero_padding")


@pytest.mark.parametrize("kpi, count", [
    ("students", lambda rows: len({r["student_id"] for r in rows})),
    ("invalid", lambda rows: len({(r["student_id"], r["notebook"]) for r in rows if r["status"] == "invalid"})),
    ("timeouts", lambda rows: sum(r["status"] == "timeout" for r in rows)),
    ("rule_breaks", lambda rows: sum(r["misconception"] == "forbidden_op" for r in rows)),
    ("grader_errors", lambda rows: sum(r["message"].startswith("评分器错误") for r in rows)),
])
def test_key_figures(small, kpi, count):
    assert getattr(small.kpis, kpi) == count(hand_rows())


def test_the_small_class_by_hand(small):
    assert small.kpis.awaiting == 2                             # ann and cy answered ex4
    assert [(c.answered, c.blank, c.students) for c in small.manual] == [(2, 1, ["ann", "cy"])]
    assert [p.student_id for p in small.problems.error_rows] == ["cy"]   # the grader's error is apart
    assert [(p.student_id, p.message) for p in small.problems.integrity] == [("cy", "tampering:x")]
    assert small.problems.forbidden[0].message == "=bad"        # the formula-proof cell read back
    assert small.slowest[0] == ("ben", pytest.approx(10.0))     # no run.json: the rows' seconds
    assert [m.id for m in small.top_misconceptions] == ["max_zero_padding"]
    # no suite results in results.jsonl, so no group detail: each function counts as a whole, weakest first
    assert small.weakest == [(0.0, "pool2d_padded", ""), (pytest.approx(1 / 3), "pool2d", ""),
                             (pytest.approx(1 / 3), "pool_output_shape", "")]
    assert small.needs_help == ["ben", "cy", "ann"]


def test_hostile_text_is_escaped_by_the_template(small_dir):
    """Autoescape, not hand-written escaping: an id or message that is markup shows as text."""
    evil = '<img src=x onerror=alert(1)>"'
    text = SMALL_GRADES.replace("cy,", f'"{evil.replace(chr(34), chr(34) * 2)}",').replace("raised", "<b>raised</b>")
    (small_dir / "grades.csv").write_text(text, encoding="utf-8")
    page = report.render_html(report_data.build(small_dir, integrity=False))
    assert "<img src=x" not in page and "<b>raised</b>" not in page
    # messages go through course.lang.mark_english: escaped, with their English words in <span lang="en">
    text = re.sub(r'<span lang="en">|</span>', "", page)
    assert "&lt;img src=x onerror=alert(1)&gt;" in text and "&lt;b&gt;raised&lt;/b&gt;" in text


def test_report_command_options_and_exit_codes(small_dir, tmp_path, capsys):
    assert main(["report", str(small_dir), "--no-integrity"]) == 0
    assert "3 名学生 students" in capsys.readouterr().out
    assert not (small_dir / "integrity.csv").exists()
    export = tmp_path / "export.csv"
    write_csv(export, ["assignment", "student_id", "score"], [["pooling", "ann", 5.0], ["pooling", "ben", 1.0]])
    assert main(["report", str(small_dir), "--no-integrity", "--nbgrader-export", str(export)]) == 1
    err = capsys.readouterr().err
    assert "mismatch ben" in err and "mismatch cy" in err and "mismatch ann" not in err


def test_csv_exports_keep_their_bytes(small_dir):
    """report_students.csv and report_tests.csv as the report wrote them before the data layer
    (formula-proof cells, CRLF, points without a trailing .0)."""
    report.write_report(small_dir, integrity=False)
    assert (small_dir / "report_students.csv").read_bytes() == (
        b"student_id,total,max,01_basics,03_cost\r\nann,5,7,3,2\r\nben,0,7,0,0\r\ncy,0,7,0,0\r\n")
    tests = (small_dir / "report_tests.csv").read_bytes().decode("utf-8").split("\r\n")
    assert tests[0] == ("student_id,assignment,notebook,grade_id,function,points,max_points,status,"
                        "misconception,groups_failed,seconds,message")
    assert tests[4] == "ben,pooling,01_basics,test_pool2d,pool2d,0,2,error,,,0.0,评分器错误 / grader error: boom"
    assert tests[9] == "cy,pooling,03_cost,test_pool_output_shape,pool_output_shape,0,2,failed,forbidden_op,,0.25,'=bad"
    assert len(tests) == 11 and tests[-1] == ""
