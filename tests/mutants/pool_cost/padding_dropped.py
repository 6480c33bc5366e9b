"""misconception: cost_padding_ignored

Right per-window count, but the output size ignores the padding.
"""
import math

import torch
import torch.nn.functional as F


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def pool_cost(c, h, w, pool_size, stride, padding, mode='max'):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = _pair(pool_size if stride is None else stride)
    out_h = (h - k_h) // s_h + 1
    out_w = (w - k_w) // s_w + 1
    return c * out_h * out_w * (k_h * k_w - 1 if mode == 'max' else k_h * k_w)
