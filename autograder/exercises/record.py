"""The types of an exercise record: ``Exercise``, its test ``Case`` and its ``Mistake`` models.

A leaf module: the records in ``autograder.exercises`` are built from these.
"""
from dataclasses import dataclass, field
import inspect
from typing import Callable, Optional

import torch


@dataclass
class Case:
    """One call of a hidden or public suite: plain tensors and JSON-able values only, so
    the grader can ship it to a sandboxed child (non-contiguous inputs keep their strides)."""
    group: str               # property group, e.g. 'padding'
    args: tuple
    kwargs: dict = field(default_factory=dict)
    scale: float = 1.0       # input magnitude: tolerances scale with it
    expect_error: Optional[str] = None  # e.g. 'ValueError': the call must raise it

    @property
    def size(self) -> int:
        """How big the case is, to pick the smallest failing one."""
        n = 0
        for v in list(self.args) + list(self.kwargs.values()):
            if isinstance(v, torch.Tensor):
                n += v.numel()
            elif isinstance(v, tuple):
                n += sum(v)
            elif isinstance(v, int) and not isinstance(v, bool):
                n += v
        return n


@dataclass(frozen=True)
class Mistake:
    """A torch-based *wrong* implementation with the graded function's own signature.

    ``catches``: the property groups of this exercise that are there to catch it (the
    public check keeps, in each, a case this model fails)."""
    id: str                  # misconception id in course.messages.CATALOG
    fn: Callable
    label: str = ""          # which variant, for test ids
    catches: tuple = ()

    @property
    def name(self) -> str:
        return f"{self.id}{'-' + self.label if self.label else ''}"


@dataclass(frozen=True, eq=False)     # one record per function: hashed and compared as itself
class Exercise:
    """Everything the kit knows about one graded function.

    ``points`` equal the ``points`` of the ``test_<name>`` cell of
    ``source/pooling/<notebook>.ipynb``; ``forbid`` names an operator policy of
    ``course.forbidden``; ``cases(gen)`` draws the cases from a seeded
    ``autograder.exercises.draw.Gen``, in a fixed order; ``groups`` maps each
    property group to its weight, in report order; ``mistakes`` are tried in order
    (a diagnosis's ties go to the earlier one).
    """
    name: str
    notebook: str            # notebook stem in source/pooling/
    points: float
    forbid: str              # 'pooling' | 'pooling_require_conv' | 'conv_relu_only' | 'none'
    reference: Callable      # an operator of autograder.references
    cases: Callable          # (Gen) -> list[Case]
    groups: dict             # property group -> weight
    mistakes: tuple = ()     # Mistake models, in diagnosis order

    @property
    def optional(self) -> bool:
        """Whether its points are optional: stated once, on the test cell of the source notebook
        (``autograder.totals``), never here."""
        from autograder import totals      # a leaf; reads source/ once per change
        return totals.scheme().is_optional(self.notebook, self.grade_id)

    @property
    def grade_id(self) -> str:
        return f"test_{self.name}"

    @property
    def answer_id(self) -> str:
        return f"answer_{self.name}"

    @property
    def params(self) -> tuple:
        """The parameter names, as the reference (and the student's function) has them."""
        return tuple(inspect.signature(self.reference).parameters)

    def targets(self, group: str) -> list[str]:
        """Names of the mistake models that ``group`` is there to catch, in model order."""
        return [m.name for m in self.mistakes if group in m.catches]
