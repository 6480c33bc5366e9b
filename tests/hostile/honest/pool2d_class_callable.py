# pool2d (honest): a class the answer owns with __call__, functools.partial to fix the mode,
# plain nested loops, zip over window offsets.
import functools


class WindowPool:
    """Reduces every p_h x p_w window of a 2-D tensor."""

    def __init__(self, reduce):
        self.reduce = reduce

    def __call__(self, X, p_h, p_w):
        out_h, out_w = X.shape[0] - p_h + 1, X.shape[1] - p_w + 1
        Y = X.new_zeros((out_h, out_w))
        for i in range(out_h):
            for j in range(out_w):
                Y[i, j] = self.reduce(X[i:i + p_h, j:j + p_w])
        return Y


def _reduce(window, how):
    return window.max() if how == 'max' else window.sum() / window.numel()


_POOLS = {how: WindowPool(functools.partial(_reduce, how=how)) for how in ('max', 'avg')}


def pool2d(X, pool_size, mode='max'):
    if mode not in _POOLS:
        raise ValueError(mode)
    p_h, p_w = [pool_size] * 2 if isinstance(pool_size, int) else pool_size
    return _POOLS[mode](X, p_h, p_w)
