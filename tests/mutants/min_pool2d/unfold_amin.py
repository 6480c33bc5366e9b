"""misconception: hw_swapped

A hand-written amin over windows with the window read as (w, h).
"""
import math

import torch
import torch.nn.functional as F


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def min_pool2d(X, pool_size, stride=None, padding=0):
    k_w, k_h = _pair(pool_size)
    s_h, s_w = _pair((k_h, k_w) if stride is None else stride)
    p_h, p_w = _pair(padding)
    Xp = F.pad(X, (p_w, p_w, p_h, p_h), value=math.inf)
    return Xp.unfold(2, k_h, s_h).unfold(3, k_w, s_w).amin((-1, -2))
