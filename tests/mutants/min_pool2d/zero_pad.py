"""misconception: min_padding_wins

Pads -X with zeros before max pooling: 0 wins for positive inputs.
"""
import math

import torch
import torch.nn.functional as F


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def min_pool2d(X, pool_size, stride=None, padding=0):
    p_h, p_w = _pair(padding)
    Xp = F.pad(-X, (p_w, p_w, p_h, p_h))
    return -F.max_pool2d(Xp, pool_size, stride)
