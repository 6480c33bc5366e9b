"""One loop over a graded function's cases, shared by ``check()`` and the hidden suites.

::

    for ran in run_cases(cases, expected, call, deadline=None):
        ...                      # ran.case, ran.result, ran.passed, ran.diff

* ``cases``: objects with ``group, args, kwargs, scale, expect_error`` (the public
  cases of ``course.selfcheck``, the hidden ones of ``autograder.exercises``);
* ``expected``: the reference's output of each case (None where the case must
  raise): read from ``public_cases.json``, or computed by the references in the
  trusted grader;
* ``call(args, kwargs)``: calls the student's function once and returns what it
  came back with (``.value``, ``.error`` as ``"<Type>: <message>"`` or None,
  ``.timed_out``): a ``Returned`` in ``check()``, an
  ``autograder.sandbox.call_result.CallResult`` under the grader.

A case passes when it raises the error it expects, or returns what the
reference returns (``course.compare.compare``: the same tolerances on both
sides). What a caller makes of the runs (property groups, points, diagnosis,
feedback) is its own. This module holds no solution and no case.
"""
import copy
from dataclasses import dataclass
import time

import torch

from course.compare import Diff, compare, should_raise


@dataclass
class Returned:
    """What one call of the student's function came back with."""
    value: object = None
    error: str = None            # "<Type>: <message>" when it raised
    timed_out: bool = False


@dataclass
class Ran:
    """One case as run."""
    index: int
    case: object
    expected: object             # the reference's output (None where the case must raise)
    result: object = None        # what ``call`` returned; None: not called (time was up)
    passed: bool = False
    diff: Diff = None            # how a returned value is wrong (or that it should have raised)


def error_type(error):
    """``"ValueError: ..."`` -> ``"ValueError"``."""
    return error.split(":", 1)[0].strip()


def private_copy(v):
    """A copy of an argument the student's function may change at will; tensors keep their
    strides (a non-contiguous input stays so, which ``clone`` does not promise)."""
    if isinstance(v, torch.Tensor):
        out = torch.empty_strided(v.size(), v.stride(), dtype=v.dtype)
        out.copy_(v)
        return out
    return copy.deepcopy(v)


def judge(case, expected, result):
    """(passed, diff) of one call's ``result`` on ``case``."""
    if result.timed_out:
        return False, None
    if result.error is not None:
        return bool(case.expect_error) and error_type(result.error) == case.expect_error, None
    if case.expect_error:
        return False, should_raise(case.expect_error)
    diff = compare(expected, result.value, scale=case.scale)
    return diff.ok, diff


def run_cases(cases, expected, call, *, deadline=None):
    """Call the student's function on every case in order; yield a ``Ran`` for each.

    After a call that timed out, or once ``time.monotonic()`` is past ``deadline``,
    the remaining cases are not called (their ``Ran`` has no result): a function
    that hung once would only hang again.
    """
    stopped = False
    for i, (case, exp) in enumerate(zip(cases, expected)):
        if stopped or (deadline is not None and time.monotonic() > deadline):
            stopped = True
            yield Ran(i, case, exp)
            continue
        result = call(case.args, case.kwargs)
        stopped = bool(result.timed_out)
        passed, diff = judge(case, exp, result)
        yield Ran(i, case, exp, result, passed, diff)
