"""misconception: windows_not_gathered

A learner's attempt: the softmax runs over the whole row of each image and the weighted
values are then strided; the windows are never gathered.
"""
import math

import torch
import torch.nn.functional as F


def softmax_pool2d(X, pool_size, stride=None, temperature=1.0):
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    sh, sw = (kh, kw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    weights = torch.softmax(X / temperature, dim=-1)
    weighted = weights * X
    return weighted[..., ::sh, ::sw]
