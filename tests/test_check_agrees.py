"""check() and the grader agree on the operator rule, case by case (issue #20, point 3).

The grader grades the operator-rule corpus (tests/hostile/ban/: the attacks that are automatic
zeros or go to a person, and the honest answers learners write) once, with `autograder grade`,
the batch tests/test_hostile_ban.py grades (one grading per session, ``harness._MEMO``). The same
answer cells then run in an IPython shell, as a student runs the notebook, and ``check()`` is
called there (tests/support/kernel_check.py, one process, a fork per case). For every case:

* the verdict agrees: 0 for the rule / a person will review / clean; check() never shows ✓ for
  a function the grader gives 0 for the rule, nor for one it flags for review;
* a rule violation is reported in the grader's words (its grades.csv message, cell and line
  included), with a fix; a review flag as the feedback page words it, not as a failure;
* where check() cannot find the source it says the rule was not checked.
"""
import json
import pathlib
import re
import subprocess
import sys

import pytest

import harness
import test_hostile_ban as ban
from autograder.pipeline.find_answers import FindAnswers, runnable
from autograder.run.write import student_dir
from autograder.exercises import EXERCISES as FUNCTIONS
from conftest import SOURCE
from course import operator_rule
from support.slow import slow_fixture

ROOT = pathlib.Path(__file__).resolve().parent.parent
DRIVER = ROOT / "tests" / "support" / "kernel_check.py"
RULE_MIDS = ("forbidden_op", "conv_relu_only", "conv_not_used")
CASES = sorted(ban.CASES) + sorted(ban.HONEST)

_POOL2D = """
def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    Y = torch.zeros((max(X.shape[0] - p_h + 1, 0), max(X.shape[1] - p_w + 1, 0)), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = REDUCE
    return Y
"""
# Correct answers with a construct a person reviews (the points stand): none of the ban corpus is
# only that, so the review verdict is compared here, with the grader's static-check step itself.
REVIEW_ONLY = {
    "review_getattr_pool2d": "def _reduce(window, how):\n    return getattr(window, how)()\n" + _POOL2D.replace(
        "REDUCE", "_reduce(X[i:i + p_h, j:j + p_w], 'max' if mode == 'max' else 'mean')"),
    "review_gc_pool2d": "import gc\ngc.collect()\n" + _POOL2D.replace(
        "REDUCE", "X[i:i + p_h, j:j + p_w].max() if mode == 'max' else X[i:i + p_h, j:j + p_w].mean()"),
}


def _function(case):
    return (ban.CASES.get(case) or ban.HONEST[case])[0]


def _notebook(case):
    return (ban.CASES.get(case) or ban.HONEST[case])[1]


def _grader_verdict(row):
    flags = [f for f in row["flags"].split(";") if f]
    if float(row["points"]) == 0 and row["misconception"] in RULE_MIDS:
        return "rule"
    if any(f.startswith("review:") for f in flags):
        return "review"
    return "clean"


def _check_verdict(text, function):
    head = text.splitlines()[0] if text else ""
    if head == f"{function}: ✗":
        return "rule" if "how to fix" in text else "failed"
    if head == f"{function}: ⚠":
        return "review" if operator_rule.REVIEW_NOTE in text else "unchecked"
    return "clean" if head == f"{function}: ✓" else f"? {head!r}"


def _review_sentences(feedback):
    """The '  - ' lines of the grader's review note (the feedback's first block)."""
    if not feedback.startswith(operator_rule.REVIEW_NOTE):
        return []
    block = feedback.split("\n" + operator_rule.REVIEW_POINTS)[0]
    return [line[4:] for line in block.splitlines()[1:] if line.startswith("  - ")]


def _answers(path, notebook):
    """(the notebook, its graded names, the answer cells as the grader finds them: [(label, code)])."""
    from autograder.exercises import EXERCISES as FUNCTIONS
    nb = json.loads(path.read_text(encoding="utf-8"))
    for c in nb["cells"]:                    # nbformat allows a list of lines; the grader joins them
        c["source"] = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
    names = [f.name for f in FUNCTIONS if f.notebook == notebook]
    return nb, names, FindAnswers().find(nb, names)        # AnswerCells, as written


def _kernel_job(path, notebook, function):
    """The notebook's preamble and answer cells as the grader finds them (raw text, notebook
    order), then check() of ``function``, with the graded file as ``__session__``."""
    from autograder.exercises import PREAMBLE
    nb, _names, found = _answers(path, notebook)
    cells = [nb["cells"][cell.index]["source"] for cell in found]
    return {"cells": [PREAMBLE] + cells, "function": function, "session": str(path)}


def _grader_review(path, notebook, function):
    """What the grader's static-check step adds for a person: (automatic findings, the feedback note)."""
    from autograder.pipeline.check_source import CheckSource
    from autograder.core.results import Row
    _nb, names, cells = _answers(path, notebook)
    checker = CheckSource()
    labels = cells = runnable(cells)
    found = checker.check(cells, names)
    row = Row("s", "pooling", notebook, f"test_{function}", feedback="")
    fields = checker.review_fields(row, checker.reviews(found).get(function, []), labels)
    return checker.automatic(found).get(function, []), fields.get("feedback", "")


def run_in_kernel(jobs):
    env = dict(harness.env(), IPYTHONDIR=str(harness._BASE / "ipython"))   # no profile of the user's
    proc = subprocess.run([sys.executable, str(DRIVER)], input=json.dumps(jobs), capture_output=True,
                          text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def _outside_a_notebook(folder):
    """Two jobs: a pool2d imported from a module file (F.max_pool2d on line 5), and the instructor's
    pool2d exec'd from a string (no file holds its source)."""
    from autograder.exercises import PREAMBLE
    from conftest import answer_cells
    folder.mkdir(exist_ok=True)
    (folder / "student_pool.py").write_text(
        "import torch.nn.functional as F\n\n\ndef pool2d(X, pool_size, mode='max'):\n"
        "    return F.max_pool2d(X, pool_size)\n", encoding="utf-8")
    honest = "\n".join(answer_cells(SOURCE / "01_basics.ipynb"))
    return [{"cells": [f"import sys; sys.path.insert(0, {str(folder)!r}); from student_pool import pool2d"],
             "function": "pool2d", "session": None},
            {"cells": [PREAMBLE, f"exec(compile({honest!r}, '<string>', 'exec'))"], "function": "pool2d",
             "session": None}]


@slow_fixture(scope="module")
def both():
    """{case: (the grader's row, its review feedback, what check() showed in the kernel)}."""
    rows, out = harness.graded_once("ban", ban._class)      # the batch test_hostile_ban grades
    rows = {(r["student_id"], r["notebook"], r["grade_id"]): r for r in rows}
    subs = harness._BASE / "ban_class"
    reviewed = harness._BASE / "check_review"
    reviewed.mkdir(exist_ok=True)
    for case, code in REVIEW_ONLY.items():
        (reviewed / f"{case}.ipynb").write_text(json.dumps(harness.with_answer(code, "pool2d", ban.NB1)),
                                                encoding="utf-8")
    jobs = [_kernel_job(subs / f"ban_{c}" / "pooling" / f"{_notebook(c)}.ipynb", _notebook(c), _function(c))
            for c in CASES]
    jobs += [_kernel_job(reviewed / f"{c}.ipynb", ban.NB1, "pool2d") for c in REVIEW_ONLY]
    jobs += [_kernel_job(SOURCE / f"{f.notebook}.ipynb", f.notebook, f.name) for f in FUNCTIONS]
    jobs += _outside_a_notebook(harness._BASE / "check_module")
    shown = run_in_kernel(jobs)
    table = {}
    for case, seen in zip(CASES, shown):
        student, function = f"ban_{case}", _function(case)
        row = rows[(student, _notebook(case), f"test_{function}")]
        results = json.loads((student_dir(out, student) / "results.json").read_text(encoding="utf-8"))
        # the feedback page's text of this row (results.json: one test per notebook and test cell)
        feedback, = [t.get("output", "") for t in results["tests"]
                     if t.get("name") == f"{_notebook(case)}: test_{function}"]
        table[case] = (row, feedback, seen)
    for case, seen in zip(REVIEW_ONLY, shown[len(CASES):]):
        table[case] = (_grader_review(reviewed / f"{case}.ipynb", ban.NB1, "pool2d"), seen)
    for f, seen in zip(FUNCTIONS, shown[len(CASES) + len(REVIEW_ONLY):]):
        table[f.name] = seen
    table["(module)"], table["(no source)"] = shown[-2:]
    return table


@pytest.mark.parametrize("case", CASES)
def test_check_and_the_grader_agree(both, case):
    row, _feedback, seen = both[case]
    function = _function(case)
    assert seen["error"] is None, seen
    assert _check_verdict(seen["text"], function) == _grader_verdict(row), (seen["text"], dict(row))


@pytest.mark.parametrize("case", sorted(ban.CASES))       # every one a 0 for the rule (test_hostile_ban)
def test_a_rule_violation_in_the_graders_words_with_a_fix(both, case):
    row, _feedback, seen = both[case]
    assert _grader_verdict(row) == "rule", dict(row)
    text = seen["text"]
    assert row["message"] in text.splitlines(), (row["message"], text)     # the grades.csv message, verbatim
    assert "怎么改 / how to fix" in text
    assert "✓" not in text.splitlines()[0]


@pytest.mark.parametrize("case", CASES)
def test_a_review_is_told_as_the_feedback_page_tells_it(both, case):
    row, feedback, seen = both[case]
    text = seen["text"]
    static = [s for s in _review_sentences(feedback) if not s.startswith("patched_")]
    if not static:
        assert operator_rule.REVIEW_NOTE not in text, text
        return
    # every construct the grader's static check names, with its cell and line, in the same words
    assert operator_rule.REVIEW_NOTE + ":" in text, text
    for sentence in static:
        assert sentence in text, (sentence, text)


@pytest.mark.parametrize("case", sorted(REVIEW_ONLY))
def test_a_review_alone_is_not_a_failure_and_in_the_graders_words(both, case):
    (automatic, feedback), seen = both[case]
    assert automatic == [] and feedback.startswith(operator_rule.REVIEW_NOTE), feedback
    assert seen["error"] is None, seen
    text = seen["text"]
    assert _check_verdict(text, "pool2d") == "review", text
    assert "公开检查全部通过 / all public checks passed" in text, text         # correct: the points stand
    sentences = _review_sentences(feedback)
    assert sentences and all(s in text for s in sentences), (sentences, text)


@pytest.mark.parametrize("name", [f.name for f in FUNCTIONS])
def test_the_instructors_solutions_get_a_plain_tick(both, name):
    """Every solution of source/pooling, run as a student runs the notebook: ✓, nothing to review,
    the rule checked in its source (no 'could not be found')."""
    seen = both[name]
    assert seen["error"] is None, seen
    assert seen["text"].splitlines()[0] == f"{name}: ✓", seen["text"]


def test_the_corpus_holds_every_kind_of_verdict(both):
    """The agreement is tested on rule violations both ways (source and recorder), reviews with
    and without a 0, and clean code."""
    rows = [both[c][0] for c in CASES]
    assert {_grader_verdict(row) for row in rows} == {"rule", "clean"}
    assert any(_grader_verdict(r) == "rule" and "（" not in r["message"] for r in rows), "recorder: no case"
    assert any(_grader_verdict(r) == "rule" and "（" in r["message"] for r in rows), "source: no case"
    assert any(_review_sentences(both[c][1]) for c in CASES), "no review beside a 0"


def test_a_plain_module_and_code_without_source(both):
    """Outside a notebook: the module's file is the cell, a place is a line; code whose source
    cannot be found gets no ✓ for the rule, but the sentence that it was checked only as it ran."""
    module, unknown = both["(module)"], both["(no source)"]
    assert module["text"].splitlines()[0] == "pool2d: ✗", module
    assert "禁止使用汇聚算子 F.max_pool2d（第 5 行）/ the pooling operator F.max_pool2d is not allowed (line 5)" \
        in module["text"].splitlines(), module
    assert unknown["text"].splitlines()[0] == "pool2d: ⚠", unknown
    assert re.search(r"could not be found: the operator rule was checked only", unknown["text"]), unknown


def test_one_copy_of_the_rule():
    """The grader and check() run the same files: the recorder the sandbox's child loads and the
    static check the grader imports are the student package's, and autograder/ holds no copy
    (a merge that brings one back, or a vendored duplicate, fails here)."""
    import course.forbidden
    import course.source_rules
    from autograder.grading import suites
    from autograder.pipeline import check_source
    from autograder.sandbox import runner
    # the child imports course.forbidden from the folder this process imported it from (first on its path)
    assert str(pathlib.Path(course.forbidden.__file__).resolve().parents[1]) in runner.kit_roots()
    assert suites.forbidden is course.forbidden
    assert check_source.Notebook is course.source_rules.Notebook
    assert not (ROOT / "autograder" / "forbidden.py").exists()
    assert not (ROOT / "autograder" / "source_rules").exists()
    grader_text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "autograder").rglob("*.py"))
    for name in ("class OpRecorder(", "class Notebook:", "def is_pool_name(", "CONV_RELU_ALLOWED =",
                 "禁止使用汇聚算子 {key}", "这个答案将由老师复核 / This answer"):
        assert name not in grader_text, f"autograder/ defines {name!r} again: the rule has one copy, in course/"
