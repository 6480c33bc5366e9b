"""misconception: avg_as_sum

Average mode sums the window and forgets to divide.
"""
import math

import torch
import torch.nn.functional as F


def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    p_h, p_w = pool_size if isinstance(pool_size, tuple) else (pool_size, pool_size)
    win = X.unfold(0, p_h, 1).unfold(1, p_w, 1)
    return win.amax((-1, -2)) if mode == 'max' else win.sum((-1, -2))
