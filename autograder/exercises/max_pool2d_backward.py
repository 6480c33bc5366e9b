"""max_pool2d_backward (05_gradients): dL/dX of max pooling, given dL/dY."""
import math

import torch.nn.functional as F

from autograder.exercises import transforms as T
from autograder.exercises.avg_pool2d_backward import avg_pool2d_backward
from autograder.exercises.families import BACKWARD_GROUPS, backward_cases
from autograder.exercises.max_pool_as_conv import max_pool_as_conv
from autograder.exercises.record import Exercise, Mistake
from autograder.exercises.windows import window_args
from course.language import Text


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    """``dL/dX`` of max pooling, given ``grad_out = dL/dY``; autograd through ``F.max_pool2d``.

    X: ``(N, C, H, W)``; grad_out: the output's shape. Each window sends its
    gradient to its (unique, inputs are tie-free) maximum; where windows
    overlap, the contributions add up. Padding receives no gradient.
    """
    k, s, p = window_args(pool_size, stride, padding)
    x = X.detach().clone().requires_grad_(True)
    F.max_pool2d(x, k, s, p).backward(grad_out)
    return x.grad


def cases(g):
    return backward_cases(g, tie_free=True)


def _is_max(window):
    return window == window.amax((-1, -2), keepdim=True)


def _write_slice(target, window, g):
    """dX[window] = mask * g: a later window wipes out an earlier one's gradient."""
    target[...] = _is_max(window).to(target.dtype) * g


def _write_index(target, window, g):
    """dX[argmax] = g instead of +=: a maximum shared by two windows keeps one gradient."""
    mask = _is_max(window)
    target[mask] = g.expand_as(target)[mask]


_overwrite_slice = T.window_by_window(_write_slice, -math.inf)
_overwrite_index = T.window_by_window(_write_index, -math.inf)


# The misconceptions only this exercise's mistakes name (id -> zh, en, hint): course.messages.CATALOG
# has them from the generated course/exercise_messages.json (autograder.grading.make_public_cases).
MESSAGES = {
    "max_backward_as_avg": (
        "最大汇聚的梯度只流向窗口里的最大元素",
        "Max-pool gradient flows only to each window's maximum",
        Text("其他元素的梯度为 0",
             "The other elements get 0")),
}


EXERCISE = Exercise(
    name="max_pool2d_backward", notebook="05_gradients", position=1, points=3, forbid="pooling",
    contract=('→ `dL/dX`',
              'autograd through `F.max_pool2d` (inputs without ties)'),
    reference=max_pool2d_backward, cases=cases,
    groups=BACKWARD_GROUPS,
    messages=MESSAGES,
    mistakes=(
        Mistake("backward_overwrite", _overwrite_slice, "slice", catches=("overlap",)),
        Mistake("backward_overwrite", _overwrite_index, "index", catches=("overlap",)),
        Mistake("max_backward_as_avg", T.times_window(avg_pool2d_backward), catches=("basic",)),
        T.gradient(T.max_zero_padding(max_pool_as_conv)),
        T.grad_out_ignored(max_pool2d_backward),
        T.dtype_not_kept(max_pool2d_backward),
    ),
)
