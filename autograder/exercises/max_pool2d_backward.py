"""max_pool2d_backward (05_gradients): dL/dX of max pooling, given dL/dY."""
import math

from autograder import references as R
from autograder.exercises import transforms as T
from autograder.exercises.families import BACKWARD_GROUPS, backward_cases
from autograder.exercises.record import Exercise, Mistake


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
