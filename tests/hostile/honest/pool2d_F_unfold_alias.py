# pool2d (honest): `import torch.nn.functional as Fn`, F.unfold (im2col) on X[None, None],
# a dispatch dict of reductions, input validation that raises, type hints.
import torch.nn.functional as Fn
from typing import Tuple, Union

_REDUCE = {'max': lambda cols: cols.max(dim=0).values, 'avg': lambda cols: cols.mean(dim=0)}


def pool2d(X: torch.Tensor, pool_size: Union[int, Tuple[int, int]], mode: str = 'max') -> torch.Tensor:
    try:
        reduce = _REDUCE[mode]
    except KeyError:
        raise ValueError("mode must be 'max' or 'avg'") from None
    assert X.dim() == 2, "X must be 2-D"
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    h, w = X.shape
    cols = Fn.unfold(X[None, None], kernel_size=(p_h, p_w))      # (1, p_h * p_w, L)
    return reduce(cols[0]).reshape(h - p_h + 1, w - p_w + 1)
