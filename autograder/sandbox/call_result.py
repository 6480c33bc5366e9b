"""What one call of a student's function came back with: the sandbox's product, the suites' input."""
from typing import Optional
from dataclasses import dataclass


@dataclass
class CallResult:
    """One call of the student's function.

    value: what it returned (tensor, tuple, int, float, None ...).
    error: ``"<ExceptionType>: <message>"`` when it raised, else None.
    timed_out: the call hit its time limit.
    ops: aten op names it dispatched (``forbidden.OpRecorder``).
    x_ops: those of them that read data derived from its arguments (None: not recorded apart).
    """
    value: object = None
    error: Optional[str] = None
    timed_out: bool = False
    ops: frozenset = frozenset()
    x_ops: Optional[frozenset] = None
