"""The assignment's graded functions: one ``Exercise`` record each, in notebook order.

Each module here defines one record (``EXERCISE``): notebook, points, operator
rule, reference, case generator, property groups and mistake models. Beside
them: ``record`` (the types), ``draw`` (seeded draws), ``families`` (cases and
groups shared by the window and backward families) and ``transforms`` (mistakes
shared by several exercises, written once as transformations of a reference).

Adding an exercise: its operator in ``autograder/references.py``, one module
here (listed below), its notebook cells, its messages in ``course.messages.CATALOG``;
then ``python -m autograder.make_public_cases``.
"""
from autograder.course_dir import ASSIGNMENT  # noqa: F401  (the assignment these exercises make up)
from autograder.exercises import (avg_pool2d_backward, avg_pool_as_conv, conv_relu_counts, max_pool2d_backward,
                                  max_pool_as_conv, max_pool_conv_relu, min_pool2d, pool2d, pool2d_padded,
                                  pool_cost, pool_output_shape, softmax_pool2d)
from autograder.exercises.draw import Gen
from autograder.exercises.record import Case, Exercise, Mistake  # noqa: F401  (the record types)


# What every student answer cell may rely on: the notebooks' first code cell
# imports exactly this, and the sandboxed child runs it before the answer cells.
PREAMBLE = """\
import math
import torch
from torch import nn
import torch.nn.functional as F
"""

EXERCISES = [m.EXERCISE for m in (
    pool2d, pool2d_padded,                                                     # 01_basics
    avg_pool_as_conv, max_pool_as_conv, max_pool_conv_relu, conv_relu_counts,  # 02_as_convolution
    pool_output_shape, pool_cost,                                              # 03_cost
    min_pool2d, softmax_pool2d,                                                # 04_min_softmax
    max_pool2d_backward, avg_pool2d_backward,                                  # 05_gradients
)]

BY_NAME = {e.name: e for e in EXERCISES}
NOTEBOOKS = sorted({e.notebook for e in EXERCISES})


def functions_in(notebook: str) -> list:
    """The exercises of one notebook, in notebook order."""
    return [e for e in EXERCISES if e.notebook == notebook]


def make_cases(name: str, seed: int = 0) -> list[Case]:
    """All cases of graded function ``name`` for this seed (deterministic)."""
    return BY_NAME[name].cases(Gen(name, seed))
