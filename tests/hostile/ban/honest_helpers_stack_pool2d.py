# pool2d (honest): type hints, a docstring, a functools decorator of the student's own, helper
# functions, a class they own (and patch: their own class), list comprehensions and torch.stack.
import functools
from typing import Tuple, Union


def checked(fn):
    @functools.wraps(fn)
    def inner(X, pool_size, mode='max'):
        if mode not in ('max', 'avg'):
            raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
        return fn(X, pool_size, mode)
    return inner


class Reducer:
    def __init__(self, mode: str):
        self.mode = mode


def _reduce(self, window: torch.Tensor) -> torch.Tensor:
    return window.max() if self.mode == 'max' else window.mean()


Reducer.reduce = _reduce          # monkeypatching a class the answer owns is fine
setattr(Reducer, 'name', 'mine')


@checked
def pool2d(X: torch.Tensor, pool_size: Union[int, Tuple[int, int]], mode: str = 'max') -> torch.Tensor:
    """2-D pooling with stride 1 and no padding, window by window."""
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    out_h, out_w = X.shape[0] - p_h + 1, X.shape[1] - p_w + 1
    if out_h <= 0 or out_w <= 0:
        return torch.zeros((out_h, out_w), dtype=X.dtype)
    r = Reducer(mode)
    rows = [torch.stack([r.reduce(X[i:i + p_h, j:j + p_w]) for j in range(out_w)]) for i in range(out_h)]
    return torch.stack(rows).to(X.dtype)
