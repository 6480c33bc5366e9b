"""avg_pool_as_conv (02_as_convolution): average pooling as one ``F.conv2d`` with a fixed kernel."""
import torch.nn.functional as F

from autograder.exercises import transforms as T
from autograder.exercises.families import WINDOW_GROUPS, window_cases
from autograder.exercises.record import Exercise
from autograder.exercises.windows import window_args


def avg_pool_as_conv(X, pool_size, stride=None, padding=0):
    """``F.avg_pool2d`` (count_include_pad=True). X: ``(N, C, H, W)``."""
    k, s, p = window_args(pool_size, stride, padding)
    return F.avg_pool2d(X, k, s, p)


def cases(g):
    return window_cases(g, tie_free=False, n_random=8)


EXERCISE = Exercise(
    name="avg_pool_as_conv", notebook="02_as_convolution", position=1, points=2, forbid="pooling_require_conv",
    contract=('— must be a `F.conv2d` with a fixed kernel',
              '`F.avg_pool2d`'),
    reference=avg_pool_as_conv, cases=cases,
    groups=WINDOW_GROUPS,
    mistakes=(
        T.avg_exclude_pad(),
        T.stride_default_one(avg_pool_as_conv),
        T.stride_ignored(avg_pool_as_conv),
        T.one_sided_padding(avg_pool_as_conv, 0.0),
        T.hw_swapped(avg_pool_as_conv, 0.0),
        T.pad_swapped(avg_pool_as_conv, 0.0),
        # a (C, C, p_h, p_w) kernel of 1/(p_h p_w): every output channel sums all input channels
        T.channels_mixed(avg_pool_as_conv, "sum"),
        T.avg_as_sum(avg_pool_as_conv),
        T.ceil_mode(T.avg_pool_ceil),
        T.ceil_mode(T.avg_pool_ceil_full, "full_divisor"),
        T.dtype_not_kept(avg_pool_as_conv),
    ),
)
