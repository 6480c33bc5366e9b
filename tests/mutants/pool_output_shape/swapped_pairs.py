"""misconception: hw_swapped

Reads every pair as (w, h).
"""
import math

import torch
import torch.nn.functional as F


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def pool_output_shape(h, w, pool_size, stride, padding):
    k_w, k_h = _pair(pool_size)
    s_w, s_h = _pair(pool_size if stride is None else stride)
    p_w, p_h = _pair(padding)
    return (h + 2 * p_h - k_h) // s_h + 1, (w + 2 * p_w - k_w) // s_w + 1
