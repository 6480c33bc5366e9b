"""avg_pool2d_backward (05_gradients): dL/dX of average pooling, given dL/dY."""
import torch

from autograder import references as R
from autograder.exercises import transforms as T
from autograder.exercises.families import BACKWARD_GROUPS, backward_cases
from autograder.exercises.max_pool2d_backward import windows
from autograder.exercises.record import Exercise, Mistake


def cases(g):
    # tie-free too: harmless, and the padding cases stay all-negative like max's
    return backward_cases(g, tie_free=True)


def _overwrite(X, grad_out, pool_size, stride=None, padding=0):
    """dX[window] = g / (p_h p_w) instead of +=."""
    _, _, (ph, pw) = R.window_args(pool_size, stride, padding)
    dxp = T.pad(torch.zeros_like(X), (ph, pw), 0.0)
    for i, j, r, c, kh, kw in windows(pool_size, stride, padding, grad_out.shape[-2:]):
        dxp[..., r:r + kh, c:c + kw] = grad_out[..., i:i + 1, j:j + 1] / (kh * kw)
    return dxp[..., ph:ph + X.shape[2], pw:pw + X.shape[3]]


EXERCISE = Exercise(
    name="avg_pool2d_backward", notebook="05_gradients", points=3, forbid="pooling",
    reference=R.avg_pool2d_backward, cases=cases,
    groups=BACKWARD_GROUPS,
    mistakes=(
        Mistake("backward_overwrite", _overwrite, catches=("overlap",)),
        Mistake("avg_backward_no_divide", T.times_window(R.avg_pool2d_backward), catches=("basic",)),
        T.gradient(T.avg_exclude_pad()),
        T.grad_out_ignored(R.avg_pool2d_backward),
        T.dtype_not_kept(R.avg_pool2d_backward),
    ),
)
