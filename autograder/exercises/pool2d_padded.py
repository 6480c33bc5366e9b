"""pool2d_padded (01_basics): ``nn.MaxPool2d`` / ``nn.AvgPool2d`` with stride and padding."""
import math

from autograder import references as R
from autograder.exercises import transforms as T
from autograder.exercises.families import WINDOW_GROUPS, window_cases
from autograder.exercises.record import Exercise

NATURAL_PAD = {"max": -math.inf, "avg": 0.0}   # the pad that never wins, per mode


def cases(g):
    return window_cases(g, modes=("max", "avg"), n_random=6)


def _by_mode(max_fn, avg_fn):
    """A wrong pool2d_padded from a wrong max and a wrong avg operator (None: the right one)."""
    def wrong(X, pool_size, stride=None, padding=0, mode='max'):
        if mode == 'max':
            return (max_fn or R.max_pool_as_conv)(X, pool_size, stride, padding)
        return (avg_fn or R.avg_pool_as_conv)(X, pool_size, stride, padding)
    return wrong


EXERCISE = Exercise(
    name="pool2d_padded", notebook="01_basics", points=3, forbid="pooling",
    reference=R.pool2d_padded, cases=cases, groups=WINDOW_GROUPS,
    mistakes=(
        T.max_zero_padding(R.pool2d_padded, {"max": 0.0, "avg": None}),
        T.avg_exclude_pad(_by_mode(None, T.avg_pool_exclude_pad)),
        T.stride_default_one(R.pool2d_padded),
        T.stride_ignored(R.pool2d_padded),
        T.one_sided_padding(R.pool2d_padded, NATURAL_PAD),
        T.hw_swapped(R.pool2d_padded, NATURAL_PAD),
        T.pad_swapped(R.pool2d_padded, NATURAL_PAD),
        T.channels_mixed(R.pool2d_padded, {"max": "amax", "avg": "sum"}),
        T.ceil_mode(_by_mode(T.max_pool_ceil, T.avg_pool_ceil)),
        T.ceil_mode(_by_mode(T.max_pool_ceil, T.avg_pool_ceil_full), "full_divisor"),
        T.avg_as_sum(R.pool2d_padded),
        T.dtype_not_kept(R.pool2d_padded),
    ),
)
