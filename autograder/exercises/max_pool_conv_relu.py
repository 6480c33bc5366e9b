"""max_pool_conv_relu (02_as_convolution, optional): k x k max pooling from convolutions and ReLU only."""
import torch
import torch.nn.functional as F

from autograder.exercises import transforms as T
from autograder.exercises.draw import noncontiguous
from autograder.exercises.record import Case, Exercise, Mistake
from autograder.exercises.windows import pair
from course.language import Text


def max_pool_conv_relu(X, pool_size=2):
    """k x k max pooling with stride = window, no padding. X: ``(N, C, H, W)``.

    ``max_pool_conv_relu(X)`` is the 2x2 case of the contract."""
    k = pair(pool_size)
    return F.max_pool2d(X, k, k)


def cases(g):
    cases = []

    def add(group, X):
        cases.append(Case(group, (X,), {}, scale=float(X.abs().max())))

    add("basic", torch.arange(16, dtype=torch.float32).reshape(1, 1, 4, 4))
    add("basic", g.distinct((1, 1, 4, 6)))
    add("basic", g.distinct((1, 1, 8, 8)))
    add("negative", g.distinct((1, 1, 4, 4), sign=-1))
    add("negative", g.distinct((1, 2, 6, 4), sign=-1))
    add("batch_channels", g.distinct((2, 3, 4, 4)))
    add("batch_channels", g.distinct((3, 2, 6, 6)))
    add("edge", g.distinct((1, 1, 5, 7)))               # odd sizes: the last row/column is dropped
    add("edge", g.distinct((2, 1, 2, 2)))
    add("dtype", g.distinct((1, 2, 4, 6), torch.float64))
    add("noncontiguous", noncontiguous(g.distinct((1, 2, 6, 4))))
    add("noncontiguous", noncontiguous(g.distinct((2, 1, 4, 4)), "step"))
    # a second float64 case (drawn last): one case alone could be a memorised answer
    add("dtype", g.distinct((2, 1, 4, 4), torch.float64, sign=+1))

    # k x k windows, stride = window (d2l-en exercise 3c); drawn after the 2x2 cases above,
    # which stay as they were (called as max_pool_conv_relu(X), the contract's default).
    def add_k(group, X, k):
        cases.append(Case(group, (X, k), {}, scale=float(X.abs().max())))

    add_k("window", g.distinct((1, 1, 6, 6)), 3)
    add_k("window", g.distinct((2, 2, 9, 7), sign=-1), 3)
    add_k("window", g.distinct((1, 2, 7, 8)), (3, 3))
    add_k("window", g.distinct((1, 1, 8, 8)), 4)
    add_k("window", g.distinct((2, 1, 4, 6)), 2)
    add_k("window", g.distinct((1, 1, 6, 9), torch.float64), 3)
    return cases


def _clips_negatives(X, pool_size=2):
    return F.max_pool2d(F.relu(X), pool_size, pool_size)


def _avg_instead(X, pool_size=2):
    return F.avg_pool2d(X, pool_size, pool_size)


def _stride_one(X, pool_size=2):
    return F.max_pool2d(X, pool_size, 1)


def _ceil(X, pool_size=2):
    return F.max_pool2d(X, pool_size, pool_size, ceil_mode=True)


def _two_by_two(X, pool_size=2):
    """2x2 written into the code: the window size is ignored."""
    return F.max_pool2d(X, 2, 2)


def _bye_dropped(X, pool_size=2):
    """A tournament over the window that drops the odd element out of each round."""
    kh, kw = pair(pool_size)
    win = X.unfold(2, kh, kh).unfold(3, kw, kw)
    win = win.reshape(*win.shape[:4], kh * kw)
    return win[..., _bye_survivors(kh * kw)].amax(-1)


def _bye_survivors(n):
    """The window positions whose values can still win when each round drops the odd one out."""
    groups = [[i] for i in range(n)]
    while len(groups) > 1:
        groups = [groups[t] + groups[t + 1] for t in range(0, len(groups) - 1, 2)]
    return groups[0]


# The misconceptions only this exercise's mistakes name (id -> zh, en, hint): course.messages.CATALOG
# has them from the generated course/exercise_messages.json (autograder.grading.make_public_cases).
MESSAGES = {
    "relu_clips_negatives": (
        "负数被 ReLU 截成了 0：不能直接对输入做 ReLU",
        "Negative inputs were clipped to 0 by ReLU",
        Text("只对差值用 ReLU：max(a, b) = relu(a − b) + b",
             "Apply ReLU to differences only")),
    "avg_instead_of_max": (
        "算成了平均值，而不是最大值",
        "Computed the average instead of the maximum",
        Text("最大汇聚取每个窗口的最大值",
             "Max pooling takes each window's maximum")),
    "bye_dropped": (
        "两两配对时，落单的元素被丢掉了（3×3 窗口有 9 个元素，是奇数）",
        "Pairing drops the odd element out (a 3×3 window has 9 elements, an odd number)",
        Text("落单的元素原样进入下一轮",
             "Carry the odd one over to the next round unchanged")),
}


# The titles of the property groups only this exercise has (course.messages.GROUP_TITLES, likewise).
GROUP_TITLES = {
    "negative": Text("负数输入", "negative inputs"),
    "window": Text("k×k 窗口", "k×k windows"),
}


EXERCISE = Exercise(
    name="max_pool_conv_relu", notebook="02_as_convolution", position=3, points=1, optional=True, forbid="conv_relu_only",
    contract=('— k×k max pooling, stride k, built only from `F.conv2d`, `F.relu`, `+` and `−` (no max, sort or pooling)',
              '`F.max_pool2d` with stride = window'),
    reference=max_pool_conv_relu, cases=cases,
    groups={"basic": 2, "negative": 1, "batch_channels": 1, "edge": 1, "dtype": 1, "noncontiguous": 1,
            "window": 2},
    messages=MESSAGES, group_titles=GROUP_TITLES,
    mistakes=(
        Mistake("relu_clips_negatives", _clips_negatives, catches=("negative",)),
        Mistake("avg_instead_of_max", _avg_instead, catches=("basic",)),
        Mistake("stride_default_one", _stride_one),       # no stride parameter, no stride group
        T.channels_mixed(max_pool_conv_relu, "amax"),
        T.ceil_mode(_ceil),
        T.dtype_not_kept(max_pool_conv_relu),
        Mistake("fails_with_big_window", _two_by_two, catches=("window",)),
        Mistake("bye_dropped", _bye_dropped, catches=("window",)),
    ),
)
