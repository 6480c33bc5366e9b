"""The graded functions' torch references, by name: a view of the exercise records.

Each reference lives with its record (``autograder/exercises/<name>.py``), in the style of
``torch/nn/functional.py``: one function per operator, its docstring stating the shapes and the
semantics. This module only gathers them (``REFERENCES[name]``, or ``references.<name>``) for
the callers that name it; it lists nothing itself.
"""
from autograder.exercises import EXERCISES
from autograder.exercises.windows import pair, window_args  # noqa: F401  (the arguments' conventions)

REFERENCES = {e.name: e.reference for e in EXERCISES}
globals().update(REFERENCES)       # references.pool2d is the pool2d record's reference
