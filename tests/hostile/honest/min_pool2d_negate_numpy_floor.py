# min_pool2d (honest): min = -max(-X) with F.max_pool2d (allowed here: min_pool2d may use torch's
# max pooling), numpy's floor for the printed output size, a docstring.
import numpy as np


def min_pool2d(X, pool_size, stride=None, padding=0):
    """最小汇聚 / min pooling: -max_pool(-X); the padding of max pooling is -inf, so of min pooling +inf."""
    k = np.broadcast_to(pool_size, 2)
    s = k if stride is None else np.broadcast_to(stride, 2)
    p = np.broadcast_to(padding, 2)
    H, W = X.shape[-2:]
    out = np.floor((np.array([H, W]) + 2 * p - k) / s).astype(int) + 1
    print(f"min_pool2d -> {tuple(out.tolist())}")
    return -F.max_pool2d(-X, tuple(k.tolist()), tuple(s.tolist()), tuple(p.tolist()))
