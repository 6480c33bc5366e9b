"""misconception: avg_exclude_pad

Divides by the number of real (unpadded) elements in each window.
"""
import math

import torch
import torch.nn.functional as F


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _geometry(pool_size, stride, padding):
    return _pair(pool_size), _pair(pool_size if stride is None else stride), _pair(padding)


def avg_pool2d_backward(X, grad_out, pool_size, stride=None, padding=0):
    (k_h, k_w), (s_h, s_w), (p_h, p_w) = _geometry(pool_size, stride, padding)
    N, C, H, W = X.shape
    real = F.pad(torch.ones(H, W, dtype=X.dtype), (p_w, p_w, p_h, p_h))
    dXp = X.new_zeros((N, C, H + 2 * p_h, W + 2 * p_w))
    for i in range(grad_out.shape[2]):
        for j in range(grad_out.shape[3]):
            n = real[i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w].sum()
            dXp[:, :, i * s_h:i * s_h + k_h, j * s_w:j * s_w + k_w] += grad_out[:, :, i:i + 1, j:j + 1] / n
    return dXp[:, :, p_h:p_h + H, p_w:p_w + W]
