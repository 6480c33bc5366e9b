"""No property group is passable by a degenerate implementation.

Every answer of ``tests/mutants/degenerate.py`` (the input itself, zeros,
ones, 0.5, a constant, the first element, the input's max or mean everywhere,
the input cropped to the output's shape, None, raising any exception, and
"raise ValueError for a bad mode, else one of those") earns exactly 0 on
every graded function, with the operator policy out of the way: the suites'
groups themselves must refuse them (``autograder.grading.witness``).
"""
import dataclasses
import importlib.util
import pathlib

import pytest
import torch

from autograder.grading import witness
from autograder.exercises.record import Case
from autograder.exercises import EXERCISES as FUNCTIONS, PREAMBLE
from autograder.hidden import local_call
from autograder.exercises.references import REFERENCES
from autograder.sandbox.runner import Engine, Limits
from autograder.grading.suites import GROUPS, earnable_groups, run_suite

_spec = importlib.util.spec_from_file_location(
    "degenerate", pathlib.Path(__file__).parent / "mutants" / "degenerate.py")
degenerate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(degenerate)

NAMES = [f.name for f in FUNCTIONS]
LABELS = sorted(degenerate.DEGENERATES)


def template(name, args, kwargs):
    """The torch reference's output for this call; for a bad mode, the output of a valid one."""
    ref = REFERENCES[name]
    try:
        with torch.enable_grad():     # the backward references use autograd
            return ref(*args, **kwargs)
    except ValueError:
        args = tuple(a for a in args if not isinstance(a, str))
        kwargs = {k: v for k, v in kwargs.items() if not isinstance(v, str)}
        with torch.enable_grad():
            return ref(*args, **kwargs)


# Ops that satisfy every operator policy (a convolution, which the *_as_conv ones
# require): so that only the groups judge.
ALLOWED_OPS = frozenset({"aten.convolution"})


def degenerate_call(name, label):
    """A ``call`` that runs degenerate ``label``, shaped by the reference computed outside the recorder."""
    make = degenerate.DEGENERATES[label]

    def call(args, kwargs):
        result = local_call(make(template(name, args, kwargs)))(args, kwargs)
        return dataclasses.replace(result, ops=ALLOWED_OPS, x_ops=ALLOWED_OPS)
    return call


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("name", NAMES)
def test_degenerate_earns_nothing(name, label):
    result = run_suite(name, degenerate_call(name, label))
    assert result.points == 0, (label, result.groups)
    assert not [g.name for g in result.groups if g.passed]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("name", NAMES)
def test_every_group_is_witnessed(name, seed):
    """Else honest solutions could not earn that group (and the suite's design is wrong)."""
    assert earnable_groups(name, seed) == frozenset(GROUPS[name])


X = torch.tensor([[1.0, 2.0], [3.0, 4.0]])


def test_raising_alone_is_no_witness():
    cases = [Case("mode", (X, 1, "min"), expect_error="ValueError"),
             Case("mode", (X, 1, "mean"), expect_error="ValueError")]
    assert witness.witnessed_groups(cases, [None, None]) == frozenset()


def test_output_equal_to_input_is_no_witness():
    assert not witness.is_witness(Case("edge", (X, 1)), X.clone())
    assert witness.is_witness(Case("edge", (X, (1, 2))), torch.tensor([[2.0], [4.0]]))


def test_uniform_output_is_no_witness():
    assert not witness.is_witness(Case("basic", (X, 2)), torch.full((2, 2), 0.5))
    assert not witness.is_witness(Case("basic", (X, 2)), torch.tensor([[4.0]]))


def test_one_answer_everywhere_is_no_witnessed_group():
    """pool_output_shape's old 'basic' group: three cases, all (2, 2)."""
    cases = [Case("basic", (4, 4, 2, 2, 0)), Case("basic", (6, 6, 3, 3, 0)), Case("basic", (4, 4, 3, 2, 1))]
    assert witness.witnessed_groups(cases, [(2, 2)] * 3) == frozenset()
    cases.append(Case("basic", (6, 8, 2, 2, 0)))
    assert witness.witnessed_groups(cases, [(2, 2)] * 3 + [(3, 4)]) == {"basic"}


def test_the_shape_functions_input_is_no_witness():
    assert not witness.is_witness(Case("edge", (4, 4, 1, 1, 0)), (4, 4))


# The two reported cases and the (2, 2) constant, through the real sandbox and operator policy.
SANDBOXED = [
    ("pool2d", "def pool2d(X, pool_size, mode='max'):\n    raise ValueError(mode)\n"),
    ("pool2d", "def pool2d(X, pool_size, mode='max'):\n"
               "    if mode not in ('max', 'avg'):\n        raise ValueError(mode)\n    return X\n"),
    ("softmax_pool2d", "def softmax_pool2d(X, pool_size, stride=None, temperature=1.0):\n    return X\n"),
    ("pool_output_shape", "def pool_output_shape(h, w, pool_size, stride, padding):\n    return (2, 2)\n"),
]


@pytest.fixture(scope="module")
def engine():
    eng = Engine(Limits(call_timeout=10, notebook_timeout=120))
    yield eng
    eng.close()


@pytest.mark.parametrize("name,code", SANDBOXED, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SANDBOXED)])
def test_degenerate_earns_nothing_in_the_sandbox(engine, name, code):
    with engine.session([("answer", code)], preamble=PREAMBLE) as s:
        result = run_suite(name, s.caller(name))
    assert result.points == 0, result.feedback
