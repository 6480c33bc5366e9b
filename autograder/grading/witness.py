"""Witnesses: the cases that tell a real implementation from a degenerate one.

A *degenerate* answer ignores what the function computes: it returns one of
its arguments (the input itself, ``(h, w)``), a constant (a fixed value, or
one value everywhere in the right shape: zeros, ones, 0.5, the input's first
element), None, or it raises. A property group earns its points only if it
is *witnessed* (``witnessed_groups``):

* one of its cases is a witness (``is_witness``): it expects a value, not an
  exception; a tensor expected there holds at least two different values;
  and none of the call's arguments equals it (a 1x1 window's output is its
  input, so such a case is never a witness on its own);
* its expected values are not all the same, so no fixed answer passes them all.

Every degenerate answer fails a witnessed group: it fails the witness, or,
being constant, one of two cases that differ. A group of "raises on bad
input" cases alone is never witnessed; it needs a case of correct output
beside them. ``tests/test_degenerate.py`` runs a corpus of such answers.
"""
from typing import Sequence

import torch

from autograder.exercises.record import Case
from course.compare import compare


def same(expected: object, value: object, scale: float = 1.0) -> bool:
    """``value`` passes as ``expected`` (the grader's own comparison; never raises)."""
    try:
        return compare(expected, value, scale=scale).ok
    except Exception:      # e.g. a many-element tensor where a number is expected
        return False


def _uniform(expected, scale):
    """One value everywhere: a constant of the right shape passes it."""
    if expected.numel() < 2:
        return True
    return same(expected, torch.full_like(expected, float(expected.flatten()[0])), scale)


def _arguments(case):
    """What a call could hand back without computing anything."""
    values = list(case.args) + list(case.kwargs.values())
    first_two = [v for v in case.args[:2] if isinstance(v, int) and not isinstance(v, bool)]
    if len(first_two) == 2:
        values.append(tuple(first_two))       # (h, w) of pool_output_shape
    return values


def is_witness(case: Case, expected: object) -> bool:
    """No degenerate answer passes this case (``expected``: the reference's output)."""
    if case.expect_error:
        return False
    if isinstance(expected, torch.Tensor) and _uniform(expected, case.scale):
        return False
    return not any(same(expected, v, case.scale) for v in _arguments(case))


def witnessed_groups(cases: Sequence[Case], expected: Sequence[object]) -> frozenset[str]:
    """Names of the groups that a degenerate answer cannot pass; ``expected[i]`` is case i's."""
    by_group: dict = {}
    for case, value in zip(cases, expected):
        if not case.expect_error:
            by_group.setdefault(case.group, []).append((case, value))
    out = set()
    for group, items in by_group.items():
        first = items[0][1]
        varies = any(not same(value, first, case.scale) for case, value in items[1:])
        if varies and any(is_witness(case, value) for case, value in items):
            out.add(group)
    return frozenset(out)
