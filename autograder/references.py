"""Torch references for the graded functions: one per function, same signature.

Written in the style of ``torch/nn/functional.py``: each docstring states the
shapes and the semantics, and the body is the most direct torch expression of
the contract (``docs/contract.md``). No cleverness: these decide the points.

Conventions shared by all functions:

* ``pool_size``, ``stride`` and ``padding`` are an int or an ``(h, w)`` pair;
* ``stride=None`` means "equal to the window";
* ``padding`` is per side, as in PyTorch;
* outputs keep the input's dtype.
"""

import torch
import torch.nn.functional as F

Size = int | tuple[int, int]            # a window, stride or padding: one int or an (h, w) pair


def pair(v: Size) -> tuple[int, int]:
    """``3 -> (3, 3)``; ``(2, 3) -> (2, 3)``."""
    if isinstance(v, (tuple, list)):
        h, w = v
        return int(h), int(w)
    return int(v), int(v)


def window_args(pool_size: Size, stride: Size | None = None,
                padding: Size = 0) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Normalise ``(pool_size, stride, padding)`` to three ``(h, w)`` pairs."""
    k = pair(pool_size)
    s = k if stride is None else pair(stride)
    p = pair(padding)
    return k, s, p


def pool2d(X: torch.Tensor, pool_size: Size, mode: str = 'max') -> torch.Tensor:
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


def pool2d_padded(X: torch.Tensor, pool_size: Size, stride: Size | None = None, padding: Size = 0,
                  mode: str = 'max') -> torch.Tensor:
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


def avg_pool_as_conv(X: torch.Tensor, pool_size: Size, stride: Size | None = None, padding: Size = 0) -> torch.Tensor:
    """``F.avg_pool2d`` (count_include_pad=True). X: ``(N, C, H, W)``."""
    k, s, p = window_args(pool_size, stride, padding)
    return F.avg_pool2d(X, k, s, p)


def max_pool_as_conv(X: torch.Tensor, pool_size: Size, stride: Size | None = None, padding: Size = 0) -> torch.Tensor:
    """``F.max_pool2d``. X: ``(N, C, H, W)``."""
    k, s, p = window_args(pool_size, stride, padding)
    return F.max_pool2d(X, k, s, p)


def max_pool_conv_relu(X: torch.Tensor, pool_size: Size = 2) -> torch.Tensor:
    """k x k max pooling with stride = window, no padding. X: ``(N, C, H, W)``.

    ``max_pool_conv_relu(X)`` is the 2x2 case of the contract."""
    k = pair(pool_size)
    return F.max_pool2d(X, k, k)


def conv_relu_counts(pool_size: Size) -> tuple[int, int]:
    """``(layers, channels)`` of the notebook's conv + ReLU construction of p_h x p_w max pooling.

    The construction (02_as_convolution, exercise 3c): the n = p_h * p_w window elements play a
    tournament of rounds. In a round each pair (a, b) becomes three channels relu(b), relu(-b),
    relu(a - b) (a signed value crosses a ReLU as relu(x) - relu(-x)); an odd element sits the
    round out as two channels relu(x), relu(-x). The next layer reads max(a, b) = b + relu(a - b)
    = relu(b) - relu(-b) + relu(a - b) linearly. The first convolution (p_h x p_w, stride = window)
    makes round 1's channels straight from the window; every further round is a 1x1 convolution
    + ReLU; a last linear 1x1 convolution (no ReLU) adds up the final pair.

    layers: the number of convolution layers (all but the last followed by a ReLU), that is
    ceil(log2 n) + 1; channels: the most channels any layer outputs, per input channel (round 1's:
    3 * (n // 2) + 2 * (n % 2)). A 1x1 window is one identity convolution: (1, 1).
    """
    kh, kw = pair(pool_size)
    n = kh * kw
    layers, channels = 1, 1
    while n > 1:
        channels = max(channels, 3 * (n // 2) + 2 * (n % 2))
        n = n // 2 + n % 2
        layers += 1
    return layers, channels


def pool_output_shape(h: int, w: int, pool_size: Size, stride: Size | None = None,
                      padding: Size = 0) -> tuple[int, int]:
    """Output ``(out_h, out_w)`` of a pooling layer on an ``h x w`` input.

    ``out_h = floor((h + 2*pad_h - p_h) / s_h) + 1`` (and the same for w):
    the output shape of ``F.max_pool2d`` wherever PyTorch accepts the
    arguments (padding at most half the window).
    """
    (kh, kw), (sh, sw), (ph, pw) = window_args(pool_size, stride, padding)
    return (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1


def pool_cost(c: int, h: int, w: int, pool_size: Size, stride: Size | None = None, padding: Size = 0,
              mode: str = 'max') -> int:
    """Number of arithmetic operations of a pooling layer on a ``c x h x w`` input.

    Convention (the notebook states the same one):

    * each output element of max pooling costs ``p_h*p_w - 1`` comparisons;
    * each output element of average pooling costs ``p_h*p_w - 1`` additions
      plus 1 division, that is ``p_h*p_w`` operations;
    * total = ``c * out_h * out_w * (per-window operations)``, with
      ``out_h, out_w = pool_output_shape(h, w, pool_size, stride, padding)``.

    Padding is per side. The formula also holds where PyTorch refuses the
    padding, e.g. the d2l exercise setting ``padding = (p_h, p_w)``.
    """
    kh, kw = pair(pool_size)
    out_h, out_w = pool_output_shape(h, w, pool_size, stride, padding)
    if mode == 'max':
        per_window = kh * kw - 1
    elif mode == 'avg':
        per_window = kh * kw
    else:
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    return c * out_h * out_w * per_window


def min_pool2d(X: torch.Tensor, pool_size: Size, stride: Size | None = None, padding: Size = 0) -> torch.Tensor:
    """Minimum pooling: ``-F.max_pool2d(-X, ...)``. X: ``(N, C, H, W)``.

    Padding is +inf for a minimum, so padding never wins.
    """
    k, s, p = window_args(pool_size, stride, padding)
    return -F.max_pool2d(-X, k, s, p)


def softmax_pool2d(X: torch.Tensor, pool_size: Size, stride: Size | None = None,
                   temperature: float = 1.0) -> torch.Tensor:
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


def max_pool2d_backward(X: torch.Tensor, grad_out: torch.Tensor, pool_size: Size, stride: Size | None = None,
                        padding: Size = 0) -> torch.Tensor:
    """``dL/dX`` of max pooling, given ``grad_out = dL/dY``; autograd through ``F.max_pool2d``.

    X: ``(N, C, H, W)``; grad_out: the output's shape. Each window sends its
    gradient to its (unique, inputs are tie-free) maximum; where windows
    overlap, the contributions add up. Padding receives no gradient.
    """
    k, s, p = window_args(pool_size, stride, padding)
    x = X.detach().clone().requires_grad_(True)
    F.max_pool2d(x, k, s, p).backward(grad_out)
    return x.grad


def avg_pool2d_backward(X: torch.Tensor, grad_out: torch.Tensor, pool_size: Size, stride: Size | None = None,
                        padding: Size = 0) -> torch.Tensor:
    """``dL/dX`` of average pooling; autograd through ``F.avg_pool2d``.

    Each window spreads ``grad / (p_h*p_w)`` over its elements (padding
    counted, ``count_include_pad=True``); overlapping contributions add up.
    """
    k, s, p = window_args(pool_size, stride, padding)
    x = X.detach().clone().requires_grad_(True)
    F.avg_pool2d(x, k, s, p).backward(grad_out)
    return x.grad


REFERENCES = {
    f.__name__: f
    for f in (pool2d, pool2d_padded, avg_pool_as_conv, max_pool_as_conv, max_pool_conv_relu,
              conv_relu_counts, pool_output_shape, pool_cost, min_pool2d, softmax_pool2d,
              max_pool2d_backward, avg_pool2d_backward)
}
