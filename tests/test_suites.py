"""Hidden suites: deterministic cases that cover the issue's list, partial credit, statuses,
feedback that shows one failing case, and the in-kernel grade()/check() entry points."""
import json
import pathlib
import subprocess
import sys
import time

import pytest
import torch

from autograder.grading import make_public_cases
from autograder.exercises import make_cases
from autograder.exercises import BY_NAME, EXERCISES as FUNCTIONS
from autograder.hidden import grade, local_call
from autograder.exercises.references import REFERENCES, pair
from autograder.grading.suites import GROUPS, run_suite
from conftest import load_solution
from course.messages import group_title
from course import selfcheck

NAMES = [f.name for f in FUNCTIONS]
WINDOW_FNS = ["pool2d_padded", "avg_pool_as_conv", "max_pool_as_conv", "min_pool2d"]
MAX_FNS = ["pool2d", "pool2d_padded", "max_pool_as_conv", "min_pool2d", "max_pool_conv_relu",
           "softmax_pool2d", "max_pool2d_backward"]


def tensors(case):
    return [v for v in list(case.args) + list(case.kwargs.values()) if isinstance(v, torch.Tensor)]


def window(case):
    """(k, s, p) pairs of a window-function or backward case."""
    i = 2 if case.args and len(case.args) > 2 and isinstance(case.args[1], torch.Tensor) else 1
    k = pair(case.args[i])
    s = k if case.kwargs.get("stride") is None else pair(case.kwargs["stride"])
    return k, s, pair(case.kwargs.get("padding", 0))


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_cases_are_deterministic(name):
    a, b, c = make_cases(name, 0), make_cases(name, 0), make_cases(name, 1)
    assert repr([(x.group, x.args, x.kwargs) for x in a]) == repr([(x.group, x.args, x.kwargs) for x in b])
    assert repr([x.args for x in a]) != repr([x.args for x in c])


@pytest.mark.parametrize("name", NAMES)
def test_cases_are_plain_and_small(name):
    cases = make_cases(name)
    assert 12 <= len(cases) <= 60
    for case in cases:
        assert case.group in GROUPS[name]
        for v in list(case.args) + list(case.kwargs.values()):
            if isinstance(v, torch.Tensor):
                assert v.dim() in (2, 4) and max(v.shape) <= 9 and v.numel() <= 3 * 3 * 9 * 9
                assert v.dtype in (torch.float32, torch.float64)
            else:
                json.dumps(v)      # ints, floats, strings, None, tuples of ints
    assert {c.group for c in cases} == set(GROUPS[name])


@pytest.mark.parametrize("name", MAX_FNS)
def test_tie_free_where_argmax_matters(name):
    for case in make_cases(name):
        X = case.args[0]
        if isinstance(X, torch.Tensor) and case.group not in ("avg",) and case.kwargs.get("mode") != "avg":
            if name == "softmax_pool2d" and X.abs().max() < 5:   # some softmax cases are plain normal
                continue
            if name == "pool2d" and X.shape == (3, 3):           # the seed's example has no ties either
                pass
            assert X.unique().numel() == X.numel(), (name, case.group)


@pytest.mark.parametrize("name", WINDOW_FNS + ["max_pool2d_backward", "avg_pool2d_backward"])
def test_window_coverage(name):
    cases = make_cases(name)
    shapes = [(c, window(c)) for c in cases]
    sign = 1 if name == "min_pool2d" else -1
    assert any(p != (0, 0) and bool((sign * c.args[0] > 0).all()) for c, (k, s, p) in shapes), \
        "all-negative (min: all-positive) input with padding"
    assert any(k[0] != k[1] for c, (k, s, p) in shapes), "non-square window"
    assert any(s[0] != s[1] for c, (k, s, p) in shapes), "non-square stride"
    assert any(p[0] != p[1] for c, (k, s, p) in shapes), "non-square padding"
    assert any(s[0] > k[0] for c, (k, s, p) in shapes), "stride larger than the window"
    assert any("stride" not in c.kwargs for c in cases), "stride left at None"
    assert any(2 * p[0] == k[0] and p[0] > 0 for c, (k, s, p) in shapes), "padding of half the window"
    assert any(k == (1, 1) for c, (k, s, p) in shapes), "1x1 window"
    assert any(k == tuple(c.args[0].shape[-2:]) for c, (k, s, p) in shapes), "window equal to the input"
    assert any(c.args[0].shape[0] > 1 for c in cases) and any(c.args[0].shape[1] > 1 for c in cases)
    assert {t.dtype for c in cases for t in tensors(c)} == {torch.float32, torch.float64}
    assert any(not t.is_contiguous() for c in cases for t in tensors(c)), "non-contiguous input"
    if name.endswith("_backward"):
        assert any(s[0] < k[0] or s[1] < k[1] for c, (k, s, p) in shapes), "overlapping windows"


def test_softmax_coverage():
    cases = make_cases("softmax_pool2d")
    temps = {c.kwargs.get("temperature", 1.0) for c in cases}
    assert 1e-3 in temps and 1e3 in temps
    assert max(float(c.args[0].abs().max()) for c in cases) >= 1e4 * 0.999


def test_pool_cost_d2l_setting():
    cases = make_cases("pool_cost")
    assert any(pair(c.args[5]) == pair(c.args[3]) and c.group == "d2l" for c in cases)
    assert {c.kwargs.get("mode", "max") for c in cases} == {"max", "avg"}


def test_pool2d_unknown_mode_must_raise():
    cases = [c for c in make_cases("pool2d") if c.expect_error]
    assert cases and all(c.expect_error == "ValueError" for c in cases)


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------

def ref(name):
    fn = REFERENCES[name]

    def student(*args, **kwargs):
        return fn(*args, **kwargs)
    student.__name__ = name
    return student


def test_result_is_json_able():
    result = run_suite("pool_cost", local_call(REFERENCES["pool_cost"]))
    d = json.loads(json.dumps(result.to_dict()))
    assert d["status"] == "passed" and d["points"] == d["max_points"] == BY_NAME["pool_cost"].points
    assert [g["name"] for g in d["groups"]] == list(GROUPS["pool_cost"])


def test_not_implemented_is_an_error():
    def pool2d(X, pool_size, mode='max'):
        raise NotImplementedError
    result = run_suite("pool2d", local_call(pool2d))
    assert (result.status, result.points, result.misconception) == ("error", 0, "not_implemented")


def test_raising_everywhere_is_an_error():
    def pool_cost(c, h, w, pool_size, stride, padding, mode='max'):
        return undefined_name  # noqa: F821
    result = run_suite("pool_cost", local_call(pool_cost))
    assert (result.status, result.points, result.misconception) == ("error", 0, "raises")
    assert "NameError" in result.feedback


def test_raising_value_error_everywhere_is_an_error():
    """Raising for the bad modes is right, but alone it earns nothing (the reported 0.22/2)."""
    def pool2d(X, pool_size, mode='max'):
        raise ValueError(mode)
    result = run_suite("pool2d", local_call(pool2d))
    assert (result.status, result.points, result.misconception) == ("error", 0, "raises")
    assert not [g.name for g in result.groups if g.passed]


def test_mode_group_needs_a_valid_mode_too():
    """Checking the mode earns the group only with right output for mode='max'; avg is judged apart."""
    solution = load_solution("pool2d")

    def pool2d(X, pool_size, mode='max'):
        Y = solution(X, pool_size, mode)
        return Y + 1 if mode == 'max' else Y
    assert {"basic", "mode"} <= set(run_suite("pool2d", local_call(pool2d)).groups_failed)

    def pool2d(X, pool_size, mode='max'):       # noqa: F811
        Y = solution(X, pool_size, mode)
        return Y + 1 if mode == 'avg' else Y
    failed = run_suite("pool2d", local_call(pool2d)).groups_failed
    assert "avg" in failed and "mode" not in failed and "basic" not in failed


def test_timeout():
    def pool_output_shape(h, w, pool_size, stride, padding):
        time.sleep(5)
    result = run_suite("pool_output_shape", local_call(pool_output_shape, timeout=0.05))
    assert result.status == "timeout" and result.points == 0


def test_partial_credit_dtype_only():
    """Right values, float32 output: only the dtype group fails."""
    def min_pool2d(X, pool_size, stride=None, padding=0):
        return REFERENCES["min_pool2d"](X, pool_size, stride, padding).float()
    result = run_suite("min_pool2d", local_call(min_pool2d))
    weights = GROUPS["min_pool2d"]
    expected = round(2 * (1 - weights["dtype"] / sum(weights.values())), 2)
    assert result.points == expected and 0 < result.points < 2
    assert result.groups_failed == ["dtype"]
    assert result.misconception == "dtype_not_kept"


def test_nan_where_torch_is_finite_fails():
    def softmax_pool2d(X, pool_size, stride=None, temperature=1.0):
        Y = REFERENCES["softmax_pool2d"](X, pool_size, stride, temperature)
        return torch.where(X.abs().amax() > 1e3, Y * float("nan"), Y)
    result = run_suite("softmax_pool2d", local_call(softmax_pool2d))
    assert "numerics" in result.groups_failed


def test_feedback_shows_one_case():
    solution = load_solution("pool2d_padded")

    def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
        return solution(X, pool_size, stride, padding, mode) + 1
    result = run_suite("pool2d_padded", local_call(pool2d_padded))
    assert result.points == 0
    assert result.feedback.count("smallest failing case") == 1
    assert "expected" in result.feedback and "got" in result.feedback


def test_student_cannot_mutate_cases():
    solution = load_solution("pool2d")

    def pool2d(X, pool_size, mode='max'):
        Y = solution(X, pool_size, mode)
        X.zero_()
        return Y
    assert run_suite("pool2d", local_call(pool2d)).status == "passed"


# ---------------------------------------------------------------------------
# In-kernel entry points
# ---------------------------------------------------------------------------

def test_grade_returns_float_and_never_writes_stderr(capfd):
    solution = load_solution("pool2d")

    def pool2d(X, pool_size, mode='max'):
        import sys
        print("debug", file=sys.stderr)
        import warnings
        warnings.warn("noisy")
        return solution(X, pool_size, mode)
    points = grade(pool2d)
    out, err = capfd.readouterr()
    assert isinstance(points, float) and points == BY_NAME["pool2d"].points
    assert err == ""
    assert "pool2d" in out
    assert grade("pool2d", pool2d) == points


def test_check_student_mode():
    from conftest import load_solution
    # the instructor's solution passes (the reference would not: it calls torch's pooling operators)
    selfcheck.check(load_solution("pool2d"), report_only=False)     # passes: no exception

    def pool2d(X, pool_size, mode='max'):
        raise NotImplementedError
    with pytest.raises(NotImplementedError):
        selfcheck.check(pool2d, report_only=False)

    solution = load_solution("pool2d_padded")

    def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
        return solution(X, pool_size, 1 if stride is None else stride, padding, mode)
    with pytest.raises(AssertionError, match="stride=None"):
        selfcheck.check(pool2d_padded, report_only=False)


def test_check_by_name_uses_caller_globals(monkeypatch):
    monkeypatch.setitem(globals(), "pool_cost", REFERENCES["pool_cost"])
    selfcheck.check("pool_cost", report_only=False)
    monkeypatch.setitem(globals(), "pool_cost", lambda c, h, w, k, s, p, mode='max': 0)
    with pytest.raises(AssertionError):
        selfcheck.check("pool_cost", report_only=False)


def test_report_only_mode_does_not_raise(capsys):
    def pool2d(X, pool_size, mode='max'):
        raise NotImplementedError
    selfcheck.check(pool2d, report_only=True)
    assert "not implemented" in capsys.readouterr().out


def test_check_beside_the_hidden_grade_only_reports(capsys):
    """A test cell's hidden part imports the grader's grade(): the public check beside it only
    reports (the hidden grade decides the points); without it, the same check raises."""
    def pool2d(X, pool_size, mode='max'):
        return X
    cell = {"pool2d": pool2d, "selfcheck": selfcheck}
    with pytest.raises(AssertionError):
        exec("selfcheck.check(pool2d)", cell)
    exec("from autograder.hidden import grade\nselfcheck.check(pool2d)", cell)
    assert "pool2d: ✗" in capsys.readouterr().out
    cell["grade"] = lambda fn: 0.0                     # a grade() of one's own changes nothing
    with pytest.raises(AssertionError):
        exec("selfcheck.check(pool2d)", cell)


def test_importing_the_hidden_grader_changes_no_check(tmp_path):
    """Importing autograder.hidden switches nothing: outside a test cell, a failing check still raises."""
    code = ("import autograder.hidden\nfrom course import check\n"
            "def pool2d(X, pool_size, mode='max'):\n    return X\n"
            "try:\n    check(pool2d)\nexcept AssertionError:\n    print('RAISED')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert "RAISED" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", NAMES)
def test_public_checks_pass_for_references(name):
    """The public cases' expected values are the reference's: check()'s cases run on the reference
    pass. (Not check() itself: a reference may call torch's pooling operators, which the operator
    rule, part of check(), forbids a student.)"""
    from course.run_cases import run_cases
    cases = selfcheck.public_cases(name)
    runs = list(run_cases(cases, [c.expected for c in cases], selfcheck._call_here(ref(name))))
    assert runs and all(r.passed for r in runs), [(r.case.group, r.result.error) for r in runs if not r.passed]


@pytest.mark.slow       # rebuilds every public case (57 s under load)
def test_public_cases_file_is_current():
    assert make_public_cases.main(["--check"]) == 0


def test_course_never_imports_autograder():
    course = pathlib.Path(selfcheck.__file__).parent
    for path in course.rglob("*.py"):          # its subpackages too (source_rules: the operator rule)
        text = path.read_text(encoding="utf-8")
        assert "import autograder" not in text and "from autograder" not in text, path


def test_html_report():
    html = selfcheck.Report("a < b", False)._repr_html_()
    assert "&lt;" in html and "<pre" in html


def test_every_group_has_a_title():
    for groups in GROUPS.values():
        for g in groups:
            assert group_title(g) != g


def test_readme_table_is_current(repo_root):
    from autograder.grading.suites import suites_table
    assert suites_table() in (repo_root / "README.md").read_text(encoding="utf-8")
