"""max_pool2d_backward (05_gradients): dL/dX of max pooling, given dL/dY."""
import math

import torch

from autograder import references as R
from autograder.exercises import transforms as T
from autograder.exercises.families import BACKWARD_GROUPS, backward_cases
from autograder.exercises.record import Exercise, Mistake


def cases(g):
    return backward_cases(g, tie_free=True)


def windows(pool_size, stride, padding, n_out):
    """(i, j, r, c, kh, kw): output position, window's top-left corner in padded coordinates."""
    (kh, kw), (sh, sw), _ = R.window_args(pool_size, stride, padding)
    return [(i, j, i * sh, j * sw, kh, kw) for i in range(n_out[0]) for j in range(n_out[1])]


def _overwrite_slice(X, grad_out, pool_size, stride=None, padding=0):
    """dX[window] = mask * g: a later window wipes out an earlier one's gradient."""
    _, _, (ph, pw) = R.window_args(pool_size, stride, padding)
    xp = T.pad(X, (ph, pw), -math.inf)
    dxp = torch.zeros_like(xp)
    for i, j, r, c, kh, kw in windows(pool_size, stride, padding, grad_out.shape[-2:]):
        win = xp[..., r:r + kh, c:c + kw]
        mask = (win == win.amax((-1, -2), keepdim=True)).to(X.dtype)
        dxp[..., r:r + kh, c:c + kw] = mask * grad_out[..., i:i + 1, j:j + 1]
    return dxp[..., ph:ph + X.shape[2], pw:pw + X.shape[3]]


def _overwrite_index(X, grad_out, pool_size, stride=None, padding=0):
    """dX[argmax] = g instead of +=: a maximum shared by two windows keeps one gradient."""
    _, _, (ph, pw) = R.window_args(pool_size, stride, padding)
    xp = T.pad(X, (ph, pw), -math.inf)
    dxp = torch.zeros_like(xp)
    for i, j, r, c, kh, kw in windows(pool_size, stride, padding, grad_out.shape[-2:]):
        win = xp[..., r:r + kh, c:c + kw]
        mask = win == win.amax((-1, -2), keepdim=True)
        target = dxp[..., r:r + kh, c:c + kw]
        g = grad_out[..., i:i + 1, j:j + 1].expand_as(target)
        target[mask] = g[mask]
    return dxp[..., ph:ph + X.shape[2], pw:pw + X.shape[3]]


EXERCISE = Exercise(
    name="max_pool2d_backward", notebook="05_gradients", points=3, forbid="pooling",
    reference=R.max_pool2d_backward, cases=cases,
    groups=BACKWARD_GROUPS,
    mistakes=(
        Mistake("backward_overwrite", _overwrite_slice, "slice", catches=("overlap",)),
        Mistake("backward_overwrite", _overwrite_index, "index", catches=("overlap",)),
        Mistake("max_backward_as_avg", T.times_window(R.avg_pool2d_backward), catches=("basic",)),
        T.gradient(T.max_zero_padding(R.max_pool_as_conv)),
        T.grad_out_ignored(R.max_pool2d_backward),
        T.dtype_not_kept(R.max_pool2d_backward),
    ),
)
