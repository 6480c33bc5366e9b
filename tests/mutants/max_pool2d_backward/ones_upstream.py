"""misconception: grad_out_ignored

Routes a gradient of 1 instead of grad_out.
"""
import math

import torch
import torch.nn.functional as F


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _geometry(pool_size, stride, padding):
    return _pair(pool_size), _pair(pool_size if stride is None else stride), _pair(padding)


def max_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (k_h, k_w), (s_h, s_w), (p_h, p_w) = _geometry(pool_size, stride, padding)
    N, C, H, W = X.shape
    Xp = F.pad(X, (p_w, p_w, p_h, p_h), value=-math.inf)
    dXp = torch.zeros_like(Xp)
    for i in range(grad_out.shape[2]):
        for j in range(grad_out.shape[3]):
            win = Xp[:, :, i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w]
            dXp[:, :, i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w] += (win == win.amax((-1, -2), keepdim=True)).to(X.dtype)
    return dXp[:, :, p_h:p_h + H, p_w:p_w + W]
