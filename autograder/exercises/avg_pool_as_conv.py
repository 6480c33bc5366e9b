"""avg_pool_as_conv (02_as_convolution): average pooling as one ``F.conv2d`` with a fixed kernel."""
from autograder import references as R
from autograder.exercises import transforms as T
from autograder.exercises.families import WINDOW_GROUPS, window_cases
from autograder.exercises.record import Exercise


def cases(g):
    return window_cases(g, tie_free=False, n_random=8)


EXERCISE = Exercise(
    name="avg_pool_as_conv", notebook="02_as_convolution", points=2, forbid="pooling_require_conv",
    reference=R.avg_pool_as_conv, cases=cases,
    groups=WINDOW_GROUPS,
    mistakes=(
        T.avg_exclude_pad(),
        T.stride_default_one(R.avg_pool_as_conv),
        T.stride_ignored(R.avg_pool_as_conv),
        T.one_sided_padding(R.avg_pool_as_conv, 0.0),
        T.hw_swapped(R.avg_pool_as_conv, 0.0),
        T.pad_swapped(R.avg_pool_as_conv, 0.0),
        # a (C, C, p_h, p_w) kernel of 1/(p_h p_w): every output channel sums all input channels
        T.channels_mixed(R.avg_pool_as_conv, "sum"),
        T.avg_as_sum(R.avg_pool_as_conv),
        T.ceil_mode(T.avg_pool_ceil),
        T.ceil_mode(T.avg_pool_ceil_full, "full_divisor"),
        T.dtype_not_kept(R.avg_pool_as_conv),
    ),
)
