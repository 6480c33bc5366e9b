"""The graded functions: one declarative row per function of the contract.

``points`` must equal the ``points`` of the ``test_<name>`` cell in
``source/pooling/<notebook>.ipynb`` (``tests/test_notebooks.py`` checks).
``forbid`` names the operator policy in ``autograder.forbidden``.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class GradedFunction:
    name: str
    notebook: str          # notebook stem in source/pooling/
    points: float
    forbid: str            # 'pooling' | 'pooling_require_conv' | 'conv_relu_only' | 'none'
    optional: bool = False

    @property
    def grade_id(self) -> str:
        return f"test_{self.name}"

    @property
    def answer_id(self) -> str:
        return f"answer_{self.name}"


FUNCTIONS = [
    GradedFunction("pool2d", "01_basics", 2, "pooling"),
    GradedFunction("pool2d_padded", "01_basics", 3, "pooling"),
    GradedFunction("avg_pool_as_conv", "02_as_convolution", 2, "pooling_require_conv"),
    GradedFunction("max_pool_as_conv", "02_as_convolution", 3, "pooling_require_conv"),
    GradedFunction("max_pool_conv_relu", "02_as_convolution", 1, "conv_relu_only", optional=True),
    GradedFunction("conv_relu_counts", "02_as_convolution", 1, "pooling", optional=True),
    GradedFunction("pool_output_shape", "03_cost", 2, "pooling"),
    GradedFunction("pool_cost", "03_cost", 2, "pooling"),
    GradedFunction("min_pool2d", "04_min_softmax", 2, "none"),
    GradedFunction("softmax_pool2d", "04_min_softmax", 3, "pooling"),
    GradedFunction("max_pool2d_backward", "05_gradients", 3, "pooling"),
    GradedFunction("avg_pool2d_backward", "05_gradients", 3, "pooling"),
]

BY_NAME = {f.name: f for f in FUNCTIONS}
NOTEBOOKS = sorted({f.notebook for f in FUNCTIONS})
ASSIGNMENT = "pooling"


def functions_in(notebook: str) -> list:
    """The graded functions of one notebook, in notebook order."""
    return [f for f in FUNCTIONS if f.notebook == notebook]


# What every student answer cell may rely on: the notebooks' first code cell
# imports exactly this, and the sandboxed child runs it before the answer cells.
PREAMBLE = """\
import math
import torch
from torch import nn
import torch.nn.functional as F
"""
