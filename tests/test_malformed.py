"""Anything a student can hand in: unreadable notebooks get `invalid` rows with a reason,
readable oddities are graded in full, and the student's other notebooks are never affected.
Edited, deleted, duplicated or re-typed grade cells change nothing."""
import copy
import functools
import json

import pytest

from support.slow import slow_fixture

import harness  # noqa: E402

from autograder.pipeline.read_notebook import InvalidNotebook, ReadNotebook  # noqa: E402


def _dump(nb):
    return json.dumps(nb, ensure_ascii=False).encode("utf-8")


def _cells(nb, gid):
    return [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid]


def _v3(nb):
    """The same notebook as nbformat 3 wrote it (worksheets, code in `input`)."""
    cells = []
    for c in nb["cells"]:
        src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        if c["cell_type"] == "code":
            cells.append({"cell_type": "code", "input": src, "language": "python", "outputs": [],
                          "collapsed": False, "metadata": c.get("metadata", {})})
        else:
            cells.append({"cell_type": c["cell_type"], "source": src, "metadata": c.get("metadata", {})})
    return _dump({"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""},
                  "worksheets": [{"cells": cells, "metadata": {}}]})


def _deep():
    return b'{"cells": ' + b"[" * 100000 + b"]" * 100000 + b"}"


def _huge_outputs(nb):
    nb = copy.deepcopy(nb)
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x" * (4 << 20)}]
    return _dump(nb)


def _edit_tests(nb):
    nb = copy.deepcopy(nb)
    for c in nb["cells"]:
        m = c.get("metadata", {}).get("nbgrader", {})
        if m.get("grade") and not m.get("solution"):
            m["points"] = 100
            c["source"] = "grade = lambda f: 100\ngrade(None)\n"
    return _dump(nb)


def _delete_tests(nb):
    nb = copy.deepcopy(nb)
    nb["cells"] = [c for c in nb["cells"] if not c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "").startswith("test_")]
    return _dump(nb)


def _duplicate_cells(nb):
    nb = copy.deepcopy(nb)
    extra = copy.deepcopy(_cells(nb, "test_pool2d") + _cells(nb, "answer_pool2d"))
    nb["cells"] += extra
    return _dump(nb)


def _retype_tests(nb):
    nb = copy.deepcopy(nb)
    for c in nb["cells"]:
        m = c.get("metadata", {}).get("nbgrader", {})
        if m.get("grade_id", "").startswith("test_"):
            c["metadata"] = {}                       # re-typed by hand: no metadata
    return _dump(nb)


def _strip_answer_metadata(nb):
    nb = copy.deepcopy(nb)
    for c in nb["cells"]:
        c.get("metadata", {}).pop("nbgrader", None)
    return _dump(nb)


def _broken_metadata(nb):
    nb = copy.deepcopy(nb)
    for c in nb["cells"]:
        m = c.get("metadata", {}).get("nbgrader")
        if m and m.get("grade_id", "").startswith("test_"):
            m["points"] = "lots"
        elif m:
            m["grade_id"] = 12345
    nb["cells"].append({"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "solution": False,
                        "points": 50, "grade_id": "test_bonus", "locked": True}}, "source": "100", "outputs": [],
                        "execution_count": None})
    return _dump(nb)


SRC = harness.source_nb()

# name -> (what makes the bytes of 01_basics.ipynb, expected: 'invalid' or 'full'). Made when first
# read (case_bytes), not at collection: every pytest process of the suite collects this module.
CASES = {
    "empty": (lambda: b"", "invalid"),
    "whitespace": (lambda: b"  \n\n ", "invalid"),
    "truncated": (lambda: _dump(SRC)[:3000], "invalid"),
    "binary": (lambda: bytes(range(256)) * 64, "invalid"),
    "json_list": (lambda: b"[1, 2, 3]", "invalid"),
    "json_string": (lambda: b'"notebook"', "invalid"),
    "no_cells": (lambda: b'{"nbformat": 4, "metadata": {}}', "invalid"),
    "cells_not_list": (lambda: b'{"nbformat": 4, "cells": {"a": 1}}', "invalid"),
    "deeply_nested": (lambda: _deep(), "invalid"),
    "nbformat_2": (lambda: b'{"nbformat": 2, "worksheets": 7}', "invalid"),
    "nbformat_3": (lambda: _v3(SRC), "full"),
    "huge_outputs": (lambda: _huge_outputs(SRC), "full"),
    "utf16": (lambda: json.dumps(SRC, ensure_ascii=False).encode("utf-16"), "full"),
    "gbk": (lambda: json.dumps(SRC, ensure_ascii=False).encode("gbk", errors="replace"), "full"),
    "edited_tests": (lambda: _edit_tests(SRC), "full"),
    "deleted_tests": (lambda: _delete_tests(SRC), "full"),
    "duplicated_cells": (lambda: _duplicate_cells(SRC), "full"),
    "retyped_tests": (lambda: _retype_tests(SRC), "full"),
    "stripped_metadata": (lambda: _strip_answer_metadata(SRC), "full"),
    "broken_metadata": (lambda: _broken_metadata(SRC), "full"),
}


@functools.cache
def case_bytes(name):
    return CASES[name][0]()


def malformed_class():
    subs = harness._BASE / "malformed_class"
    if subs.exists():
        return subs
    other = _dump(harness.source_nb("02_as_convolution"))
    for name in CASES:
        data = case_bytes(name)
        d = subs / f"m_{name}" / "pooling"
        d.mkdir(parents=True)
        (d / "01_basics.ipynb").write_bytes(data)
        (d / "02_as_convolution.ipynb").write_bytes(other)
    return subs


def graded_malformed():
    if "malformed" not in harness._MEMO:
        out = harness._BASE / "malformed_out"
        res = harness.run_cli(malformed_class(), out, *harness.WORKERS)
        harness._MEMO["malformed"] = (harness.read_grades(out) if (out / "grades.csv").exists() else [], out, res)
    return harness._MEMO["malformed"]


@slow_fixture(scope="module")
def graded():
    rows, out, res = graded_malformed()
    assert res.returncode == 0, res.stderr[-3000:]
    return rows


@pytest.mark.parametrize("name", sorted(CASES))
def test_reader_never_crashes(name):
    data, expect = case_bytes(name), CASES[name][1]
    if expect == "invalid":
        with pytest.raises(InvalidNotebook) as e:
            ReadNotebook().read(data)
        assert "/" in str(e.value)                    # zh / en reason
    else:
        nb = ReadNotebook().read(data)
        assert any("def pool2d(" in c["source"] for c in nb["cells"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_rows(graded, name):
    _, expect = CASES[name]
    mine = {r["grade_id"]: r for r in graded if r["student_id"] == f"m_{name}" and r["notebook"] == "01_basics"}
    assert set(mine) == {"test_pool2d", "test_pool2d_padded"}          # tests come from source/, never the submission
    assert [float(mine[g]["max_points"]) for g in ("test_pool2d", "test_pool2d_padded")] == [2.0, 3.0]
    if expect == "invalid":
        assert all(r["status"] == "invalid" and float(r["points"]) == 0 and r["message"] for r in mine.values())
    else:
        assert [float(mine[g]["points"]) for g in ("test_pool2d", "test_pool2d_padded")] == [2.0, 3.0]
    others = [r for r in graded if r["student_id"] == f"m_{name}" and r["notebook"] == "02_as_convolution"]
    assert others and all(r["status"] == "passed" for r in others)


def test_submissions_untouched(graded):
    for name in CASES:
        assert (malformed_class() / f"m_{name}" / "pooling" / "01_basics.ipynb").read_bytes() == case_bytes(name)
