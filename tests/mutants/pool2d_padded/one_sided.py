"""misconception: one_sided_padding

Pads only the bottom and the right.
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
    N, C, H, W = X.shape
    fill = -math.inf if mode == 'max' else 0.0
    Xp = torch.full((N, C, H + p_h, W + p_w), fill, dtype=X.dtype)
    Xp[:, :, :H, :W] = X
    win = Xp.unfold(2, k_h, s_h).unfold(3, k_w, s_w)
    return win.amax((-1, -2)) if mode == 'max' else win.mean((-1, -2))
