"""max_pool_as_conv (02_as_convolution): max pooling from ``F.conv2d`` windows and a maximum."""
import math

import torch
import torch.nn.functional as F

from autograder import references as R
from autograder.exercises import transforms as T
from autograder.exercises.families import WINDOW_GROUPS, window_cases
from autograder.exercises.record import Exercise, Mistake


def cases(g):
    return window_cases(g, n_random=8)


def _inf_times_zero(X, pool_size, stride=None, padding=0):
    """Gather windows with a 0/1 conv kernel on a -inf padded input: -inf * 0 = nan."""
    k, s, p = R.window_args(pool_size, stride, padding)
    n, c = X.shape[:2]
    xp = T.pad(X, p, -math.inf).reshape(n * c, 1, X.shape[2] + 2 * p[0], X.shape[3] + 2 * p[1])
    eye = torch.eye(k[0] * k[1], dtype=X.dtype).reshape(-1, 1, *k)
    y = F.conv2d(xp, eye, stride=s).amax(1)
    return y.reshape(n, c, *y.shape[-2:])


def _off_by_one(X, pool_size, stride=None, padding=0):
    return R.max_pool_as_conv(X, pool_size, stride, padding)[..., :-1, :-1]


EXERCISE = Exercise(
    name="max_pool_as_conv", notebook="02_as_convolution", points=3, forbid="pooling_require_conv",
    reference=R.max_pool_as_conv, cases=cases,
    groups=WINDOW_GROUPS,
    mistakes=(
        # its own words: the usual fix for a 0 pad (pad with −∞) is this exercise's other trap
        T.max_zero_padding(R.max_pool_as_conv, mid="conv_max_zero_padding"),
        Mistake("inf_times_zero", _inf_times_zero, catches=("padding",)),
        T.stride_default_one(R.max_pool_as_conv),
        T.stride_ignored(R.max_pool_as_conv),
        T.one_sided_padding(R.max_pool_as_conv, -math.inf),
        T.hw_swapped(R.max_pool_as_conv, -math.inf),
        T.pad_swapped(R.max_pool_as_conv, -math.inf),
        T.channels_mixed(R.max_pool_as_conv, "amax"),
        Mistake("shape_off_by_one", _off_by_one),
        T.dtype_not_kept(R.max_pool_as_conv),
    ),
)
