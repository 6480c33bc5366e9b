# pool2d_padded (honest): `from torch.nn import functional as F2`, torch.finfo(X.dtype).min as the
# padding of max pooling, F.unfold (im2col) with stride, reshape back. Type hints, a docstring.
from torch.nn import functional as F2
from typing import Optional, Tuple, Union

IntPair = Union[int, Tuple[int, int]]


def _two(v: IntPair) -> Tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def pool2d_padded(X: torch.Tensor, pool_size: IntPair, stride: Optional[IntPair] = None,
                  padding: IntPair = 0, mode: str = 'max') -> torch.Tensor:
    """Like nn.MaxPool2d / nn.AvgPool2d (ceil_mode=False, count_include_pad=True)."""
    if mode not in ('max', 'avg'):
        raise ValueError('mode')
    k = _two(pool_size)
    s = _two(stride) if stride is not None else k
    p = _two(padding)
    N, C, H, W = X.shape
    fill = torch.finfo(X.dtype).min if mode == 'max' else 0.0
    Xp = F2.pad(X, (p[1], p[1], p[0], p[0]), value=fill)
    out_h = (H + 2 * p[0] - k[0]) // s[0] + 1
    out_w = (W + 2 * p[1] - k[1]) // s[1] + 1
    cols = F2.unfold(Xp.reshape(N * C, 1, *Xp.shape[-2:]), k, stride=s)      # (N*C, k_h*k_w, L)
    red = cols.amax(dim=1) if mode == 'max' else cols.sum(dim=1) / (k[0] * k[1])
    return red.reshape(N, C, out_h, out_w)
