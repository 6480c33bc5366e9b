"""misconception: output_size_formula

A learner's attempt: channels, padding and the per-window count are right, but the
number of windows is (h + 2 pad - p) / s, neither rounded down nor + 1.
"""
import math

import torch
import torch.nn.functional as F


def pool_cost(c, h, w, pool_size, stride, padding, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    ph, pw = pool_size if isinstance(pool_size, tuple) else (pool_size, pool_size)
    sh, sw = (ph, pw) if stride is None else (stride if isinstance(stride, tuple) else (stride, stride))
    dh, dw = padding if isinstance(padding, tuple) else (padding, padding)
    rows = (h + 2 * dh - ph) / sh
    cols = (w + 2 * dw - pw) / sw
    ops = ph * pw - 1 if mode == 'max' else ph * pw
    return c * rows * cols * ops
