"""softmax_pool2d (04_min_softmax): softmax pooling, a softly weighted maximum with a temperature."""
import torch
import torch.nn.functional as F

from autograder.exercises import transforms as T
from autograder.exercises.draw import noncontiguous
from autograder.exercises.record import Case, Exercise, Mistake
from autograder.exercises.windows import window_args
from course.language import Text


def softmax_pool2d(X, pool_size, stride=None, temperature=1.0):
    """Softmax pooling. X: ``(N, C, H, W)``; no padding.

    Each output element is ``sum(softmax(x / T) * x)`` over its window ``x``:
    a softly weighted maximum (``T -> 0``: max; ``T -> inf``: mean).
    Computed in float64 with the max subtracted inside ``softmax``, so it is
    finite for ``|x|`` up to 1e4 and ``T`` down to 1e-3; returned in X's dtype.
    """
    (kh, kw), (sh, sw), _ = window_args(pool_size, stride, 0)
    n, c, h, w = X.shape
    x = X.double()
    # windows: (N, C, out_h, out_w, kh*kw); unfold is a view, not a pooling op.
    win = x.unfold(2, kh, sh).unfold(3, kw, sw).reshape(n, c, -1, (w - kw) // sw + 1, kh * kw)
    weights = torch.softmax(win / temperature, dim=-1)
    return (weights * win).sum(-1).to(X.dtype)


def cases(g):
    cases = []

    def add(group, X, k, stride=None, T=None):
        kwargs = {}
        if stride is not None:
            kwargs["stride"] = stride
        if T is not None:
            kwargs["temperature"] = T
        cases.append(Case(group, (X, k), kwargs, scale=float(X.abs().max())))

    add("basic", g.distinct((1, 1, 4, 4)), 2)
    add("basic", g.normal((1, 1, 4, 4)), 2, None, 1.0)
    add("basic", g.distinct((1, 1, 6, 6)), 3, 3)
    add("temperature", g.distinct((1, 1, 4, 4)), 2, None, 0.5)
    add("temperature", g.distinct((1, 1, 4, 4)), 2, None, 3.0)
    add("temperature", g.distinct((1, 1, 6, 4)), (2, 2), (2, 2), 1e3)
    add("temperature", g.distinct((1, 1, 4, 6)), (2, 3), (2, 3), 1e-3)
    add("temperature", g.normal((1, 2, 4, 4)), 2, 1, 10.0)
    # numerics: x / T up to 1e7 would overflow a naive exp
    add("numerics", g.distinct((1, 1, 4, 4), scale=1e4), 2)
    add("numerics", g.distinct((1, 1, 4, 4), sign=-1, scale=1e4), 2, None, 1.0)
    add("numerics", g.distinct((1, 1, 4, 4), scale=10.0), 2, None, 1e-3)
    add("numerics", g.distinct((1, 2, 6, 6), scale=1e4), 3, 3, 1e3)
    add("stride", g.distinct((1, 1, 7, 7)), 2)
    add("stride", g.distinct((1, 1, 8, 7)), 2, 3)
    add("stride", g.distinct((1, 1, 6, 7)), (2, 2), (1, 2), 2.0)
    add("shapes", g.distinct((1, 1, 5, 7)), (2, 3), 1, 2.0)
    add("shapes", g.distinct((1, 1, 3, 5)), (3, 5), None, 0.5)
    add("batch_channels", g.distinct((2, 3, 4, 4)), 2, None, 2.0)
    add("batch_channels", g.normal((3, 2, 6, 4)), (3, 2), (1, 2), 0.5)
    add("dtype", g.distinct((1, 2, 4, 4), torch.float64), 2, None, 0.5)
    add("dtype", g.distinct((2, 1, 6, 6), torch.float64, scale=1e4), 3, 2, 1e-3)
    add("noncontiguous", noncontiguous(g.distinct((1, 2, 6, 4))), 2, None, 2.0)
    add("noncontiguous", noncontiguous(g.distinct((2, 1, 4, 6)), "step"), (2, 3), 1, 0.5)
    add("edge", g.distinct((1, 1, 3, 4)), 1, None, 2.0)
    # 1x1 windows return the input: pair them with a window the size of the input,
    # one output per (sample, channel), which returning the input cannot pass
    # (square, default temperature: this group is about the window's extent)
    add("edge", g.distinct((2, 2, 3, 3)), 3)
    return cases


def _unstable_exp(X, pool_size, stride=None, temperature=1.0):
    """softmax written as exp(z) / sum(exp(z)) in X's dtype: overflows for large z."""
    (kh, kw), (sh, sw), _ = window_args(pool_size, stride, 0)
    win = X.unfold(2, kh, sh).unfold(3, kw, sw)
    win = win.reshape(*win.shape[:4], kh * kw)
    e = torch.exp(win / temperature)
    return (e / e.sum(-1, keepdim=True) * win).sum(-1)


def _temperature(change):
    """The reference with the temperature replaced by ``change(temperature)``."""
    return T.with_arguments(softmax_pool2d, lambda a: a.update(temperature=change(a["temperature"])))


def _values_scaled(X, pool_size, stride=None, temperature=1.0):
    return softmax_pool2d(X, pool_size, stride, temperature) / temperature


def _whole_plane(X, pool_size, stride=None, temperature=1.0):
    """The softmax taken over the whole plane, never over each window; the weighted values then
    summed window by window (with a convolution of ones)."""
    (kh, kw), (sh, sw), _ = window_args(pool_size, stride, 0)
    n, c, h, w = X.shape
    weights = torch.softmax(X.double().reshape(n, c, h * w) / temperature, dim=-1).reshape(n, c, h, w)
    ones = torch.ones(1, 1, kh, kw, dtype=torch.float64)
    y = F.conv2d((weights * X.double()).reshape(n * c, 1, h, w), ones, stride=(sh, sw))
    return y.reshape(n, c, *y.shape[-2:]).to(X.dtype)


# The misconceptions only this exercise's mistakes name (id -> zh, en, hint): course.messages.CATALOG
# has them from the generated course/exercise_messages.json (autograder.grading.make_public_cases).
MESSAGES = {
    "unstable_exp": (
        "exp 溢出了：计算 softmax 前要减去窗口内的最大值",
        "exp overflowed: subtract the window maximum before softmax",
        Text("softmax(z) = softmax(z − max z)；或直接用 torch.softmax",
             "softmax(z) = softmax(z − max z); or simply use torch.softmax",
             both="softmax(z) = softmax(z − max z)；或直接用 torch.softmax / or simply use torch.softmax")),
    "temperature_ignored": (
        "温度 T 被忽略了",
        "The temperature T is ignored",
        Text("权重是 softmax(x / T)",
             "The weights are softmax(x / T)")),
    "temperature_multiplied": (
        "温度用反了：应当是 x / T，而不是 x · T",
        "Temperature applied the wrong way: x / T, not x · T",
        Text("T 越小越接近最大值",
             "Smaller T is closer to the maximum")),
    "softmax_values_scaled": (
        "加权的应当是 x 本身，而不是 x / T",
        "The weights multiply x itself, not x / T",
        Text("输出 = Σ softmax(x/T) · x",
             "output = sum(softmax(x/T) * x)")),
}


# The titles of the property groups only this exercise has (course.messages.GROUP_TITLES, likewise).
GROUP_TITLES = {
    "temperature": Text("温度", "temperature"),
    "numerics": Text("数值稳定性", "numerics"),
}


EXERCISE = Exercise(
    name="softmax_pool2d", notebook="04_min_softmax", position=2, points=3, forbid="pooling",
    contract=("— no padding; each window's output is `sum(softmax(x / T) * x)`",
              'that definition, finite for inputs up to ±1e4 and `T` down to 1e-3'),
    reference=softmax_pool2d, cases=cases,
    groups={"basic": 2, "temperature": 2, "numerics": 2, "stride": 1, "shapes": 1,
            "batch_channels": 1, "dtype": 1, "noncontiguous": 1, "edge": 1},
    messages=MESSAGES, group_titles=GROUP_TITLES,
    mistakes=(
        Mistake("unstable_exp", _unstable_exp, catches=("numerics",)),
        Mistake("temperature_ignored", _temperature(lambda t: 1.0), catches=("temperature",)),
        Mistake("temperature_multiplied", _temperature(lambda t: 1.0 / t), catches=("temperature",)),
        Mistake("softmax_values_scaled", _values_scaled, catches=("temperature",)),
        Mistake("windows_not_gathered", _whole_plane),
        T.stride_default_one(softmax_pool2d),
        T.stride_ignored(softmax_pool2d),
        T.hw_swapped(softmax_pool2d),
        T.dtype_not_kept(softmax_pool2d),
    ),
)
