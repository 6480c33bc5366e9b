"""avg_pool2d_backward (05_gradients): dL/dX of average pooling, given dL/dY."""
import torch.nn.functional as F

from autograder.exercises import transforms as T
from autograder.exercises.families import BACKWARD_GROUPS, backward_cases
from autograder.exercises.record import Exercise, Mistake
from autograder.exercises.windows import window_args
from course.language import Text


def avg_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    """``dL/dX`` of average pooling; autograd through ``F.avg_pool2d``.

    Each window spreads ``grad / (p_h*p_w)`` over its elements (padding
    counted, ``count_include_pad=True``); overlapping contributions add up.
    """
    k, s, p = window_args(pool_size, stride, padding)
    x = X.detach().clone().requires_grad_(True)
    F.avg_pool2d(x, k, s, p).backward(grad_out)
    return x.grad


def cases(g):
    # tie-free too: harmless, and the padding cases stay all-negative like max's
    return backward_cases(g, tie_free=True)


def _write_share(target, window, g):
    """dX[window] = g / (p_h p_w) instead of +=."""
    target[...] = g / (target.shape[-2] * target.shape[-1])


_overwrite = T.window_by_window(_write_share)


# The misconceptions only this exercise's mistakes name (id -> zh, en, hint): course.messages.CATALOG
# has them from the generated course/exercise_messages.json (autograder.grading.make_public_cases).
MESSAGES = {
    "avg_backward_no_divide": (
        "平均汇聚的梯度要除以窗口大小 p_h·p_w",
        "Average-pool gradient must be divided by p_h·p_w",
        Text("y = Σx / (p_h·p_w)，所以 ∂y/∂x = 1/(p_h·p_w)",
             "y = Σx / (p_h·p_w), so ∂y/∂x = 1/(p_h·p_w)",
             both="y = Σx / (p_h·p_w)，所以 / so ∂y/∂x = 1/(p_h·p_w)")),
}


EXERCISE = Exercise(
    name="avg_pool2d_backward", notebook="05_gradients", position=2, points=3, forbid="pooling",
    contract=('→ `dL/dX`',
              'autograd through `F.avg_pool2d`'),
    reference=avg_pool2d_backward, cases=cases,
    groups=BACKWARD_GROUPS,
    messages=MESSAGES,
    mistakes=(
        Mistake("backward_overwrite", _overwrite, catches=("overlap",)),
        Mistake("avg_backward_no_divide", T.times_window(avg_pool2d_backward), catches=("basic",)),
        T.gradient(T.avg_exclude_pad()),
        T.grad_out_ignored(avg_pool2d_backward),
        T.dtype_not_kept(avg_pool2d_backward),
    ),
)
