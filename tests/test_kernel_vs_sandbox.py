"""The hidden suites judge the same way in a plain kernel and through the sandbox.

In a kernel (stock nbgrader, self-study) `grade()` calls the student's function
directly (`autograder.hidden.local_call`); the grader calls it in a jailed child
over the wire protocol. Same suite, same cases: the same points, status and
misconception, for every solution and every mutant.
"""
import pathlib

import pytest

from autograder.exercises import EXERCISES as FUNCTIONS, PREAMBLE
from autograder.hidden import local_call
from autograder.sandbox.runner import Engine, Limits
from autograder.grading.suites import run_suite
from conftest import SOURCE, answer_cells

MUTANTS = sorted((pathlib.Path(__file__).parent / "mutants").glob("*/*.py"))


def _solution_code(name):
    nb = SOURCE / f"{next(f for f in FUNCTIONS if f.name == name).notebook}.ipynb"
    return next(code for code in answer_cells(nb) if f"def {name}(" in code)


CASES = [(f.name, "solution", _solution_code(f.name)) for f in FUNCTIONS] + \
        [(p.parent.name, p.stem, p.read_text(encoding="utf-8")) for p in MUTANTS]


@pytest.fixture(scope="module")
def engine():
    eng = Engine(Limits(call_timeout=10, notebook_timeout=120))
    yield eng
    eng.close()


@pytest.mark.parametrize("name,label,code", CASES, ids=[f"{n}-{l}" for n, l, _ in CASES])
def test_same_judgement(engine, name, label, code):
    ns = {}
    exec(PREAMBLE, ns)
    exec(compile(code, f"<{label}>", "exec"), ns)
    in_kernel = run_suite(name, local_call(ns[name]))
    with engine.session([("answer", code)], preamble=PREAMBLE) as s:
        sandboxed = run_suite(name, s.caller(name))
    assert (sandboxed.points, sandboxed.status, sandboxed.misconception) == \
        (in_kernel.points, in_kernel.status, in_kernel.misconception)
    assert [g.passed for g in sandboxed.groups] == [g.passed for g in in_kernel.groups]
