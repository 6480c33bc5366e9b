"""misconception: stride_default_one

Slides the window by 1 when stride is None.
"""
import math

import torch
import torch.nn.functional as F


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def softmax_pool2d(X, pool_size, stride=None, temperature=1.0):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = _pair(1 if stride is None else stride)
    win = X.unfold(2, k_h, s_h).unfold(3, k_w, s_w)
    win = win.reshape(*win.shape[:4], k_h * k_w)
    return (torch.softmax(win / temperature, dim=-1) * win).sum(-1)
