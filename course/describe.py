"""Plain text of a call, a value, a tensor and a failing case: what a student reads
about the smallest failing case (``check()`` and the grader alike)."""
import torch

from course.language import Text as T, render, say
from course.public_cases import param_names
from course.safe_text import dtype_name, student_repr, student_text


def describe_value(v):
    """Short text for one value: tensors by shape, dtype and range, the rest by a bounded repr."""
    if isinstance(v, torch.Tensor):
        layout = "" if v.is_contiguous() else say("，非连续", ", non-contiguous", both="，非连续 / non-contiguous")
        return f"tensor{tuple(v.shape)} {dtype_name(v.dtype)}{layout}{_value_range(v)}"
    return student_repr(v)


def _value_range(t):
    """``, values in [lo, hi]``, computed only where that copies no more than the tensor's
    own storage (a zero-stride view of a few bytes may pose as millions of elements)."""
    if t.numel() == 0:
        return _values_in("[0, 0]")
    if t.is_complex() or t.numel() > t.untyped_storage().nbytes() // max(1, t.element_size()):
        return ""
    t = t.detach()
    lo, hi = float(t.min()), float(t.max())
    return _values_in(f"[{lo:.4g}, {hi:.4g}]")


def _values_in(interval):
    return say(f"，取值 {interval}", f", values in {interval}", both=f"，取值 / values in {interval}")


def describe_call(name, args, kwargs):
    """``pool2d_padded(X=tensor(1, 1, 4, 4) float32, pool_size=(2, 3), ...)`` as lines."""
    names = param_names(name)
    lines = []
    for i, v in enumerate(args):
        label = names[i] if i < len(names) else f"arg{i}"
        lines.append(f"  {label} = {describe_value(v)}")
    for k, v in kwargs.items():
        lines.append(f"  {k} = {describe_value(v)}")
    return "\n".join(lines)


def _crop_2d(t, where, size=6):
    """The 2-D slice of ``t`` holding ``where``, cropped to ``size x size`` around it."""
    t = t.detach()
    lead = where[:-2] if where and t.dim() > 2 else ()
    plane = t[lead] if lead else t
    if plane.dim() < 2:
        return plane.reshape(1, -1), lead, (0, 0)
    i, j = (where[-2], where[-1]) if where else (0, 0)
    r0 = max(0, min(i - size // 2, plane.shape[0] - size))
    c0 = max(0, min(j - size // 2, plane.shape[1] - size))
    return plane[r0:r0 + size, c0:c0 + size], lead, (r0, c0)


def format_tensor(t, where=None, size=6):
    """Cropped plain-text view of a tensor, around ``where``."""
    if not isinstance(t, torch.Tensor):
        return repr(t)
    if t.dim() == 0:
        return f"{t.item():.6g}"
    crop, lead, (r0, c0) = _crop_2d(t, where, size)
    head = ""
    if lead or crop.shape != t.shape[-2:] or t.dim() > 2:
        head = (f"[{', '.join(map(str, lead)) + ', ' if lead else ''}{r0}:{r0 + crop.shape[0]}, "
                f"{c0}:{c0 + crop.shape[1]}]"
                + say(f"（形状 {tuple(t.shape)}）", f" (of shape {tuple(t.shape)})",
                      both=f"（形状 / of shape {tuple(t.shape)}）") + "\n")
    rows = ["  ".join(f"{float(x):10.4g}" for x in row) for row in crop]
    return head + "\n".join(rows)


KIND_TITLES = {
    "value": T("数值不同", "wrong values"), "shape": T("形状不对", "wrong shape"), "dtype": T("dtype 不对", "wrong dtype"),
    "type": T("类型不对", "wrong type"), "nonfinite": T("出现 NaN 或 inf", "NaN or inf"),
}


def format_failure(name, args, kwargs, expected, got, diff, error=None):
    """Plain-text report of one failing case: the call, expected vs got, where they differ.

    ``expected`` is the reference's value, or ``"raise <ErrorType>"`` for a call that must raise."""
    lines = [_label("最小的失败用例", "smallest failing case") + f": {name}(...)", describe_call(name, args, kwargs)]
    if error is not None:
        lines.append(_label("抛出异常", "raised") + f": {student_text(error)}")
        return "\n".join(lines)
    if isinstance(expected, BaseException) or (isinstance(expected, str) and expected.startswith("raise ")):
        what = expected[len("raise "):] if isinstance(expected, str) else type(expected).__name__
        lines.append(_label("应当抛出", "should raise") + f": {what}")
        lines.append(_label("实际返回", "returned") + f": {describe_value(got)}")
        return "\n".join(lines)
    kind = render(KIND_TITLES.get(diff.kind, diff.kind))
    lines.append(_label("差异", "difference") + f": {kind}" + say("：", ": ", both="：") + f"{diff.detail}")
    if isinstance(expected, torch.Tensor) and isinstance(got, torch.Tensor) and diff.kind in ("value", "nonfinite"):
        e, g = float(expected[diff.where]), float(got[diff.where])
        lines.append(say(f"首个不同的位置 {diff.where}: 期望 {e:.6g}，实际 {g:.6g}",
                         f"first difference at index {diff.where}: expected {e:.6g}, got {g:.6g}",
                         both=f"首个不同的位置 / first difference at index {diff.where}: "
                              f"期望 / expected {e:.6g}，实际 / got {g:.6g}"))
        lines.append(_label("期望", "expected") + ":\n" + format_tensor(expected, diff.where))
        lines.append(_label("实际", "got") + ":\n" + format_tensor(got, diff.where))
    elif isinstance(got, torch.Tensor) and isinstance(expected, torch.Tensor):
        lines.append(_label("期望", "expected") + f": tensor{tuple(expected.shape)} {dtype_name(expected.dtype)}")
        lines.append(_label("实际", "got") + f": {describe_value(got)}")
    else:
        lines.append(_label("期望", "expected") + f": {expected!r}")
        lines.append(_label("实际", "got") + f": {describe_value(got)}")
    return "\n".join(lines)


def format_not_reproduced(name, args, kwargs):
    """The shown case failed in the suite but passed when run again on its own: say so,
    and show nothing the function produced (it depends on what it saw before)."""
    return "\n".join([
        _label("最小的失败用例", "smallest failing case") + f": {name}(...)", describe_call(name, args, kwargs),
        say("单独重新运行时结果不同：函数的输出依赖于之前的调用（例如全局变量）",
            "On its own this case gave a different result: the output depends on earlier calls (e.g. global state)")])


def format_seen_in(name, args, kwargs):
    """The case on which the forbidden operators named above were seen."""
    return "\n".join([_label("出现在这个用例中", "seen in this case") + f": {name}(...)",
                      describe_call(name, args, kwargs)])


def _label(zh, en):
    """A label before ": value" (``"期望 / expected"``), in the course's language."""
    return say(zh, en)
