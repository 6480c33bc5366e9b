"""The graded functions, as their callers know them: a view of ``autograder.exercises``.

One ``Exercise`` record per function (``autograder/exercises/<name>.py``) holds
its notebook, points, operator rule, reference, cases, groups and mistakes.
"""
from autograder.exercises import (ASSIGNMENT, BY_NAME, EXERCISES, NOTEBOOKS, PREAMBLE,  # noqa: F401
                                  Exercise, functions_in)

GradedFunction = Exercise
FUNCTIONS = EXERCISES
