"""pool2d (01_basics): the seed's 2-D pooling, stride 1, no padding, 'max' or 'avg'."""
import torch
import torch.nn.functional as F

from autograder.exercises import transforms as T
from autograder.exercises.draw import noncontiguous
from autograder.exercises.record import Case, Exercise, Mistake
from autograder.exercises.windows import pair


def pool2d(X, pool_size, mode='max'):
    """The seed's 2-D pooling.

    X: ``(h, w)``. Stride 1, no padding. Returns ``(h - p_h + 1, w - p_w + 1)``.
    ``mode`` is ``'max'`` or ``'avg'``; anything else raises ``ValueError``.
    """
    k = pair(pool_size)
    if mode == 'max':
        return F.max_pool2d(X[None, None], k, stride=1)[0, 0]
    if mode == 'avg':
        return F.avg_pool2d(X[None, None], k, stride=1)[0, 0]
    raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")


def cases(g):
    cases = []
    seed_x = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])

    def add(group, X, k, mode=None, positional=False, **extra):
        args: tuple
        kwargs: dict
        if mode is None:
            args, kwargs = (X, k), {}
        elif positional:
            args, kwargs = (X, k, mode), {}
        else:
            args, kwargs = (X, k), {"mode": mode}
        cases.append(Case(group, args, kwargs, scale=float(X.abs().max()), **extra))

    add("basic", seed_x, (2, 2))
    add("basic", g.distinct((4, 4)), (2, 2), "max")
    add("basic", g.distinct((5, 6)), (3, 3))
    add("avg", seed_x, (2, 2), "avg", positional=True)
    add("avg", g.normal((4, 4)), (2, 2), "avg")
    add("avg", g.normal((6, 5)), (3, 2), "avg")
    add("shapes", g.distinct((5, 7)), (2, 3))
    add("shapes", g.distinct((7, 5)), (3, 1), "avg")
    add("shapes", g.distinct((4, 6)), 2, "max")
    add("edge", g.distinct((3, 4)), (1, 1))
    add("edge", g.distinct((3, 5)), (3, 5), "avg")
    add("edge", g.distinct((4, 4), sign=-1), (4, 4))
    add("dtype", g.distinct((4, 5), torch.float64), (2, 2))
    add("dtype", g.normal((5, 4), torch.float64), (2, 3), "avg")
    add("noncontiguous", noncontiguous(g.distinct((5, 6))), (2, 2))
    add("noncontiguous", noncontiguous(g.normal((6, 5)), "step"), (3, 2), "avg")
    add("mode", g.distinct((4, 4)), (2, 2), "min", expect_error="ValueError")
    add("mode", g.distinct((4, 4)), (2, 2), "mean", expect_error="ValueError")
    for _ in range(4):
        k = (g.randint(1, 4), g.randint(1, 4))
        h, w = g.randint(k[0], 8), g.randint(k[1], 8)
        mode = g.choice(["max", "avg"])
        add("basic" if mode == "max" else "avg", g.distinct((h, w)), k, mode)
    # Drawn last, so the cases above stay as they were. Raising for a bad mode
    # alone proves nothing (a function that always raises does it): the mode
    # group also asks for the right output when 'max' is spelled out. Square
    # windows: this group is about the mode, the others judge the window.
    add("mode", g.distinct((4, 5)), 2, "max", positional=True)
    add("mode", g.distinct((5, 4)), (3, 3), "max")
    # 1x1 windows return the input, and full-size windows one element: add a window
    # as tall as the input, whose output is neither.
    add("edge", g.distinct((3, 5)), (3, 1))
    return cases


def _off_by_one(X, pool_size, mode='max'):
    return pool2d(X, pool_size, mode)[:-1, :-1]


EXERCISE = Exercise(
    name="pool2d", notebook="01_basics", position=1, points=2, forbid="pooling",
    contract=("— the seed's 2-D version: `X` is `(h, w)`, stride 1, no padding; `mode` is `'max'` or `'avg'`, anything else raises `ValueError`",
              '`F.max_pool2d` / `F.avg_pool2d` on `X[None, None]` with stride 1'),
    reference=pool2d, cases=cases,
    groups={"basic": 2, "avg": 2, "shapes": 1, "edge": 1, "dtype": 1, "noncontiguous": 1, "mode": 1},
    mistakes=(
        T.hw_swapped(pool2d),
        T.avg_as_sum(pool2d, catches=("avg",)),
        Mistake("shape_off_by_one", _off_by_one),
        T.dtype_not_kept(pool2d),
    ),
)
