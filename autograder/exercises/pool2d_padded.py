"""pool2d_padded (01_basics): ``nn.MaxPool2d`` / ``nn.AvgPool2d`` with stride and padding."""
import math

import torch.nn.functional as F

from autograder.exercises import transforms as T
from autograder.exercises.avg_pool_as_conv import avg_pool_as_conv
from autograder.exercises.families import WINDOW_GROUPS, window_cases
from autograder.exercises.max_pool_as_conv import max_pool_as_conv
from autograder.exercises.record import Exercise
from autograder.exercises.windows import window_args


def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    """``nn.MaxPool2d`` / ``nn.AvgPool2d`` with their defaults.

    X: ``(N, C, H, W)``. ``ceil_mode=False``; average pooling counts the
    padded zeros in the denominator (``count_include_pad=True``); max pooling
    pads with -inf, so padding never wins.
    """
    k, s, p = window_args(pool_size, stride, padding)
    if mode == 'max':
        return F.max_pool2d(X, k, s, p)
    if mode == 'avg':
        return F.avg_pool2d(X, k, s, p, ceil_mode=False, count_include_pad=True)
    raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")

NATURAL_PAD = {"max": -math.inf, "avg": 0.0}   # the pad that never wins, per mode


def cases(g):
    return window_cases(g, modes=("max", "avg"), n_random=6)


def _by_mode(max_fn, avg_fn):
    """A wrong pool2d_padded from a wrong max and a wrong avg operator (None: the right one)."""
    def wrong(X, pool_size, stride=None, padding=0, mode='max'):
        if mode == 'max':
            return (max_fn or max_pool_as_conv)(X, pool_size, stride, padding)
        return (avg_fn or avg_pool_as_conv)(X, pool_size, stride, padding)
    return wrong


EXERCISE = Exercise(
    name="pool2d_padded", notebook="01_basics", position=2, points=3, forbid="pooling",
    contract=('— `X` is `(N, C, H, W)`',
              '`nn.MaxPool2d` / `nn.AvgPool2d` with default `ceil_mode=False`, `count_include_pad=True`'),
    reference=pool2d_padded, cases=cases, groups=WINDOW_GROUPS,
    mistakes=(
        T.max_zero_padding(pool2d_padded, {"max": 0.0, "avg": None}),
        T.avg_exclude_pad(_by_mode(None, T.avg_pool_exclude_pad)),
        T.stride_default_one(pool2d_padded),
        T.stride_ignored(pool2d_padded),
        T.one_sided_padding(pool2d_padded, NATURAL_PAD),
        T.hw_swapped(pool2d_padded, NATURAL_PAD),
        T.pad_swapped(pool2d_padded, NATURAL_PAD),
        T.channels_mixed(pool2d_padded, {"max": "amax", "avg": "sum"}),
        T.ceil_mode(_by_mode(T.max_pool_ceil, T.avg_pool_ceil)),
        T.ceil_mode(_by_mode(T.max_pool_ceil, T.avg_pool_ceil_full), "full_divisor"),
        T.avg_as_sum(pool2d_padded),
        T.dtype_not_kept(pool2d_padded),
    ),
)
