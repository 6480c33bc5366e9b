"""avg_pool2d_backward (05_gradients): dL/dX of average pooling, given dL/dY."""
from autograder import references as R
from autograder.exercises import transforms as T
from autograder.exercises.families import BACKWARD_GROUPS, backward_cases
from autograder.exercises.record import Exercise, Mistake


def cases(g):
    # tie-free too: harmless, and the padding cases stay all-negative like max's
    return backward_cases(g, tie_free=True)


def _write_share(target, window, g):
    """dX[window] = g / (p_h p_w) instead of +=."""
    target[...] = g / (target.shape[-2] * target.shape[-1])


_overwrite = T.window_by_window(_write_share)


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
