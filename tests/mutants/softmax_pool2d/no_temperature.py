"""misconception: temperature_ignored

Forgets the temperature.
"""
import math

import torch
import torch.nn.functional as F


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _windows(X, pool_size, stride):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = _pair(pool_size if stride is None else stride)
    win = X.unfold(2, k_h, s_h).unfold(3, k_w, s_w)
    return win.reshape(*win.shape[:4], k_h * k_w)


def softmax_pool2d(X, pool_size, stride=None, temperature=1.0):
    win = _windows(X, pool_size, stride)
    return (torch.softmax(win, dim=-1) * win).sum(-1)
