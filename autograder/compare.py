"""Comparing a student's output with the reference.

The comparison itself lives in ``course.feedback`` (so the public self-check
and the hidden grader agree to the last tolerance); this module adds what
only the grader needs: picking the smallest failing case.

Tolerances are dtype-aware (``TOLERANCES``: float32 rtol 1e-4 / atol 1e-5,
float64 rtol 1e-7 / atol 1e-9, atol times the input magnitude); NaN or inf
where torch is finite always fails; the output dtype must equal the input's.
"""
from course.feedback import TOLERANCES, Diff, compare  # noqa: F401  (re-exported)


def smallest(failures):
    """The failure whose case is smallest (ties: the first). ``failures``: objects with ``.case``."""
    return min(failures, key=lambda f: f.case.size) if failures else None
