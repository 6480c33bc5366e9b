"""misconception: avg_exclude_pad

Divides each window by the number of real (unpadded) elements.
"""
import math

import torch
import torch.nn.functional as F


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = _pair(pool_size if stride is None else stride)
    p_h, p_w = _pair(padding)
    if mode == 'max':
        win = F.pad(X, (p_w, p_w, p_h, p_h), value=-math.inf).unfold(2, k_h, s_h).unfold(3, k_w, s_w)
        return win.amax((-1, -2))
    ones = torch.ones_like(X)
    total = F.pad(X, (p_w, p_w, p_h, p_h)).unfold(2, k_h, s_h).unfold(3, k_w, s_w).sum((-1, -2))
    count = F.pad(ones, (p_w, p_w, p_h, p_h)).unfold(2, k_h, s_h).unfold(3, k_w, s_w).sum((-1, -2))
    return total / count
