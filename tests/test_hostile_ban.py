"""The operator ban, defended in depth: attacks on the op recorder, graded with `autograder grade`.

Each case in tests/hostile/ban/ is one answer cell that replaces one function's
answer in the instructor's notebook: forbidden pooling in a second thread, the
recorder blinded through gc, a frame walk or torch's dispatch internals, and
the conv+ReLU bonus taking its max with numpy, builtin max, torch.maximum or a
sort. The recorder runs in the child, where such code can defeat it; the
parent's static check (autograder/pipeline/check_source.py) must not be
defeated: the attacker earns 0 on the attacked function and keeps every
other function of the notebook, graded beside an honest student who keeps
full marks.
"""
import json
import pathlib
import sys

import pytest

import harness  # noqa: E402

BAN = pathlib.Path(__file__).resolve().parent / "hostile" / "ban"
NB1, NB2 = "01_basics", "02_as_convolution"
FULL = {NB1: {"test_pool2d": 2.0, "test_pool2d_padded": 3.0},
        NB2: {"test_avg_pool_as_conv": 2.0, "test_max_pool_as_conv": 3.0, "test_max_pool_conv_relu": 1.0}}

# case -> (attacked function, notebook, misconception, a flag the row must carry)
CASES = {
    "thread_pool2d_padded": ("pool2d_padded", NB1, "tampering", "tampering:threading"),
    "gc_avg_pool_as_conv": ("avg_pool_as_conv", NB2, "tampering", "tampering:gc"),
    "getframe_max_pool_as_conv": ("max_pool_as_conv", NB2, "tampering", "tampering:sys._getframe"),
    "dispatch_off_pool2d_padded": ("pool2d_padded", NB1, "tampering", "tampering:torch.utils._python_dispatch"),
    "dispatch_c_max_pool_as_conv": ("max_pool_as_conv", NB2, "tampering", "tampering:torch._C"),
    "bonus_numpy": ("max_pool_conv_relu", NB2, "conv_relu_only", "forbidden_op:numpy"),
    "bonus_builtin_max": ("max_pool_conv_relu", NB2, "conv_relu_only", "forbidden_op:max"),
    "bonus_torch_maximum": ("max_pool_conv_relu", NB2, "conv_relu_only", "forbidden_op:torch.maximum"),
    "bonus_sort": ("max_pool_conv_relu", NB2, "conv_relu_only", "forbidden_op:sort"),
    "bonus_python_floats": ("max_pool_conv_relu", NB2, "conv_relu_only", "forbidden_op:float"),
}


def test_every_case_file_is_graded():
    assert {p.stem for p in BAN.glob("*.py") if not p.stem.startswith("_")} == set(CASES)


def _class():
    """SUBMISSIONS: `honest` (both notebooks) and one student per case (the attacked notebook)."""
    subs = harness._BASE / "ban_class"
    if subs.exists():
        return subs

    def put(student, notebook, nb):
        d = subs / student / "pooling"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{notebook}.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    put("honest", NB1, harness.source_nb(NB1))
    put("honest", NB2, harness.source_nb(NB2))
    for case, (function, notebook, _mid, _flag) in CASES.items():
        code = (BAN / f"{case}.py").read_text(encoding="utf-8")
        put(f"ban_{case}", notebook, harness.with_answer(code, function=function, notebook=notebook))
    return subs


@pytest.fixture(scope="module")
def graded():
    if "ban" not in harness._MEMO:
        out = harness._BASE / "ban_out"
        res = harness.run_cli(_class(), out, "--workers", "2")
        rows = harness.read_grades(out) if (out / "grades.csv").exists() else []
        harness._MEMO["ban"] = (rows, out, res)
    rows, out, res = harness._MEMO["ban"]
    assert res.returncode == 0, res.stderr[-3000:]
    return {"rows": {(r["student_id"], r["notebook"], r["grade_id"]): r for r in rows}, "out": out}


def test_honest_keeps_full_marks(graded):
    for notebook, tests in FULL.items():
        for grade_id, pts in tests.items():
            row = graded["rows"][("honest", notebook, grade_id)]
            assert float(row["points"]) == pts, row
            assert not any(f.startswith(("tampering:", "forbidden_op:")) for f in row["flags"].split(";"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_attacker_earns_nothing_there_and_keeps_the_rest(graded, case):
    function, notebook, _mid, _flag = CASES[case]
    student = f"ban_{case}"
    for grade_id, pts in FULL[notebook].items():
        row = graded["rows"][(student, notebook, grade_id)]
        if grade_id == f"test_{function}":
            assert float(row["points"]) == 0.0, row
        else:
            assert float(row["points"]) == pts, row


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_row_says_what_and_where(graded, case):
    function, notebook, mid, flag = CASES[case]
    row = graded["rows"][(f"ban_{case}", notebook, f"test_{function}")]
    assert row["status"] == "failed"
    assert row["misconception"] == mid
    assert flag in row["flags"].split(";"), row["flags"]
    # the message names one of the constructs found (the first in the cell) and its line
    named = [f.split(":", 1)[1] for f in row["flags"].split(";") if ":" in f]
    assert any(n in row["message"] for n in named), row["message"]
    assert "第" in row["message"] and "行" in row["message"] and "line" in row["message"], row["message"]


def test_report_lists_the_flagged_rows(graded):
    from autograder import report
    rep = report.build(graded["out"])
    listed = {(p.student_id, p.grade_id) for p in rep.problems.integrity}
    for case, (function, _nb, _mid, _flag) in CASES.items():
        assert (f"ban_{case}", f"test_{function}") in listed
    assert not any(s == "honest" and "tampering" in p.message
                   for p in rep.problems.integrity for s in [p.student_id])
