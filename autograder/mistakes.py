"""Known-mistake models: torch-based *wrong* implementations, each tagged with a misconception id.

When a student's output on a failing case equals a model's output (and the
model's output is wrong there), the student most likely made that mistake:
``identify`` names the model matching the most failing cases, and the
feedback quotes its message and hint from ``course.feedback.CATALOG``.

Each model has the graded function's own signature, so it can also be graded
as if it were a student (``tests/test_misconceptions.py`` checks that every
model is named correctly).
"""
from dataclasses import dataclass
import math

import torch
import torch.nn.functional as F

from autograder import references as R
from autograder.references import window_args
from course.feedback import compare


@dataclass(frozen=True)
class Mistake:
    id: str          # misconception id in course.feedback.CATALOG
    fn: object       # same signature as the graded function
    label: str = ""  # which variant, for test ids

    @property
    def name(self):
        return f"{self.id}{'-' + self.label if self.label else ''}"


def _pad(X, p, value, sides="both"):
    (ph, pw) = p
    if sides == "both":
        return F.pad(X, (pw, pw, ph, ph), value=value)
    if sides == "bottom_right":
        return F.pad(X, (0, pw, 0, ph), value=value)
    return F.pad(X, (pw, 0, ph, 0), value=value)


def _swap(v):
    return v[::-1] if isinstance(v, tuple) else v


# ---------------------------------------------------------------------------
# Forward pooling with (X, pool_size, stride=None, padding=0): building blocks
# ---------------------------------------------------------------------------

def max_zero_padding(X, pool_size, stride=None, padding=0):
    k, s, p = window_args(pool_size, stride, padding)
    return F.max_pool2d(_pad(X, p, 0.0), k, s)


def max_one_sided(X, pool_size, stride=None, padding=0, sides="bottom_right"):
    k, s, p = window_args(pool_size, stride, padding)
    return F.max_pool2d(_pad(X, p, -math.inf, sides), k, s)


def max_stride_one(X, pool_size, stride=None, padding=0):
    return R.max_pool_as_conv(X, pool_size, 1 if stride is None else stride, padding)


# The swapped models pad by hand: a student's code does not refuse a padding larger than half
# the window (PyTorch's own rule), so neither may the model of the student's mistake.

def max_hw_swapped(X, pool_size, stride=None, padding=0):
    k, s, p = window_args(pool_size, stride, padding)
    return F.max_pool2d(_pad(X, _swap(p), -math.inf), _swap(k), _swap(s))


def max_pad_swapped(X, pool_size, stride=None, padding=0):
    k, s, p = window_args(pool_size, stride, padding)
    return F.max_pool2d(_pad(X, _swap(p), -math.inf), k, s)


def max_channels_mixed(X, pool_size, stride=None, padding=0):
    Y = R.max_pool_as_conv(X, pool_size, stride, padding)
    return Y.amax(1, keepdim=True).expand_as(Y)


def max_ceil(X, pool_size, stride=None, padding=0):
    k, s, p = window_args(pool_size, stride, padding)
    return F.max_pool2d(X, k, s, p, ceil_mode=True)


def max_off_by_one(X, pool_size, stride=None, padding=0):
    return R.max_pool_as_conv(X, pool_size, stride, padding)[..., :-1, :-1]


def max_inf_times_zero(X, pool_size, stride=None, padding=0):
    """Gather windows with a 0/1 conv kernel on a -inf padded input: -inf * 0 = nan."""
    k, s, p = window_args(pool_size, stride, padding)
    n, c = X.shape[:2]
    xp = _pad(X, p, -math.inf).reshape(n * c, 1, X.shape[2] + 2 * p[0], X.shape[3] + 2 * p[1])
    eye = torch.eye(k[0] * k[1], dtype=X.dtype).reshape(-1, 1, *k)
    y = F.conv2d(xp, eye, stride=s).amax(1)
    return y.reshape(n, c, *y.shape[-2:])


def avg_exclude_pad(X, pool_size, stride=None, padding=0):
    k, s, p = window_args(pool_size, stride, padding)
    return F.avg_pool2d(X, k, s, p, count_include_pad=False)


def avg_one_sided(X, pool_size, stride=None, padding=0, sides="bottom_right"):
    k, s, p = window_args(pool_size, stride, padding)
    return F.avg_pool2d(_pad(X, p, 0.0, sides), k, s)


def avg_stride_one(X, pool_size, stride=None, padding=0):
    return R.avg_pool_as_conv(X, pool_size, 1 if stride is None else stride, padding)


def avg_hw_swapped(X, pool_size, stride=None, padding=0):
    k, s, p = window_args(pool_size, stride, padding)
    return F.avg_pool2d(_pad(X, _swap(p), 0.0), _swap(k), _swap(s))


def avg_pad_swapped(X, pool_size, stride=None, padding=0):
    k, s, p = window_args(pool_size, stride, padding)
    return F.avg_pool2d(_pad(X, _swap(p), 0.0), k, s)


def avg_channels_mixed(X, pool_size, stride=None, padding=0):
    """A (C, C, p_h, p_w) kernel of 1/(p_h p_w): every output channel sums all input channels."""
    Y = R.avg_pool_as_conv(X, pool_size, stride, padding)
    return Y.sum(1, keepdim=True).expand_as(Y)


def avg_as_sum(X, pool_size, stride=None, padding=0):
    kh, kw = R.pair(pool_size)
    return R.avg_pool_as_conv(X, pool_size, stride, padding) * (kh * kw)


def avg_ceil(X, pool_size, stride=None, padding=0):
    k, s, p = window_args(pool_size, stride, padding)
    return F.avg_pool2d(X, k, s, p, ceil_mode=True)


def avg_ceil_full(X, pool_size, stride=None, padding=0):
    """Rounds the output size up and divides every window, the incomplete last one too, by p_h p_w."""
    (kh, kw), (sh, sw), (ph, pw) = window_args(pool_size, stride, padding)
    H, W = X.shape[-2:]
    oh = -(-(H + 2 * ph - kh) // sh) + 1
    ow = -(-(W + 2 * pw - kw) // sw) + 1
    eh = max(0, (oh - 1) * sh + kh - (H + 2 * ph))
    ew = max(0, (ow - 1) * sw + kw - (W + 2 * pw))
    return F.avg_pool2d(F.pad(X, (pw, pw + ew, ph, ph + eh)), (kh, kw), (sh, sw))


def _float32(fn):
    def wrong(*args, **kwargs):
        return fn(*args, **kwargs).float()
    return wrong


def _with_mode(max_fn, avg_fn):
    """A pool2d_padded model from a max model and an avg model (None: the right one)."""
    def wrong(X, pool_size, stride=None, padding=0, mode='max'):
        if mode == 'max':
            return (max_fn or R.max_pool_as_conv)(X, pool_size, stride, padding)
        return (avg_fn or R.avg_pool_as_conv)(X, pool_size, stride, padding)
    return wrong


# ---------------------------------------------------------------------------
# pool2d (2-D, stride 1, no padding)
# ---------------------------------------------------------------------------

def _pool2d_via(fn):
    def wrong(X, pool_size, mode='max'):
        if mode not in ('max', 'avg'):
            raise ValueError(mode)
        return fn(X, pool_size, mode)
    return wrong


def pool2d_hw_swapped(X, pool_size, mode='max'):
    return R.pool2d(X, _swap(R.pair(pool_size)), mode)


def pool2d_avg_as_sum(X, pool_size, mode='max'):
    kh, kw = R.pair(pool_size)
    return R.pool2d(X, pool_size, mode) * (kh * kw if mode == 'avg' else 1)


def pool2d_off_by_one(X, pool_size, mode='max'):
    return R.pool2d(X, pool_size, mode)[:-1, :-1]


def pool2d_no_validation(X, pool_size, mode='max'):
    return R.pool2d(X, pool_size, 'avg' if mode == 'avg' else 'max')


# ---------------------------------------------------------------------------
# min_pool2d
# ---------------------------------------------------------------------------

def min_padding_wins(X, pool_size, stride=None, padding=0):
    return -max_zero_padding(-X, pool_size, stride, padding)


def min_forgot_outer_negation(X, pool_size, stride=None, padding=0):
    return R.max_pool_as_conv(-X, pool_size, stride, padding)


def min_forgot_inner_negation(X, pool_size, stride=None, padding=0):
    return -R.max_pool_as_conv(X, pool_size, stride, padding)


def min_stride_one(X, pool_size, stride=None, padding=0):
    return R.min_pool2d(X, pool_size, 1 if stride is None else stride, padding)


def min_hw_swapped(X, pool_size, stride=None, padding=0):
    return R.min_pool2d(X, _swap(pool_size), _swap(stride), _swap(padding))


def min_one_sided(X, pool_size, stride=None, padding=0):
    return -max_one_sided(-X, pool_size, stride, padding)


# ---------------------------------------------------------------------------
# softmax_pool2d
# ---------------------------------------------------------------------------

def _softmax_windows(X, pool_size, stride):
    (kh, kw), (sh, sw), _ = window_args(pool_size, stride, 0)
    win = X.unfold(2, kh, sh).unfold(3, kw, sw)
    return win.reshape(*win.shape[:4], kh * kw)


def unstable_exp(X, pool_size, stride=None, temperature=1.0):
    """softmax written as exp(z) / sum(exp(z)) in X's dtype: overflows for large z."""
    win = _softmax_windows(X, pool_size, stride)
    e = torch.exp(win / temperature)
    return (e / e.sum(-1, keepdim=True) * win).sum(-1)


def temperature_ignored(X, pool_size, stride=None, temperature=1.0):
    return R.softmax_pool2d(X, pool_size, stride, 1.0)


def temperature_multiplied(X, pool_size, stride=None, temperature=1.0):
    return R.softmax_pool2d(X, pool_size, stride, 1.0 / temperature)


def softmax_values_scaled(X, pool_size, stride=None, temperature=1.0):
    return R.softmax_pool2d(X, pool_size, stride, temperature) / temperature


def softmax_whole_plane(X, pool_size, stride=None, temperature=1.0):
    """The softmax taken over the whole plane, never over each window; the weighted values then
    summed window by window (with a convolution of ones)."""
    (kh, kw), (sh, sw), _ = window_args(pool_size, stride, 0)
    n, c, h, w = X.shape
    weights = torch.softmax(X.double().reshape(n, c, h * w) / temperature, dim=-1).reshape(n, c, h, w)
    ones = torch.ones(1, 1, kh, kw, dtype=torch.float64)
    y = F.conv2d((weights * X.double()).reshape(n * c, 1, h, w), ones, stride=(sh, sw))
    return y.reshape(n, c, *y.shape[-2:]).to(X.dtype)


def softmax_stride_one(X, pool_size, stride=None, temperature=1.0):
    return R.softmax_pool2d(X, pool_size, 1 if stride is None else stride, temperature)


def softmax_hw_swapped(X, pool_size, stride=None, temperature=1.0):
    return R.softmax_pool2d(X, _swap(pool_size), _swap(stride), temperature)


# ---------------------------------------------------------------------------
# backward
# ---------------------------------------------------------------------------

def _grad(forward, X, grad_out):
    x = X.detach().clone().requires_grad_(True)
    forward(x).backward(grad_out)
    return x.grad


def _windows(X, pool_size, stride, padding, n_out):
    """(i0, j0) top-left corners in padded coordinates, row by row."""
    (kh, kw), (sh, sw), _ = window_args(pool_size, stride, padding)
    return [(i, j, i * sh, j * sw, kh, kw) for i in range(n_out[0]) for j in range(n_out[1])]


def max_backward_overwrite_slice(X, grad_out, pool_size, stride=None, padding=0):
    """dX[window] = mask * g: a later window wipes out an earlier one's gradient."""
    _, _, (ph, pw) = window_args(pool_size, stride, padding)
    xp = _pad(X, (ph, pw), -math.inf)
    dxp = torch.zeros_like(xp)
    for i, j, r, c, kh, kw in _windows(X, pool_size, stride, padding, grad_out.shape[-2:]):
        win = xp[..., r:r + kh, c:c + kw]
        mask = (win == win.amax((-1, -2), keepdim=True)).to(X.dtype)
        dxp[..., r:r + kh, c:c + kw] = mask * grad_out[..., i:i + 1, j:j + 1]
    return dxp[..., ph:ph + X.shape[2], pw:pw + X.shape[3]]


def max_backward_overwrite_index(X, grad_out, pool_size, stride=None, padding=0):
    """dX[argmax] = g instead of +=: a maximum shared by two windows keeps one gradient."""
    _, _, (ph, pw) = window_args(pool_size, stride, padding)
    xp = _pad(X, (ph, pw), -math.inf)
    dxp = torch.zeros_like(xp)
    for i, j, r, c, kh, kw in _windows(X, pool_size, stride, padding, grad_out.shape[-2:]):
        win = xp[..., r:r + kh, c:c + kw]
        mask = win == win.amax((-1, -2), keepdim=True)
        target = dxp[..., r:r + kh, c:c + kw]
        g = grad_out[..., i:i + 1, j:j + 1].expand_as(target)
        target[mask] = g[mask]
    return dxp[..., ph:ph + X.shape[2], pw:pw + X.shape[3]]


def max_backward_as_avg(X, grad_out, pool_size, stride=None, padding=0):
    kh, kw = R.pair(pool_size)
    return R.avg_pool2d_backward(X, grad_out, pool_size, stride, padding) * (kh * kw)


def max_backward_zero_padding(X, grad_out, pool_size, stride=None, padding=0):
    return _grad(lambda x: max_zero_padding(x, pool_size, stride, padding), X, grad_out)


def max_backward_grad_ignored(X, grad_out, pool_size, stride=None, padding=0):
    return R.max_pool2d_backward(X, torch.ones_like(grad_out), pool_size, stride, padding)


def avg_backward_overwrite(X, grad_out, pool_size, stride=None, padding=0):
    """dX[window] = g / (p_h p_w) instead of +=."""
    _, _, (ph, pw) = window_args(pool_size, stride, padding)
    dxp = _pad(torch.zeros_like(X), (ph, pw), 0.0)
    for i, j, r, c, kh, kw in _windows(X, pool_size, stride, padding, grad_out.shape[-2:]):
        dxp[..., r:r + kh, c:c + kw] = grad_out[..., i:i + 1, j:j + 1] / (kh * kw)
    return dxp[..., ph:ph + X.shape[2], pw:pw + X.shape[3]]


def avg_backward_no_divide(X, grad_out, pool_size, stride=None, padding=0):
    kh, kw = R.pair(pool_size)
    return R.avg_pool2d_backward(X, grad_out, pool_size, stride, padding) * (kh * kw)


def avg_backward_exclude_pad(X, grad_out, pool_size, stride=None, padding=0):
    return _grad(lambda x: avg_exclude_pad(x, pool_size, stride, padding), X, grad_out)


def avg_backward_grad_ignored(X, grad_out, pool_size, stride=None, padding=0):
    return R.avg_pool2d_backward(X, torch.ones_like(grad_out), pool_size, stride, padding)


# ---------------------------------------------------------------------------
# pool_output_shape and pool_cost
# ---------------------------------------------------------------------------

def _shape_with(formula):
    def wrong(h, w, pool_size, stride, padding):
        (kh, kw), (sh, sw), (ph, pw) = window_args(pool_size, stride, padding)
        return formula(h, kh, sh, ph), formula(w, kw, sw, pw)
    return wrong


shape_ceil = _shape_with(lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1)
shape_one_sided = _shape_with(lambda n, k, s, p: (n + p - k) // s + 1)
shape_off_by_one = _shape_with(lambda n, k, s, p: (n + 2 * p - k) // s)


def shape_hw_swapped(h, w, pool_size, stride, padding):
    return R.pool_output_shape(h, w, _swap(pool_size), _swap(stride), _swap(padding))


def shape_stride_one(h, w, pool_size, stride, padding):
    return R.pool_output_shape(h, w, pool_size, 1 if stride is None else stride, padding)


def cost_community(c, h, w, pool_size, stride, padding, mode='max'):
    """The community answer: ((h - p_h)/s_h + 1)((w - p_w)/s_w + 1) p_h p_w: no padding, no c."""
    (kh, kw), (sh, sw), _ = window_args(pool_size, stride, padding)
    return ((h - kh) / sh + 1) * ((w - kw) / sw + 1) * (kh * kw)


def cost_padding_ignored(c, h, w, pool_size, stride, padding, mode='max'):
    return R.pool_cost(c, h, w, pool_size, stride, 0, mode)


def cost_no_channels(c, h, w, pool_size, stride, padding, mode='max'):
    return R.pool_cost(1, h, w, pool_size, stride, padding, mode)


def cost_window_size(c, h, w, pool_size, stride, padding, mode='max'):
    """p_h p_w operations per window in both modes."""
    return R.pool_cost(c, h, w, pool_size, stride, padding, 'avg')


def cost_minus_one(c, h, w, pool_size, stride, padding, mode='max'):
    """p_h p_w - 1 operations per window in both modes (the division forgotten)."""
    return R.pool_cost(c, h, w, pool_size, stride, padding, 'max')


def cost_stride_one(c, h, w, pool_size, stride, padding, mode='max'):
    return R.pool_cost(c, h, w, pool_size, 1 if stride is None else stride, padding, mode)


def cost_no_floor(c, h, w, pool_size, stride, padding, mode='max'):
    """The output size as (h + 2 pad - p) / s: neither rounded down nor + 1."""
    (kh, kw), (sh, sw), (ph, pw) = window_args(pool_size, stride, padding)
    per_window = kh * kw - 1 if mode == 'max' else kh * kw
    return c * ((h + 2 * ph - kh) / sh) * ((w + 2 * pw - kw) / sw) * per_window


def cost_ceil(c, h, w, pool_size, stride, padding, mode='max'):
    (kh, kw), _, _ = window_args(pool_size, stride, padding)
    oh, ow = shape_ceil(h, w, pool_size, stride, padding)
    return c * oh * ow * (kh * kw - 1 if mode == 'max' else kh * kw)


# ---------------------------------------------------------------------------
# max_pool_conv_relu
# ---------------------------------------------------------------------------

def relu_clips_negatives(X, pool_size=2):
    return F.max_pool2d(F.relu(X), pool_size, pool_size)


def relu_avg_instead(X, pool_size=2):
    return F.avg_pool2d(X, pool_size, pool_size)


def relu_stride_one(X, pool_size=2):
    return F.max_pool2d(X, pool_size, 1)


def relu_channels_mixed(X, pool_size=2):
    return max_channels_mixed(X, pool_size)


def relu_ceil(X, pool_size=2):
    return F.max_pool2d(X, pool_size, pool_size, ceil_mode=True)


def relu_bye_dropped(X, pool_size=2):
    """A tournament over the window that drops the odd element out of each round."""
    kh, kw = R.pair(pool_size)
    win = X.unfold(2, kh, kh).unfold(3, kw, kw)
    win = win.reshape(*win.shape[:4], kh * kw)
    return win[..., _bye_survivors(kh * kw)].amax(-1)


def _bye_survivors(n):
    """The window positions whose values can still win when each round drops the odd one out."""
    groups = [[i] for i in range(n)]
    while len(groups) > 1:
        groups = [groups[t] + groups[t + 1] for t in range(0, len(groups) - 1, 2)]
    return groups[0]


def relu_two_by_two(X, pool_size=2):
    """2x2 written into the code: the window size is ignored."""
    return F.max_pool2d(X, 2, 2)


# ---------------------------------------------------------------------------
# conv_relu_counts: (layers, channels) of the tournament construction
# ---------------------------------------------------------------------------

def _counts(pool_size, *, output_layer=True, ceil_rounds=True, per_pair=3, per_bye=2, total=False):
    kh, kw = R.pair(pool_size)
    n = kh * kw
    widths = []
    if ceil_rounds:
        while n > 1:
            widths.append(per_pair * (n // 2) + per_bye * (n % 2))
            n = n // 2 + n % 2
    else:
        for _ in range(int(math.floor(math.log2(n))) if n > 1 else 0):
            widths.append(per_pair * (n // 2) + per_bye * (n % 2))
            n = n // 2 + n % 2
    layers = len(widths) + (1 if output_layer else 0)
    channels = (sum(widths) + 1) if total else max(widths + [1])
    return layers, channels


def counts_no_output_layer(pool_size):
    return _counts(pool_size, output_layer=False)


def counts_rounds_not_ceiled(pool_size):
    return _counts(pool_size, ceil_rounds=False)


def counts_sign_not_carried(pool_size):
    return _counts(pool_size, per_pair=2, per_bye=1)


def counts_bye_dropped(pool_size):
    return _counts(pool_size, per_bye=0)


def counts_total_channels(pool_size):
    return _counts(pool_size, total=True)


def counts_one_conv_relu(pool_size):
    """"One convolution and a ReLU do it": one layer, one channel per window element."""
    kh, kw = R.pair(pool_size)
    return 1, kh * kw


# ---------------------------------------------------------------------------
# The library, per graded function
# ---------------------------------------------------------------------------

def _m(mid, fn, label=""):
    return Mistake(mid, fn, label)


MODELS = {
    "pool2d": [
        _m("hw_swapped", _pool2d_via(pool2d_hw_swapped)),
        _m("avg_as_sum", _pool2d_via(pool2d_avg_as_sum)),
        _m("shape_off_by_one", _pool2d_via(pool2d_off_by_one)),
        _m("dtype_not_kept", _float32(R.pool2d)),
    ],
    "pool2d_padded": [
        _m("max_zero_padding", _with_mode(max_zero_padding, None)),
        _m("avg_exclude_pad", _with_mode(None, avg_exclude_pad)),
        _m("stride_default_one", _with_mode(max_stride_one, avg_stride_one)),
        _m("one_sided_padding", _with_mode(max_one_sided, avg_one_sided)),
        _m("hw_swapped", _with_mode(max_hw_swapped, avg_hw_swapped)),
        _m("hw_swapped", _with_mode(max_pad_swapped, avg_pad_swapped), "padding"),
        _m("channels_mixed", _with_mode(max_channels_mixed, avg_channels_mixed)),
        _m("ceil_mode", _with_mode(max_ceil, avg_ceil)),
        _m("ceil_mode", _with_mode(max_ceil, avg_ceil_full), "full_divisor"),
        _m("avg_as_sum", _with_mode(None, avg_as_sum)),
        _m("dtype_not_kept", _float32(R.pool2d_padded)),
    ],
    "avg_pool_as_conv": [
        _m("avg_exclude_pad", avg_exclude_pad),
        _m("stride_default_one", avg_stride_one),
        _m("one_sided_padding", avg_one_sided),
        _m("hw_swapped", avg_hw_swapped),
        _m("hw_swapped", avg_pad_swapped, "padding"),
        _m("channels_mixed", avg_channels_mixed),
        _m("avg_as_sum", avg_as_sum),
        _m("ceil_mode", avg_ceil),
        _m("ceil_mode", avg_ceil_full, "full_divisor"),
        _m("dtype_not_kept", _float32(R.avg_pool_as_conv)),
    ],
    "max_pool_as_conv": [
        _m("max_zero_padding", max_zero_padding),
        _m("inf_times_zero", max_inf_times_zero),
        _m("stride_default_one", max_stride_one),
        _m("one_sided_padding", max_one_sided),
        _m("hw_swapped", max_hw_swapped),
        _m("hw_swapped", max_pad_swapped, "padding"),
        _m("channels_mixed", max_channels_mixed),
        _m("shape_off_by_one", max_off_by_one),
        _m("dtype_not_kept", _float32(R.max_pool_as_conv)),
    ],
    "max_pool_conv_relu": [
        _m("relu_clips_negatives", relu_clips_negatives),
        _m("avg_instead_of_max", relu_avg_instead),
        _m("stride_default_one", relu_stride_one),
        _m("channels_mixed", relu_channels_mixed),
        _m("ceil_mode", relu_ceil),
        _m("dtype_not_kept", _float32(R.max_pool_conv_relu)),
        _m("fails_with_big_window", relu_two_by_two),
        _m("bye_dropped", relu_bye_dropped),
    ],
    "conv_relu_counts": [
        _m("counts_no_output_layer", counts_no_output_layer),
        _m("counts_rounds_not_ceiled", counts_rounds_not_ceiled),
        _m("counts_sign_not_carried", counts_sign_not_carried),
        _m("counts_bye_dropped", counts_bye_dropped),
        _m("counts_total_channels", counts_total_channels),
        _m("one_conv_relu", counts_one_conv_relu),
    ],
    "pool_output_shape": [
        _m("ceil_mode", shape_ceil),
        _m("one_sided_padding", shape_one_sided),
        _m("shape_off_by_one", shape_off_by_one),
        _m("hw_swapped", shape_hw_swapped),
        _m("stride_default_one", shape_stride_one),
    ],
    "pool_cost": [
        _m("cost_padding_ignored", cost_community, "community"),
        _m("cost_padding_ignored", cost_padding_ignored),
        _m("cost_no_channels", cost_no_channels),
        _m("cost_per_window", cost_window_size, "window"),
        _m("cost_per_window", cost_minus_one, "minus_one"),
        _m("output_size_formula", cost_no_floor),
        _m("stride_default_one", cost_stride_one),
        _m("ceil_mode", cost_ceil),
    ],
    "min_pool2d": [
        _m("min_padding_wins", min_padding_wins),
        _m("min_not_negated", min_forgot_outer_negation, "outer"),
        _m("min_not_negated", min_forgot_inner_negation, "inner"),
        _m("stride_default_one", min_stride_one),
        _m("one_sided_padding", min_one_sided),
        _m("hw_swapped", min_hw_swapped),
        _m("dtype_not_kept", _float32(R.min_pool2d)),
    ],
    "softmax_pool2d": [
        _m("unstable_exp", unstable_exp),
        _m("temperature_ignored", temperature_ignored),
        _m("temperature_multiplied", temperature_multiplied),
        _m("softmax_values_scaled", softmax_values_scaled),
        _m("windows_not_gathered", softmax_whole_plane),
        _m("stride_default_one", softmax_stride_one),
        _m("hw_swapped", softmax_hw_swapped),
        _m("dtype_not_kept", _float32(R.softmax_pool2d)),
    ],
    "max_pool2d_backward": [
        _m("backward_overwrite", max_backward_overwrite_slice, "slice"),
        _m("backward_overwrite", max_backward_overwrite_index, "index"),
        _m("max_backward_as_avg", max_backward_as_avg),
        _m("max_zero_padding", max_backward_zero_padding),
        _m("grad_out_ignored", max_backward_grad_ignored),
        _m("dtype_not_kept", _float32(R.max_pool2d_backward)),
    ],
    "avg_pool2d_backward": [
        _m("backward_overwrite", avg_backward_overwrite),
        _m("avg_backward_no_divide", avg_backward_no_divide),
        _m("avg_exclude_pad", avg_backward_exclude_pad),
        _m("grad_out_ignored", avg_backward_grad_ignored),
        _m("dtype_not_kept", _float32(R.avg_pool2d_backward)),
    ],
}


def run_model(model, case):
    """The model's output on a case, or None if it raises (a model may not apply)."""
    try:
        return model.fn(*case.args, **case.kwargs)
    except Exception:
        return None


# What each property group is there to catch: the public check shows, for every group, at
# least one case on which each of these mistakes (where the function has a model of it) fails,
# so a mistake fails the group named after it rather than some other group.
GROUP_TARGETS = {
    "padding": ("max_zero_padding", "avg_exclude_pad", "one_sided_padding", "min_padding_wins",
                "inf_times_zero", "hw_swapped"),
    "stride": ("stride_default_one",),
    "batch_channels": ("channels_mixed",),
    "shapes": ("hw_swapped",),
    "dtype": ("dtype_not_kept",),
    "avg": ("avg_as_sum", "cost_per_window"),
    "negative": ("relu_clips_negatives",),
    "overlap": ("backward_overwrite",),
    "temperature": ("temperature_ignored", "temperature_multiplied", "softmax_values_scaled"),
    "numerics": ("unstable_exp",),
    "edge": ("ceil_mode",),
    "d2l": ("cost_padding_ignored",),
    "window": ("fails_with_big_window", "bye_dropped"),
    "larger": ("counts_rounds_not_ceiled", "counts_bye_dropped"),
    "basic": ("avg_instead_of_max", "max_backward_as_avg", "grad_out_ignored", "min_not_negated",
              "cost_no_channels", "avg_backward_no_divide", "counts_no_output_layer",
              "counts_sign_not_carried", "counts_total_channels"),
}


def order(name):
    """The mistake ids of a function's library, in order (ties in a diagnosis go to the earlier)."""
    out = []
    for model in MODELS.get(name, []):
        if model.id not in out:
            out.append(model.id)
    return tuple(out)


def identify(name, failures):
    """The misconception id whose model reproduces the most failing outputs, or None.

    ``failures``: objects with ``case``, ``expected``, ``got``, ``error``. A model counts
    on a case only where its own output is wrong. (The grader itself names every fault
    with ``course.diagnose``; this is the one-model view of the same evidence.)
    """
    votes = {}
    for f in failures:
        if f.error is not None or f.case.expect_error:
            continue
        matched = set()
        for model in MODELS.get(name, []):
            if model.id in matched:
                continue
            wrong = run_model(model, f.case)
            if wrong is None or compare(f.expected, wrong, scale=f.case.scale).ok:
                continue
            if compare(wrong, f.got, scale=f.case.scale).ok:
                matched.add(model.id)
        for mid in matched:
            votes[mid] = votes.get(mid, 0) + 1
    if not votes:
        return None
    return max(order(name), key=lambda m: votes.get(m, 0))
