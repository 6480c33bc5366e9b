"""misconception: ceil_mode

Rounds up.
"""
import math

import torch
import torch.nn.functional as F


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def pool_output_shape(h, w, pool_size, stride, padding):
    k_h, k_w = _pair(pool_size)
    s_h, s_w = _pair(pool_size if stride is None else stride)
    p_h, p_w = _pair(padding)
    return math.ceil((h + 2 * p_h - k_h) / s_h) + 1, math.ceil((w + 2 * p_w - k_w) / s_w) + 1
