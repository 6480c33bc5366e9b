"""min_pool2d (04_min_softmax): minimum pooling, written with max pooling and negation."""
import math

import torch.nn.functional as F

from autograder.exercises import transforms as T
from autograder.exercises.families import WINDOW_GROUPS, window_cases
from autograder.exercises.max_pool_as_conv import max_pool_as_conv
from autograder.exercises.record import Exercise, Mistake
from autograder.exercises.windows import window_args
from course.language import Text


def min_pool2d(X, pool_size, stride=None, padding=0):
    """Minimum pooling: ``-F.max_pool2d(-X, ...)``. X: ``(N, C, H, W)``.

    Padding is +inf for a minimum, so padding never wins.
    """
    k, s, p = window_args(pool_size, stride, padding)
    return -F.max_pool2d(-X, k, s, p)


def cases(g):
    # all-positive inputs with padding: a 0 pad would win the minimum
    return window_cases(g, sign_for_padding=+1, n_random=8)


_zero_padded_max = T.padded_by_hand(max_pool_as_conv, 0.0)


def _padding_wins(X, pool_size, stride=None, padding=0):
    return -_zero_padded_max(-X, pool_size, stride, padding)


def _outer_negation_forgotten(X, pool_size, stride=None, padding=0):
    return max_pool_as_conv(-X, pool_size, stride, padding)


def _inner_negation_forgotten(X, pool_size, stride=None, padding=0):
    return -max_pool_as_conv(X, pool_size, stride, padding)


# The misconceptions only this exercise's mistakes name (id -> zh, en, hint): course.messages.CATALOG
# has them from the generated course/exercise_messages.json (autograder.grading.make_public_cases).
MESSAGES = {
    "min_padding_wins": (
        "最小汇聚的填充不应该“赢”：−max(−X) 要对 −X 用 −∞ 填充",
        "Padding must never win in min pooling: pad −X with −∞ (X with +∞)",
        Text("全为正数的输入上，0 填充会成为最小值",
             "With all-positive inputs a 0 pad becomes the minimum")),
    "min_not_negated": (
        "符号错了：最小汇聚是 −max_pool(−X)",
        "Sign error: min pooling is −max_pool(−X)",
        Text("两次取负都不能少",
             "Both negations are needed")),
}


EXERCISE = Exercise(
    name="min_pool2d", notebook="04_min_softmax", position=1, points=2, forbid="none",
    contract=("— may use max pooling, torch's included",
              '`-F.max_pool2d(-X, ...)` (padding never wins)'),
    reference=min_pool2d, cases=cases, groups=WINDOW_GROUPS,
    messages=MESSAGES,
    mistakes=(
        Mistake("min_padding_wins", _padding_wins, catches=("padding",)),
        Mistake("min_not_negated", _outer_negation_forgotten, "outer", catches=("basic",)),
        Mistake("min_not_negated", _inner_negation_forgotten, "inner", catches=("basic",)),
        T.stride_default_one(min_pool2d),
        T.stride_ignored(min_pool2d),
        T.one_sided_padding(min_pool2d, math.inf),
        T.hw_swapped(min_pool2d),
        T.dtype_not_kept(min_pool2d),
    ),
)
