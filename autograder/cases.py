"""Test cases of the hidden suites: deterministic per seed, small, grouped by property.

A ``Case`` holds only plain tensors and JSON-able values (ints, floats,
strings, None, tuples of ints), so the grader can ship it to a sandboxed
child. Non-contiguous inputs are views (a transpose, or a slice with a step);
the grader keeps their strides.

``make_cases(name, seed)`` returns a function's cases: an explicit list of
edge cases (the seed's own examples, all-negative inputs with padding,
padding of exactly half the window, 1x1 windows, the window equal to the
input, ...) followed by seeded random configurations. Sizes stay small
(H, W <= 9; N, C <= 3) so that loop implementations stay gradable.
"""
from dataclasses import dataclass, field
import random
import zlib

import torch

from autograder.references import pair, pool_output_shape


@dataclass
class Case:
    group: str               # property group, e.g. 'padding'
    args: tuple
    kwargs: dict = field(default_factory=dict)
    scale: float = 1.0       # input magnitude: tolerances scale with it
    expect_error: str = None  # e.g. 'ValueError': the call must raise it

    @property
    def size(self):
        """How big the case is, to pick the smallest failing one."""
        n = 0
        for v in list(self.args) + list(self.kwargs.values()):
            if isinstance(v, torch.Tensor):
                n += v.numel()
            elif isinstance(v, tuple):
                n += sum(v)
            elif isinstance(v, int) and not isinstance(v, bool):
                n += v
        return n


class Gen:
    """Seeded source of configurations and tensors (python ``random`` + a torch Generator)."""

    def __init__(self, name, seed):
        s = (zlib.crc32(name.encode()) + 7919 * seed) % 2**31
        self.rng = random.Random(s)
        self.torch = torch.Generator().manual_seed(s)

    def randint(self, a, b):
        return self.rng.randint(a, b)

    def choice(self, seq):
        return self.rng.choice(seq)

    def distinct(self, shape, dtype=torch.float32, sign=0, scale=None):
        """Tie-free values: every element differs from every other by at least 0.1 (before scaling).

        sign: +1 all positive, -1 all negative, 0 both. ``scale``: the largest |value|.
        """
        n = 1
        for d in shape:
            n *= d
        gaps = torch.rand(n, generator=self.torch, dtype=torch.float64) * 0.9 + 0.1
        vals = gaps.cumsum(0)[torch.randperm(n, generator=self.torch)]
        if sign > 0:
            vals = vals + 0.05
        elif sign < 0:
            vals = -vals - 0.05
        else:
            vals = vals - vals.mean()
        if scale is not None:
            vals = vals * (scale / vals.abs().max())
        return vals.reshape(shape).to(dtype)

    def normal(self, shape, dtype=torch.float32):
        return torch.randn(shape, generator=self.torch, dtype=torch.float64).to(dtype)


def noncontiguous(x, how="transpose"):
    """The same values as ``x`` in a non-contiguous view."""
    if how == "transpose":
        return x.transpose(-1, -2).contiguous().transpose(-1, -2)
    # every other column of a twice-as-wide tensor
    wide = torch.zeros(*x.shape[:-1], 2 * x.shape[-1], dtype=x.dtype)
    wide[..., ::2] = x
    return wide[..., ::2]


def _form(h, w):
    """An ``(h, w)`` argument: an int when square (students must accept both)."""
    return h if h == w else (h, w)


def _random_window(g, *, padding=True, max_k=4):
    """Random (pool_size, stride, padding) as passed to the function, and normalised pairs."""
    kh, kw = g.randint(1, max_k), g.randint(1, max_k)
    r = g.rng.random()
    if r < 0.25:
        stride = None
    elif r < 0.5:
        stride = g.randint(1, 4)
    else:
        stride = (g.randint(1, 4), g.randint(1, 4))
    pad = (g.randint(0, kh // 2), g.randint(0, kw // 2)) if padding else (0, 0)
    return (kh, kw), stride, pad


def _input_hw(g, k, pad, max_hw=8):
    """An input height/width at least as large as the (padded) window."""
    return tuple(g.randint(max(1, k[i] - 2 * pad[i]), max_hw) for i in range(2))


# ---------------------------------------------------------------------------
# Functions with signature (X, pool_size, stride=None, padding=0[, mode])
# ---------------------------------------------------------------------------

def _window_call(X, k, stride, pad, extra):
    """Args/kwargs of a call, leaving out defaults now and then (stride=None must mean 'window')."""
    kwargs = dict(extra)
    if stride is not None:
        kwargs["stride"] = stride if isinstance(stride, int) else _form(*stride)
    if pad != (0, 0):
        kwargs["padding"] = _form(*pad)
    return (X, _form(*k)), kwargs


def _window_cases(name, g, *, modes=(None,), sign_for_padding=-1, tie_free=True, n_random=8):
    """Cases for pool2d_padded, avg/max_pool_as_conv and min_pool2d."""
    cases = []

    def data(shape, dtype=torch.float32, sign=0):
        return g.distinct(shape, dtype, sign) if tie_free else g.normal(shape, dtype)

    def add(group, X, k, stride=None, pad=(0, 0), scale=None):
        for mode in modes:
            extra = {} if mode is None else {"mode": mode}
            args, kwargs = _window_call(X, k, stride, pad, extra)
            cases.append(Case(group, args, kwargs, scale=float(X.abs().max()) if scale is None else scale))

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
        k, stride, pad = _random_window(g)
        h, w = _input_hw(g, k, pad)
        n, c = g.randint(1, 2), g.randint(1, 2)
        sign = sign_for_padding if pad != (0, 0) and g.rng.random() < 0.5 else 0
        X = data((n, c, h, w), sign=sign)
        s = k if stride is None else pair(stride)
        group = ("padding" if pad != (0, 0) else "stride" if s != k else
                 "batch_channels" if n * c > 1 else "shapes" if k[0] != k[1] else "basic")
        add(group, X, k, stride, pad)
    return cases


# ---------------------------------------------------------------------------
# One generator per graded function
# ---------------------------------------------------------------------------

def _pool2d(g):
    cases = []
    seed_x = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])

    def add(group, X, k, mode=None, positional=False, **extra):
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


def _pool2d_padded(g):
    return _window_cases("pool2d_padded", g, modes=("max", "avg"), n_random=6)


def _avg_pool_as_conv(g):
    return _window_cases("avg_pool_as_conv", g, tie_free=False, n_random=8)


def _max_pool_as_conv(g):
    return _window_cases("max_pool_as_conv", g, n_random=8)


def _min_pool2d(g):
    # all-positive inputs with padding: a 0 pad would win the minimum
    return _window_cases("min_pool2d", g, sign_for_padding=+1, n_random=8)


def _max_pool_conv_relu(g):
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


def _conv_relu_counts(g):
    cases = []

    def add(group, k):
        cases.append(Case(group, (k,), {}))

    add("basic", 2)
    add("basic", 3)
    add("basic", (2, 2))
    add("basic", (3, 3))
    add("larger", 4)
    add("larger", 5)
    add("larger", 6)
    add("rectangles", (2, 3))
    add("rectangles", (1, 4))
    add("rectangles", (3, 5))
    add("rectangles", (1, 2))
    add("edge", 1)
    add("edge", (1, 1))
    add("edge", 8)
    for _ in range(3):
        kh, kw = g.randint(1, 7), g.randint(1, 7)
        add("rectangles" if kh != kw else "larger" if kh > 3 else "basic", kh if kh == kw else (kh, kw))
    return cases


def _pool_output_shape(g):
    cases = []

    def add(group, h, w, k, s, p):
        cases.append(Case(group, (h, w, k, s, p), {}))

    add("basic", 4, 4, 2, 2, 0)
    add("basic", 6, 6, 3, 3, 0)
    add("basic", 4, 4, 3, 2, 1)                     # the seed's nn.MaxPool2d(3, padding=1, stride=2)
    add("basic", 6, 8, 2, 2, 0)                     # not (2, 2) like the three above: no constant passes
    add("stride", 4, 4, 3, None, 0)                 # stride=None: the window
    add("stride", 7, 7, 2, None, 0)
    add("stride", 8, 7, 2, 3, 0)                    # stride larger than the window
    add("stride", 9, 5, (2, 2), (3, 1), 0)
    add("padding", 5, 5, 4, 1, 2)                   # padding exactly half the window
    add("padding", 6, 5, (4, 2), (2, 1), (2, 1))
    add("padding", 4, 4, (2, 3), (2, 3), (0, 1))    # the seed's rectangular example
    add("padding", 7, 6, 3, 2, 1)
    add("shapes", 5, 7, (2, 3), (1, 1), 0)
    add("shapes", 7, 5, (3, 1), (2, 1), (1, 0))
    add("shapes", 9, 4, (1, 4), (1, 2), (0, 2))
    add("edge", 3, 5, (3, 5), 1, 0)                 # window equal to the input
    add("edge", 4, 4, 1, 1, 0)
    add("edge", 1, 1, 1, None, 0)
    add("edge", 2, 3, 4, 3, 2)
    for _ in range(8):
        (kh, kw), stride, pad = _random_window(g, max_k=5)
        h, w = _input_hw(g, (kh, kw), pad, max_hw=32)
        s = (kh, kw) if stride is None else pair(stride)
        group = "padding" if pad != (0, 0) else "stride" if s != (kh, kw) else "shapes" if kh != kw else "basic"
        add(group, h, w, _form(kh, kw), stride, _form(*pad))
    return cases


def _pool_cost(g):
    cases = []

    def add(group, c, h, w, k, s, p, mode=None):
        kwargs = {} if mode is None else {"mode": mode}
        cases.append(Case(group, (c, h, w, k, s, p), kwargs))

    add("basic", 1, 4, 4, 2, 2, 0)
    add("basic", 1, 6, 6, 3, 3, 0, "max")
    add("basic", 1, 3, 3, 2, 1, 0)
    add("avg", 1, 4, 4, 2, 2, 0, "avg")
    add("avg", 1, 6, 5, (3, 2), (1, 1), 0, "avg")
    add("stride", 1, 8, 7, 2, 3, 0)
    add("stride", 2, 9, 5, (2, 2), (3, 1), 0, "avg")
    add("stride", 1, 7, 7, 2, None, 0)
    add("padding", 1, 4, 4, 3, 2, 1)
    add("padding", 2, 6, 5, (4, 2), (2, 1), (2, 1), "avg")
    add("batch_channels", 3, 4, 4, 2, 2, 0)
    add("batch_channels", 16, 32, 32, 2, 2, 0, "avg")
    # the d2l exercise: padding equal to the window (PyTorch refuses it, the formula does not)
    add("d2l", 3, 8, 8, (2, 2), (2, 2), (2, 2))
    add("d2l", 2, 7, 9, (3, 2), (2, 3), (3, 2), "avg")
    add("d2l", 4, 6, 6, (3, 3), (1, 1), (3, 3), "max")
    add("d2l", 1, 5, 4, (2, 3), (3, 2), (2, 3), "avg")
    for _ in range(6):
        (kh, kw), stride, pad = _random_window(g, max_k=5)
        if g.rng.random() < 0.5:
            pad = (kh, kw)
        h, w = _input_hw(g, (kh, kw), pad, max_hw=32)
        c = g.randint(1, 8)
        mode = g.choice(["max", "avg"])
        group = "d2l" if pad == (kh, kw) else "avg" if mode == "avg" else "padding" if pad != (0, 0) else "stride"
        add(group, c, h, w, _form(kh, kw), stride, _form(*pad), mode)
    return cases


def _softmax_pool2d(g):
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


def _backward_cases(name, g, *, tie_free):
    """Cases for max/avg_pool2d_backward: grad_out has the output's shape."""
    cases = []

    def add(group, X, k, stride=None, pad=(0, 0), nc="contiguous"):
        (kh, kw), s = pair(k), (pair(k) if stride is None else pair(stride))
        oh, ow = pool_output_shape(X.shape[2], X.shape[3], k, stride, pad)
        grad = g.normal((X.shape[0], X.shape[1], oh, ow), X.dtype)
        if nc != "contiguous":
            X, grad = noncontiguous(X, nc), noncontiguous(grad, nc)
        kwargs = {}
        if stride is not None:
            kwargs["stride"] = stride if isinstance(stride, int) else _form(*stride)
        if pad != (0, 0):
            kwargs["padding"] = _form(*pad)
        cases.append(Case(group, (X, grad, _form(kh, kw)), kwargs,
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
        k, stride, pad = _random_window(g)
        h, w = _input_hw(g, k, pad)
        n, c = g.randint(1, 2), g.randint(1, 2)
        s = k if stride is None else pair(stride)
        group = ("overlap" if s[0] < k[0] or s[1] < k[1] else "padding" if pad != (0, 0)
                 else "stride" if s != k else "batch_channels" if n * c > 1 else "basic")
        add(group, data((n, c, h, w), sign=-1 if pad != (0, 0) else 0), k, stride, pad)
    return cases


def _max_pool2d_backward(g):
    return _backward_cases("max_pool2d_backward", g, tie_free=True)


def _avg_pool2d_backward(g):
    # tie-free too: harmless, and the padding cases stay all-negative like max's
    return _backward_cases("avg_pool2d_backward", g, tie_free=True)


GENERATORS = {
    "pool2d": _pool2d,
    "pool2d_padded": _pool2d_padded,
    "avg_pool_as_conv": _avg_pool_as_conv,
    "max_pool_as_conv": _max_pool_as_conv,
    "max_pool_conv_relu": _max_pool_conv_relu,
    "conv_relu_counts": _conv_relu_counts,
    "pool_output_shape": _pool_output_shape,
    "pool_cost": _pool_cost,
    "min_pool2d": _min_pool2d,
    "softmax_pool2d": _softmax_pool2d,
    "max_pool2d_backward": _max_pool2d_backward,
    "avg_pool2d_backward": _avg_pool2d_backward,
}


def make_cases(name, seed=0):
    """All cases of graded function ``name`` for this seed (deterministic)."""
    return GENERATORS[name](Gen(name, seed))
