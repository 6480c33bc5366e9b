"""Mutation testing: every wrong implementation in tests/mutants/ loses points on its own suite.

Each ``tests/mutants/<function>/<mistake>.py`` defines the graded function
under its contract name; the first docstring line is ``misconception: <id>``,
or ``misconception: <id>, <id>, ...`` for a mutant with several independent
faults (the diagnosis must name exactly those, the first one first), or ``none``. The mutants never
call torch's pooling (except min_pool2d, which may).
"""
import pathlib

import pytest

from autograder.exercises import make_cases
from autograder.exercises import BY_NAME, EXERCISES as FUNCTIONS
from autograder.hidden import local_call
from autograder.grading.suites import run_suite
from course.messages import CATALOG
from course.messages import message as fb_message

MUTANTS = pathlib.Path(__file__).parent / "mutants"
FILES = sorted(MUTANTS.glob("*/*.py"))
_results = {}


def load_mutant(path):
    """(function name, misconception id or None, the function)."""
    name = path.parent.name
    source = path.read_text(encoding="utf-8")
    ns = {"__name__": f"mutant_{name}_{path.stem}"}
    exec(compile(source, str(path), "exec"), ns)
    header = ns["__doc__"].strip().splitlines()[0]
    assert header.startswith("misconception: "), path
    mid = header.split(":", 1)[1].strip()
    if "," in mid:
        mid = tuple(m.strip() for m in mid.split(","))
    return name, (None if mid == "none" else mid), ns[name]


def _grade(path):
    if path not in _results:
        name, mid, fn = load_mutant(path)
        _results[path] = (name, mid, run_suite(name, local_call(fn)))
    return _results[path]


def test_corpus_covers_every_function():
    assert len(FILES) >= 40
    covered = {p.parent.name for p in FILES}
    assert covered == set(BY_NAME), set(BY_NAME) - covered


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_mutant_loses_points(path):
    name, mid, result = _grade(path)
    assert result.points < result.max_points, result.feedback
    if isinstance(mid, tuple):
        # Several independent faults: every one is named, nothing else.
        assert all(m in CATALOG for m in mid)
        assert sorted(result.misconceptions) == sorted(mid), result.feedback
        assert result.misconception == mid[0], result.feedback      # the header lists the primary first
        for m in mid:
            assert fb_message(m) in result.feedback
    elif mid is not None:
        assert mid in CATALOG
        assert result.misconception == mid, result.feedback
        assert result.misconceptions == [mid], result.feedback


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_mutant_uses_no_torch_pooling(path):
    """The corpus is about wrong ideas, not forbidden calls (min_pool2d may pool)."""
    name, _, fn = load_mutant(path)
    if name == "min_pool2d":
        return
    ops = set()
    for case in make_cases(name)[:8]:
        ops |= local_call(fn)(case.args, case.kwargs).ops
    assert not [op for op in ops if "pool" in op]


def test_kill_rate(record_property, summary):
    killed = sum(1 for p in FILES if _grade(p)[2].points < _grade(p)[2].max_points)
    rate = f"mutation kill rate: {killed}/{len(FILES)} ({100 * killed // len(FILES)}%)"
    print("\n" + rate)
    record_property("mutation_kill_rate", f"{killed}/{len(FILES)}")
    summary.append(rate)
    assert killed == len(FILES), rate


@pytest.mark.parametrize("name", [f.name for f in FUNCTIONS])
def test_solution_full_marks(name):
    from conftest import load_solution
    result = run_suite(name, local_call(load_solution(name)))
    assert result.status == "passed", result.feedback
    assert result.points == result.max_points
