"""Case generators and property groups shared by a family of exercises.

* the window family, ``f(X, pool_size, stride=None, padding=0[, mode])``:
  pool2d_padded, avg_pool_as_conv, max_pool_as_conv, min_pool2d;
* the backward family, ``f(X, grad_out, pool_size, stride=None, padding=0)``:
  max_pool2d_backward, avg_pool2d_backward.
"""
import torch

from autograder.exercises.draw import Gen, form, input_hw, noncontiguous, random_window, window_kwargs
from autograder.exercises.record import Case
from autograder.exercises.pool_output_shape import pool_output_shape
from autograder.exercises.windows import pair

# Property groups and their weights (report order).
WINDOW_GROUPS = {"basic": 2, "stride": 2, "padding": 2, "shapes": 1, "batch_channels": 1,
                 "dtype": 1, "noncontiguous": 1, "edge": 1}
BACKWARD_GROUPS = {"basic": 2, "overlap": 2, "padding": 2, "stride": 1, "batch_channels": 1,
                   "dtype": 1, "noncontiguous": 1, "edge": 1}


def window_cases(g: Gen, *, modes: tuple = (None,), sign_for_padding: int = -1, tie_free: bool = True,
                 n_random: int = 8) -> list[Case]:
    """The window family's cases: the seed's own examples, all-negative inputs with padding
    (``sign_for_padding``), padding of exactly half the window, 1x1 windows, the window
    equal to the input, ..., then ``n_random`` seeded configurations; each once per mode."""
    cases = []

    def data(shape, dtype=torch.float32, sign=0):
        return g.distinct(shape, dtype, sign) if tie_free else g.normal(shape, dtype)

    def add(group, X, k, stride=None, pad=(0, 0), scale=None):
        for mode in modes:
            kwargs = window_kwargs(stride, pad, {} if mode is None else {"mode": mode})
            cases.append(Case(group, (X, form(*k)), kwargs,
                              scale=float(X.abs().max()) if scale is None else scale))

    seed_x = torch.arange(16, dtype=torch.float32).reshape(1, 1, 4, 4)
    # basic: the seed's own examples and small square windows
    add("basic", seed_x, (2, 2), (2, 2))
    add("basic", data((1, 1, 4, 4)), (2, 2), (2, 2))
    add("basic", data((1, 1, 6, 6)), (3, 3), (3, 3))
    # stride: stride=None (must mean the window), larger than the window, non-square
    add("stride", seed_x, (3, 3))                       # nn.MaxPool2d(3) -> [[10.]]
    add("stride", data((1, 1, 7, 7)), (2, 2))
    add("stride", data((1, 1, 8, 7)), (2, 2), (3, 3))
    add("stride", data((1, 1, 6, 7)), (2, 2), (1, 2))
    # padding: all-negative inputs (a 0 pad would win max), exactly half the window, per side
    add("padding", seed_x - 20.0, (3, 3), (2, 2), (1, 1))  # nn.MaxPool2d(3, padding=1, stride=2)
    add("padding", data((1, 1, 5, 5), sign=sign_for_padding), (2, 2), (1, 1), (1, 1))
    add("padding", data((1, 1, 6, 5), sign=sign_for_padding), (4, 2), (2, 1), (2, 1))
    add("padding", data((1, 1, 4, 4), sign=sign_for_padding), (2, 3), (2, 3), (0, 1))
    # shapes: non-square windows on non-square inputs
    add("shapes", data((1, 1, 5, 7)), (2, 3), (1, 1))
    add("shapes", data((1, 1, 7, 5)), (3, 1), (2, 1))
    # batch and channels: pooling is per (sample, channel)
    add("batch_channels", data((2, 3, 5, 5)), (2, 2), (2, 2))
    add("batch_channels", data((3, 2, 6, 4)), (3, 2), (1, 2), (1, 1))
    # dtype: float64 in, float64 out
    add("dtype", data((1, 2, 5, 5), torch.float64), (2, 2), (1, 1))
    add("dtype", data((2, 1, 6, 6), torch.float64, sign=sign_for_padding), (3, 3), (2, 2), (1, 1))
    # non-contiguous views
    add("noncontiguous", noncontiguous(data((1, 2, 6, 5))), (2, 2), (2, 2))
    add("noncontiguous", noncontiguous(data((2, 1, 5, 6)), "step"), (3, 2), (1, 1), (1, 1))
    # edge: 1x1 windows, window equal to the input
    add("edge", data((1, 2, 3, 4)), (1, 1))
    add("edge", data((2, 1, 3, 5)), (3, 5))
    add("edge", data((1, 1, 4, 4), sign=sign_for_padding), (4, 4), (4, 4), (2, 2))
    # random configurations, filed under the most specific property they exercise
    for _ in range(n_random):
        k, stride, pad = random_window(g)
        h, w = input_hw(g, k, pad)
        n, c = g.randint(1, 2), g.randint(1, 2)
        sign = sign_for_padding if pad != (0, 0) and g.rng.random() < 0.5 else 0
        X = data((n, c, h, w), sign=sign)
        s = k if stride is None else pair(stride)
        group = ("padding" if pad != (0, 0) else "stride" if s != k else
                 "batch_channels" if n * c > 1 else "shapes" if k[0] != k[1] else "basic")
        add(group, X, k, stride, pad)
    return cases


def backward_cases(g: Gen, *, tie_free: bool = True) -> list[Case]:
    """The backward family's cases: grad_out has the output's shape."""
    cases = []

    def add(group, X, k, stride=None, pad=(0, 0), nc="contiguous"):
        oh, ow = pool_output_shape(X.shape[2], X.shape[3], k, stride, pad)
        grad = g.normal((X.shape[0], X.shape[1], oh, ow), X.dtype)
        if nc != "contiguous":
            X, grad = noncontiguous(X, nc), noncontiguous(grad, nc)
        cases.append(Case(group, (X, grad, form(*pair(k))), window_kwargs(stride, pad),
                          scale=max(1.0, float(grad.abs().max()))))

    def data(shape, dtype=torch.float32, sign=0):
        return g.distinct(shape, dtype, sign) if tie_free else g.normal(shape, dtype)

    add("basic", data((1, 1, 4, 4)), (2, 2))
    add("basic", data((1, 1, 6, 6)), (3, 3), (3, 3))
    add("overlap", data((1, 1, 4, 4)), (2, 2), (1, 1))
    add("overlap", data((1, 1, 6, 5)), (3, 2), (1, 1))
    add("overlap", data((1, 1, 7, 7)), (3, 3), (2, 2))
    add("overlap", data((2, 2, 5, 6)), (2, 3), (1, 2))
    add("padding", data((1, 1, 4, 4), sign=-1), (3, 3), (2, 2), (1, 1))
    add("padding", data((1, 1, 5, 5), sign=-1), (2, 2), (1, 1), (1, 1))
    add("padding", data((1, 1, 6, 5), sign=-1), (4, 2), (2, 1), (2, 1))
    add("padding", data((1, 1, 4, 4)), (2, 3), (2, 3), (0, 1))
    add("stride", data((1, 1, 7, 7)), (2, 2))
    add("stride", data((1, 1, 8, 7)), (2, 2), (3, 3))
    add("stride", data((1, 1, 5, 7)), (2, 3), (2, 1))
    add("batch_channels", data((2, 3, 4, 4)), (2, 2))
    add("batch_channels", data((3, 2, 6, 4)), (3, 2), (1, 2), (1, 1))
    add("dtype", data((1, 2, 5, 5), torch.float64), (2, 2), (1, 1))
    add("dtype", data((2, 1, 6, 6), torch.float64, sign=-1), (3, 3), (2, 2), (1, 1))
    add("noncontiguous", data((1, 2, 6, 5)), (2, 2), (2, 2), nc="transpose")
    add("noncontiguous", data((2, 1, 5, 6)), (3, 2), (1, 1), (1, 1), nc="step")
    add("edge", data((1, 2, 3, 4)), (1, 1))
    add("edge", data((2, 1, 3, 5)), (3, 5))
    for _ in range(6):
        k, stride, pad = random_window(g)
        h, w = input_hw(g, k, pad)
        n, c = g.randint(1, 2), g.randint(1, 2)
        s = k if stride is None else pair(stride)
        group = ("overlap" if s[0] < k[0] or s[1] < k[1] else "padding" if pad != (0, 0)
                 else "stride" if s != k else "batch_channels" if n * c > 1 else "basic")
        add(group, data((n, c, h, w), sign=-1 if pad != (0, 0) else 0), k, stride, pad)
    return cases
