"""min_pool2d (04_min_softmax): minimum pooling, written with max pooling and negation."""
import math

from autograder import references as R
from autograder.exercises import transforms as T
from autograder.exercises.families import WINDOW_GROUPS, window_cases
from autograder.exercises.record import Exercise, Mistake


def cases(g):
    # all-positive inputs with padding: a 0 pad would win the minimum
    return window_cases(g, sign_for_padding=+1, n_random=8)


_zero_padded_max = T.padded_by_hand(R.max_pool_as_conv, 0.0)


def _padding_wins(X, pool_size, stride=None, padding=0):
    return -_zero_padded_max(-X, pool_size, stride, padding)


def _outer_negation_forgotten(X, pool_size, stride=None, padding=0):
    return R.max_pool_as_conv(-X, pool_size, stride, padding)


def _inner_negation_forgotten(X, pool_size, stride=None, padding=0):
    return -R.max_pool_as_conv(X, pool_size, stride, padding)


EXERCISE = Exercise(
    name="min_pool2d", notebook="04_min_softmax", points=2, forbid="none",
    reference=R.min_pool2d, cases=cases, groups=WINDOW_GROUPS,
    mistakes=(
        Mistake("min_padding_wins", _padding_wins, catches=("padding",)),
        Mistake("min_not_negated", _outer_negation_forgotten, "outer", catches=("basic",)),
        Mistake("min_not_negated", _inner_negation_forgotten, "inner", catches=("basic",)),
        T.stride_default_one(R.min_pool2d),
        T.stride_ignored(R.min_pool2d),
        T.one_sided_padding(R.min_pool2d, math.inf),
        T.hw_swapped(R.min_pool2d),
        T.dtype_not_kept(R.min_pool2d),
    ),
)
