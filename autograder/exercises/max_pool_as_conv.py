"""max_pool_as_conv (02_as_convolution): max pooling from ``F.conv2d`` windows and a maximum."""
import math

import torch
import torch.nn.functional as F

from autograder.exercises import transforms as T
from autograder.exercises.families import WINDOW_GROUPS, window_cases
from autograder.exercises.record import Exercise, Mistake
from autograder.exercises.windows import window_args
from course.language import Text


def max_pool_as_conv(X, pool_size, stride=None, padding=0):
    """``F.max_pool2d``. X: ``(N, C, H, W)``."""
    k, s, p = window_args(pool_size, stride, padding)
    return F.max_pool2d(X, k, s, p)


def cases(g):
    return window_cases(g, n_random=8)


def _inf_times_zero(X, pool_size, stride=None, padding=0):
    """Gather windows with a 0/1 conv kernel on a -inf padded input: -inf * 0 = nan."""
    k, s, p = window_args(pool_size, stride, padding)
    n, c = X.shape[:2]
    xp = T.pad(X, p, -math.inf).reshape(n * c, 1, X.shape[2] + 2 * p[0], X.shape[3] + 2 * p[1])
    eye = torch.eye(k[0] * k[1], dtype=X.dtype).reshape(-1, 1, *k)
    y = F.conv2d(xp, eye, stride=s).amax(1)
    return y.reshape(n, c, *y.shape[-2:])


def _off_by_one(X, pool_size, stride=None, padding=0):
    return max_pool_as_conv(X, pool_size, stride, padding)[..., :-1, :-1]


# The misconceptions only this exercise's mistakes name (id -> zh, en, hint): course.messages.CATALOG
# has them from the generated course/exercise_messages.json (autograder.grading.make_public_cases).
MESSAGES = {
    "conv_max_zero_padding": (
        "用 0 填充时，全为负数的窗口会选中填充的 0；改用 −∞ 也不行：卷积里 0 × (−∞) = NaN",
        "A 0 pad wins in all-negative windows, and −∞ is no way out: 0 × (−∞) = NaN in the convolution",
        Text("用不大于任何真实元素的有限值填充（例如 value=X.min().item()），或者卷积之后用掩码把来自填充的位置换成 −∞",
             "Pad with a finite value no larger than any real element (e.g. value=X.min().item()), or put −∞ where a mask shows padding after the convolution")),
    "inf_times_zero": (
        "卷积遇到 −∞ 填充得到 NaN：−∞ × 0 = NaN",
        "The convolution met the −∞ padding: −∞ × 0 = NaN",
        Text("先用卷积收集窗口，再把来自填充的位置换成 −∞；或者用一个不大于任何真实元素的有限值填充（例如 X.min()，而不是接近 0 的数）",
             "Gather the windows first and put −∞ where they came from padding afterwards, or pad with a finite value no larger than any real element (e.g. X.min(), not a number near 0)")),
}


EXERCISE = Exercise(
    name="max_pool_as_conv", notebook="02_as_convolution", position=2, points=3, forbid="pooling_require_conv",
    contract=('— `F.conv2d` with fixed kernels gathers each window, then a max',
              '`F.max_pool2d`'),
    reference=max_pool_as_conv, cases=cases,
    groups=WINDOW_GROUPS,
    messages=MESSAGES,
    mistakes=(
        # its own words: the usual fix for a 0 pad (pad with −∞) is this exercise's other trap
        T.max_zero_padding(max_pool_as_conv, mid="conv_max_zero_padding"),
        Mistake("inf_times_zero", _inf_times_zero, catches=("padding",)),
        T.stride_default_one(max_pool_as_conv),
        T.stride_ignored(max_pool_as_conv),
        T.one_sided_padding(max_pool_as_conv, -math.inf),
        T.hw_swapped(max_pool_as_conv, -math.inf),
        T.pad_swapped(max_pool_as_conv, -math.inf),
        T.channels_mixed(max_pool_as_conv, "amax"),
        Mistake("shape_off_by_one", _off_by_one),
        T.dtype_not_kept(max_pool_as_conv),
    ),
)
