"""misconception: channels_mixed

A (C, C, p_h, p_w) kernel without groups: every output channel sums all channels.
"""
import math

import torch
import torch.nn.functional as F


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def avg_pool_as_conv(X, pool_size, stride=None, padding=0):
    k_h, k_w = _pair(pool_size)
    C = X.shape[1]
    weight = torch.full((C, C, k_h, k_w), 1.0 / (k_h * k_w), dtype=X.dtype)
    return F.conv2d(X, weight, stride=_pair(pool_size if stride is None else stride), padding=_pair(padding))
