"""misconception: ceil_mode

Rounds the output size up and pools the incomplete last window.
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
    out_h = math.ceil((H + 2 * p_h - k_h) / s_h) + 1
    out_w = math.ceil((W + 2 * p_w - k_w) / s_w) + 1
    fill = -math.inf if mode == 'max' else 0.0
    Xp = F.pad(X, (p_w, p_w, p_h, p_h), value=fill)
    Y = X.new_zeros((N, C, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            win = Xp[:, :, i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w]
            Y[:, :, i, j] = win.amax((-1, -2)) if mode == 'max' else win.sum((-1, -2)) / (k_h * k_w)
    return Y
