# avg_pool2d_backward (honest): every window's share grad / (p_h p_w) repeated over the window
# (expand), F.fold (col2im) adds the overlaps; crop the padding. Docstring, type hints.
from typing import Tuple, Union

Size = Union[int, Tuple[int, int]]


def avg_pool2d_backward(X: torch.Tensor, grad_out: torch.Tensor, pool_size: Size, stride: Size = None,
                        padding: Size = 0) -> torch.Tensor:
    """dL/dX of average pooling (count_include_pad=True)."""
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)      # noqa: E731
    k = two(pool_size)
    s = k if stride is None else two(stride)
    p = two(padding)
    N, C, H, W = X.shape
    P = k[0] * k[1]
    share = (grad_out / P).reshape(N * C, 1, -1).expand(-1, P, -1)
    full = F.fold(share, (H + 2 * p[0], W + 2 * p[1]), k, stride=s)
    return full.reshape(N, C, H + 2 * p[0], W + 2 * p[1])[..., p[0]:p[0] + H, p[1]:p[1] + W]
