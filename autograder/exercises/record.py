"""The types of an exercise record: ``Exercise``, its test ``Case`` and its ``Mistake`` models.

A leaf module: the records in ``autograder.exercises`` are built from these.
"""
from dataclasses import dataclass, field
import inspect
from typing import Callable, Mapping, Optional

import torch

from autograder.core.manifest import CellIds
from course.language import Text


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
    id: str                  # misconception id: course.messages.CATALOG's or the record's ``messages``
    fn: Callable
    label: str = ""          # which variant, for test ids
    catches: tuple = ()

    @property
    def name(self) -> str:
        return f"{self.id}{'-' + self.label if self.label else ''}"


# A message a student reads: (Chinese, English, hint), as in ``course.messages.CATALOG``.
Message = tuple  # (str, str, Text)


@dataclass(frozen=True, eq=False)     # one record per function: hashed and compared as itself
class Exercise(CellIds):
    """Everything the kit knows about one graded function, in one place (its module
    ``autograder/exercises/<name>.py``, which also defines its reference).

    ``notebook``: the notebook stem (``source/<assignment>/<notebook>.ipynb``, in every
    edition of the assignment); ``position``: its place among that notebook's exercises (1, 2,
    ...), which orders the records. ``points`` and ``optional`` are the truth: ``make regen``
    writes them into the test cell ``test_<name>`` of the source notebooks
    (``autograder.exercises.sync_notebooks``), where nbgrader reads them. ``name``,
    ``notebook``, ``position``, ``points``, ``optional`` and ``forbid`` are literals: the
    torch-free manifest (``autograder.core.manifest``) reads them from the source.

    ``forbid`` names an operator policy of ``course.forbidden``; ``reference`` is the torch
    reference that decides the points; ``cases(gen)`` draws the cases from a seeded
    ``autograder.exercises.draw.Gen``, in a fixed order; ``groups`` maps each property group to
    its weight, in report order; ``mistakes`` are tried in order (a diagnosis's ties go to the
    earlier one); ``messages`` are the misconceptions only this exercise's mistakes name (id ->
    (zh, en, hint)) and ``group_titles`` the titles of the property groups only it has, both
    shipped to the student package by ``autograder.grading.make_public_cases``;
    ``contract`` is its row of the contract (``docs/contract.md``, written by
    ``autograder.grading.tables``): what the function is, after its signature, and what it
    must equal.
    """
    name: str
    notebook: str            # notebook stem, e.g. '01_basics'
    position: int            # 1, 2, ... within the notebook
    points: float
    forbid: str              # 'pooling' | 'pooling_require_conv' | 'conv_relu_only' | 'none'
    reference: Callable      # the torch reference, defined beside the record
    cases: Callable          # (Gen) -> list[Case]
    groups: dict             # property group -> weight
    mistakes: tuple = ()     # Mistake models, in diagnosis order
    optional: bool = False   # bonus points, on top of the required maximum
    messages: Mapping[str, Message] = field(default_factory=dict)
    group_titles: Mapping[str, Text] = field(default_factory=dict)   # group -> its title, (zh, en)
    contract: tuple = ()     # (what it is, what it must equal): its row of docs/contract.md

    @property
    def params(self) -> tuple:
        """The parameter names, as the reference (and the student's function) has them."""
        return tuple(inspect.signature(self.reference).parameters)

    def targets(self, group: str) -> list[str]:
        """Names of the mistake models that ``group`` is there to catch, in model order."""
        return [m.name for m in self.mistakes if group in m.catches]
