"""Mistakes shared by several exercises, each written once as a transformation of a reference.

``stride_default_one(R.min_pool2d)`` is the ``Mistake`` "stride=None taken as 1"
of ``min_pool2d``: the reference called with its arguments changed. A
transformation works on any reference that has the parameters it changes
(``pool_size``, ``stride``, ``padding``, ``X``, ``grad_out``), so the records
apply the same one to every function that can make that mistake.

Where a reference pools in two modes (``pool2d``, ``pool2d_padded``), a
per-mode argument is a dict ``{mode: value}``, and ``None`` leaves that mode
right. The window family's wrong torch operators (``zero padding``,
``ceil_mode=True``, ...) are here too, where several records use them.
"""
import inspect
from typing import Any, Callable, TypeVar

import torch
import torch.nn.functional as F

from autograder.exercises.record import Mistake
from autograder.exercises.windows import Size, pair, window_args

# A pad value, or one per mode ({"max": -inf, "avg": 0.0}; a mode without one: not padded by hand).
PadValue = float | dict[str, float] | dict[str, float | None] | None
_S = TypeVar("_S", int, tuple[int, int])    # a Size, kept as given


def pad(X: torch.Tensor, p: tuple[int, int], value: float, sides: str = "both") -> torch.Tensor:
    """``X`` padded by hand with ``value``: ``p = (p_h, p_w)`` on both sides, or on the bottom
    and the right only (``sides='bottom_right'``)."""
    (ph, pw) = p
    if sides == "both":
        return F.pad(X, (pw, pw, ph, ph), value=value)
    return F.pad(X, (0, pw, 0, ph), value=value)


def swap(v: _S) -> _S:
    """``(h, w) -> (w, h)``; an int (or None) stays as it is."""
    return v[::-1] if isinstance(v, tuple) else v


def _per_mode(value, arguments):
    return value.get(arguments.get("mode")) if isinstance(value, dict) else value


def _bound(ref, arguments_of):
    """``wrong(*args, **kwargs)`` with ``ref``'s signature: binds the call to ``ref``'s
    parameters (defaults applied) and returns ``arguments_of(arguments)``'s result."""
    sig = inspect.signature(ref)

    def wrong(*args, **kwargs):
        a = sig.bind(*args, **kwargs)
        a.apply_defaults()
        return arguments_of(a.arguments)
    setattr(wrong, "__signature__", sig)        # what inspect.signature(wrong) reports
    return wrong


def with_arguments(ref: Callable, rewrite: Callable[[dict], object]) -> Callable:
    """``ref`` called with its arguments changed in place by ``rewrite(arguments)``."""
    def call(a):
        rewrite(a)
        return ref(**a)
    return _bound(ref, call)


def with_output(ref: Callable, change: Callable[[Any, dict], Any]) -> Callable:
    """``ref``'s output passed through ``change(output, arguments)``."""
    return _bound(ref, lambda a: change(ref(**a), a))


# ---------------------------------------------------------------------------
# Transformations of a reference -> Mistake
# ---------------------------------------------------------------------------

def dtype_not_kept(ref: Callable) -> Mistake:
    """The output returned as float32 whatever the input's dtype."""
    return Mistake("dtype_not_kept", with_output(ref, lambda y, a: y.float()), catches=("dtype",))


def stride_default_one(ref: Callable) -> Mistake:
    """``stride=None`` taken as 1, not as the window."""
    def rewrite(a):
        if a["stride"] is None:
            a["stride"] = 1
    return Mistake("stride_default_one", with_arguments(ref, rewrite), catches=("stride",))


def stride_ignored(ref: Callable) -> Mistake:
    """The stride never used: every call computed at stride 1 (the model is that very output, so
    "the stride is ignored" is said only of code whose output is the stride-1 result)."""
    def rewrite(a):
        a["stride"] = 1
    return Mistake("stride_ignored", with_arguments(ref, rewrite), catches=("stride",))


def hw_swapped(ref: Callable, value: PadValue = None) -> Mistake:
    """Height and width swapped: of the window, the stride and the padding. With a pad
    ``value`` (per mode), ``X`` is padded by hand, as a student's own code would."""
    catches = ("padding", "shapes") if "padding" in inspect.signature(ref).parameters else ("shapes",)

    def rewrite(a):
        v = _per_mode(value, a)
        if v is not None:
            a["X"], a["padding"] = pad(a["X"], swap(pair(a["padding"])), v), 0
        for p in ("pool_size", "stride", "padding"):
            if p in a:
                a[p] = swap(a[p])
    return Mistake("hw_swapped", with_arguments(ref, rewrite), catches=catches)


def window_by_window(write: Callable, pad_value: float = 0.0) -> Callable:
    """A backward pass written window by window, the shape of the passes that overwrite instead of
    adding: for each output position, ``write(target, window, g)`` puts its gradient into
    ``target`` (that window's slice of a zero dX, padded), where ``window`` is the slice of ``X``
    padded with ``pad_value`` and ``g`` the position's dL/dY (``[..., 1, 1]``); then the padding
    is cropped."""
    def backward(X, grad_out, pool_size, stride=None, padding=0):
        (kh, kw), (sh, sw), (ph, pw) = window_args(pool_size, stride, padding)
        xp = pad(X, (ph, pw), pad_value)
        dxp = torch.zeros_like(xp)
        for i in range(grad_out.shape[-2]):
            for j in range(grad_out.shape[-1]):
                r, c = i * sh, j * sw
                write(dxp[..., r:r + kh, c:c + kw], xp[..., r:r + kh, c:c + kw], grad_out[..., i:i + 1, j:j + 1])
        return dxp[..., ph:ph + X.shape[2], pw:pw + X.shape[3]]
    return backward


def pad_swapped(ref: Callable, value: PadValue) -> Mistake:
    """The padding's height and width swapped (the window's kept). ``X`` is padded by hand:
    a student's code does not refuse a padding larger than half the window, as PyTorch does."""
    def rewrite(a):
        a["X"], a["padding"] = pad(a["X"], swap(pair(a["padding"])), _per_mode(value, a)), 0
    return Mistake("hw_swapped", with_arguments(ref, rewrite), "padding", catches=("padding", "shapes"))


def padded_by_hand(ref: Callable, value: PadValue, sides: str = "both") -> Callable:
    """``ref`` on ``X`` padded by hand with ``value`` (per mode; None: that mode right), padding 0."""
    def rewrite(a):
        v = _per_mode(value, a)
        if v is not None:
            a["X"], a["padding"] = pad(a["X"], pair(a["padding"]), v, sides), 0
    return with_arguments(ref, rewrite)


def one_sided_padding(ref: Callable, value: PadValue) -> Mistake:
    """All the padding on the bottom and the right (``value``: the pad that never wins)."""
    return Mistake("one_sided_padding", padded_by_hand(ref, value, "bottom_right"), catches=("padding",))


def max_zero_padding(ref: Callable, value: PadValue = 0.0, mid: str = "max_zero_padding") -> Mistake:
    """Max pooling padded with 0 instead of -inf. ``mid``: the message that fits the exercise
    (``conv_max_zero_padding`` where −∞ padding is itself a trap: 0 × −∞ in a convolution)."""
    return Mistake(mid, padded_by_hand(ref, value), catches=("padding",))


def channels_mixed(ref: Callable, combine: str | dict[str, str]) -> Mistake:
    """Every output channel made of all input channels (``combine``: 'amax' or 'sum', per mode)."""
    def change(y, a):
        how = _per_mode(combine, a)
        return getattr(y, how)(1, keepdim=True).expand_as(y)
    return Mistake("channels_mixed", with_output(ref, change), catches=("batch_channels",))


def times_window(ref: Callable, modes: tuple[str, ...] | None = None) -> Callable:
    """``ref``'s output times p_h p_w (in the ``modes`` given, else always): a sum, not a mean."""
    def change(y, a):
        if modes is not None and a.get("mode") not in modes:
            return y
        kh, kw = pair(a["pool_size"])
        return y * (kh * kw)
    return with_output(ref, change)


def avg_as_sum(ref: Callable, catches: tuple[str, ...] = ()) -> Mistake:
    """Average pooling without the division (in 'avg' mode, where ``ref`` has modes)."""
    modes = ("avg",) if "mode" in inspect.signature(ref).parameters else None
    return Mistake("avg_as_sum", times_window(ref, modes), catches=catches)


def grad_out_ignored(ref: Callable) -> Mistake:
    """The backward pass with a gradient of ones instead of ``grad_out``."""
    def rewrite(a):
        a["grad_out"] = torch.ones_like(a["grad_out"])
    return Mistake("grad_out_ignored", with_arguments(ref, rewrite), catches=("basic",))


def gradient(mistake: Mistake) -> Mistake:
    """The backward pass of a wrong forward ``(X, pool_size, stride, padding)``: the same mistake."""
    def wrong(X, grad_out, pool_size, stride=None, padding=0):
        x = X.detach().clone().requires_grad_(True)
        mistake.fn(x, pool_size, stride, padding).backward(grad_out)
        return x.grad
    return Mistake(mistake.id, wrong, mistake.label, mistake.catches)


def avg_exclude_pad(fn: Callable | None = None) -> Mistake:
    """Average pooling that does not count the padded zeros (``fn``: the wrong function,
    by default ``avg_pool_exclude_pad``)."""
    return Mistake("avg_exclude_pad", fn or avg_pool_exclude_pad, catches=("padding",))


def ceil_mode(fn: Callable, label: str = "") -> Mistake:
    """The output size rounded up instead of down (``fn``: the wrong function)."""
    return Mistake("ceil_mode", fn, label, catches=("edge",))


# ---------------------------------------------------------------------------
# Wrong torch operators of the window family
# ---------------------------------------------------------------------------

def avg_pool_exclude_pad(X: torch.Tensor, pool_size: Size, stride: Size | None = None, padding: Size = 0) -> torch.Tensor:
    """Divides each window by its elements inside the input: padded zeros not counted."""
    k, s, p = window_args(pool_size, stride, padding)
    return F.avg_pool2d(X, k, s, p, count_include_pad=False)


def max_pool_ceil(X: torch.Tensor, pool_size: Size, stride: Size | None = None, padding: Size = 0) -> torch.Tensor:
    """Rounds the output size up: a last, incomplete window where the input ends."""
    k, s, p = window_args(pool_size, stride, padding)
    return F.max_pool2d(X, k, s, p, ceil_mode=True)


def avg_pool_ceil(X: torch.Tensor, pool_size: Size, stride: Size | None = None, padding: Size = 0) -> torch.Tensor:
    """Rounds the output size up (the incomplete window divided by its own size, as PyTorch does)."""
    k, s, p = window_args(pool_size, stride, padding)
    return F.avg_pool2d(X, k, s, p, ceil_mode=True)


def avg_pool_ceil_full(X: torch.Tensor, pool_size: Size, stride: Size | None = None, padding: Size = 0) -> torch.Tensor:
    """Rounds the output size up and divides every window, the incomplete last one too, by p_h p_w."""
    (kh, kw), (sh, sw), (ph, pw) = window_args(pool_size, stride, padding)
    H, W = X.shape[-2:]
    oh = -(-(H + 2 * ph - kh) // sh) + 1
    ow = -(-(W + 2 * pw - kw) // sw) + 1
    eh = max(0, (oh - 1) * sh + kh - (H + 2 * ph))
    ew = max(0, (ow - 1) * sw + kw - (W + 2 * pw))
    return F.avg_pool2d(F.pad(X, (pw, pw + ew, ph, ph + eh)), (kh, kw), (sh, sw))
