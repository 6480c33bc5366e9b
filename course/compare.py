"""Comparing a student's output with the expected one, within each dtype's tolerance.

Used alike by ``course.check`` (public cases) and the hidden grader, so a value
passes or fails the same way on both sides.
"""
from dataclasses import dataclass
import math

import torch

from course.language import say

from course.safe_text import dtype_name, student_repr, student_text

# (rtol, atol) per dtype; atol is multiplied by the case's input scale, so
# inputs up to 1e4 are held to the same relative standard.
TOLERANCES = {
    torch.float16: (1e-2, 1e-3),
    torch.bfloat16: (2e-2, 1e-2),
    torch.float32: (1e-4, 1e-5),
    torch.float64: (1e-7, 1e-9),
}


@dataclass
class Diff:
    """How ``got`` differs from ``expected``; ``kind == 'ok'`` when it doesn't.

    kind: 'ok' | 'type' | 'shape' | 'dtype' | 'nonfinite' | 'value'.
    where: index of the first differing element (tensors), or None.
    n_bad / n_total: differing elements out of all.
    """
    kind: str = "ok"
    detail: str = ""
    where: tuple = None
    n_bad: int = 0
    n_total: int = 0

    @property
    def ok(self):
        return self.kind == "ok"


# Longest tuple (or tensor) accepted as an output shape: never materialise a huge one.
_MAX_TUPLE = 64


def _as_int_tuple(v):
    if isinstance(v, torch.Tensor):
        # A shape is one row of ints. Counting elements is not enough: an empty tensor of shape
        # (2**24, 0) has none, and tolist() would still make 2**24 empty lists (~1.2 GB).
        if v.dim() != 1 or v.numel() > _MAX_TUPLE:
            return None
        v = v.tolist()
    if isinstance(v, (list, tuple, torch.Size)) and len(v) > _MAX_TUPLE:
        return None
    try:
        out = tuple(v)
    except TypeError:
        return None
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) and float(x).is_integer() for x in out):
        return None
    return tuple(int(x) for x in out)


def _as_number(v):
    if isinstance(v, torch.Tensor) and v.numel() == 1:
        return v.item()
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v
    try:  # numpy scalars and the like
        return float(v)
    except (TypeError, ValueError):
        return None


def compare(expected, got, *, scale=1.0):
    """Compare a student's output with the expected one; return a ``Diff``.

    * tensors: same type, shape and dtype; values within the dtype's
      tolerance; NaN/inf where the expected value is finite always fails;
    * tuples (output shapes): equal as tuples of ints (lists, torch.Size accepted);
    * numbers (operation counts): equal (``12.0`` equals ``12``).
    """
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            t = student_text(type(got).__name__)
            return Diff("type", say(f"应当返回 torch.Tensor，实际是 {t}", f"expected a torch.Tensor, got {t}"))
        # Nothing below runs unless `got` has the expected (small) shape: the statistics
        # never materialise more than the reference's own size, whatever view was sent.
        if tuple(got.shape) != tuple(expected.shape):
            shape = student_repr(tuple(got.shape))
            return Diff("shape", say(f"形状 {shape}，应为 {tuple(expected.shape)}",
                                     f"shape {shape}, expected {tuple(expected.shape)}"))
        if got.dtype != expected.dtype or got.is_complex() or not got.is_floating_point():
            g_dt, e_dt = dtype_name(got.dtype), dtype_name(expected.dtype)
            return Diff("dtype", say(f"dtype 是 {g_dt}，应为 {e_dt}", f"dtype {g_dt}, expected {e_dt}"))
        e = expected.detach().double()
        g = got.detach().double()
        rtol, atol = TOLERANCES.get(expected.dtype, (1e-4, 1e-5))
        atol = atol * max(1.0, float(scale))
        finite = torch.isfinite(e)
        nonfinite = finite & ~torch.isfinite(g)
        close = (g - e).abs() <= atol + rtol * e.abs()
        # where torch itself is not finite, ask for the same value
        close = torch.where(finite, close, (g == e) | (g.isnan() & e.isnan()))
        bad = ~close | nonfinite
        n_bad = int(bad.sum())
        if n_bad == 0:
            return Diff("ok", n_total=e.numel())
        where = tuple(int(i) for i in bad.nonzero()[0])
        kind = "nonfinite" if bool(nonfinite.any()) else "value"
        return Diff(kind, say(f"{e.numel()} 个元素中有 {n_bad} 个不同", f"{n_bad} of {e.numel()} elements differ"),
                    where, n_bad, e.numel())
    if isinstance(expected, tuple):
        g = _as_int_tuple(got)
        if g is None:
            t = student_text(type(got).__name__)
            return Diff("type", say(f"应当返回整数二元组，实际是 {t}", f"expected a tuple of ints, got {t}"))
        if g != expected:
            return Diff("value", say(f"得到 {student_repr(g)}，应为 {expected}", f"got {student_repr(g)}, expected {expected}"))
        return Diff("ok")
    # a number
    g = _as_number(got)
    if g is None:
        t = student_text(type(got).__name__)
        return Diff("type", say(f"应当返回一个数，实际是 {t}", f"expected a number, got {t}"))
    if isinstance(g, float) and not math.isfinite(g):
        return Diff("nonfinite", say(f"得到 {g}，应为 {expected}", f"got {g}, expected {expected}"))
    if g != expected:
        return Diff("value", say(f"得到 {student_repr(g)}，应为 {expected}", f"got {student_repr(g)}, expected {expected}"))
    return Diff("ok")


def should_raise(error_type):
    """The Diff of a call that returned where it must raise ``error_type``."""
    return Diff("value", say(f"应当抛出 {error_type}", f"should raise {error_type}"))
