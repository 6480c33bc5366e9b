"""misconception: cost_padding_ignored

The community answer: ((h - p_h)/s_h + 1)((w - p_w)/s_w + 1) p_h p_w.
"""
import math

import torch
import torch.nn.functional as F


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def pool_cost(c, h, w, pool_size, stride, padding, mode='max'):
    p_h, p_w = _pair(pool_size)
    s_h, s_w = _pair(pool_size if stride is None else stride)
    return ((h - p_h) / s_h + 1) * ((w - p_w) / s_w + 1) * (p_h * p_w)
